#include <brigade/util/fd.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <utility>

using brigade::Fd;

namespace {

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

}  // namespace

TEST_CASE("fd: closed with its owner, moved never twice", "[fd]") {
  int raw = -1;
  {
    Fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    raw = fd.get();
    Fd moved = std::move(fd);
    CHECK_FALSE(fd);  // NOLINT: moved-from is empty by contract
    CHECK(moved.get() == raw);
    CHECK(is_open(raw));
  }
  CHECK_FALSE(is_open(raw));

  Fd held(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int released = held.release();
  CHECK_FALSE(held);
  CHECK(is_open(released));
  held.reset(released);
  CHECK(held.close() == 0);
  CHECK_FALSE(is_open(released));
  CHECK(held.close() == 0);  // nothing held: nothing to close
}
