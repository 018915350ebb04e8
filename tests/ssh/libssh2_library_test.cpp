// White-box: the reaper the library owns is private to src/ssh.
#include "ssh/session_reaper.hpp"

#include <brigade/ssh/libssh2_library.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using brigade::ssh::SessionReaper;

TEST_CASE("libssh2 library: the process's reaper lives exactly as long as the library",
          "[ssh][reaper]") {
  // ctest runs each test case in a process of its own; run together with tests that keep a
  // library for the whole process, only what holds then is checked.
  const bool alone = SessionReaper::instance() == nullptr;
  {
    brigade::ssh::Libssh2Library library;
    CHECK(SessionReaper::instance() != nullptr);
  }
  if (alone) {
    CHECK(SessionReaper::instance() == nullptr);
    // Without a library, disposal happens on the calling thread.
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    SessionReaper::dispose_now(nullptr, pair[0]);
    CHECK(::fcntl(pair[0], F_GETFD) == -1);
    ::close(pair[1]);
  }
}

TEST_CASE("libssh2 library: created and destroyed again, as tests and runs do", "[ssh]") {
  for (int i = 0; i < 3; ++i) {
    brigade::ssh::Libssh2Library library;
    CHECK(SessionReaper::instance() != nullptr);
  }
}
