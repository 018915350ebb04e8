// White-box: the reaper is private to src/ssh, and tested through its own header.
#include "ssh/session_reaper.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

using brigade::ssh::SessionReaper;

namespace {

bool fd_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

}  // namespace

TEST_CASE("session reaper: a disposed connection is shut down and closed off the caller's thread",
          "[ssh][reaper]") {
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  {
    SessionReaper reaper;
    reaper.dispose(nullptr, pair[0]);
    // The peer sees the connection end (shut down, then closed) within a bounded wait.
    char byte = 0;
    CHECK(::read(pair[1], &byte, 1) == 0);
    for (int attempt = 0; attempt < 200 && fd_open(pair[0]); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK_FALSE(fd_open(pair[0]));
  }
  ::close(pair[1]);
}

TEST_CASE("session reaper: what is queued when it stops is disposed of, not leaked",
          "[ssh][reaper]") {
  std::vector<int> peers;
  std::vector<int> given;
  {
    SessionReaper reaper;
    for (int i = 0; i < 50; ++i) {
      int pair[2];
      REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
      reaper.dispose(nullptr, pair[0]);
      given.push_back(pair[0]);
      peers.push_back(pair[1]);
    }
  }  // the destructor drains the queue before it joins
  for (int peer : peers) {
    char byte = 0;
    CHECK(::read(peer, &byte, 1) == 0);
    ::close(peer);
  }
  // No fd was closed twice or left open: each number given is closed (none reused meanwhile,
  // as this test opens nothing else).
  for (int fd : given) {
    CHECK_FALSE(fd_open(fd));
  }
}
