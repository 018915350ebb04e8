#pragma once

#include <unistd.h>

#include <utility>

namespace brigade {

/// Owns one file descriptor: closed when the owner goes, moved never copied. -1 holds none.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset(other.release());
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  /// Gives the descriptor up without closing it.
  int release() { return std::exchange(fd_, -1); }
  /// Closes the descriptor held, if any, and holds `fd`. Where close()'s result matters (a
  /// file written), close it explicitly with close().
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }
  /// Closes now and says how: 0, or the errno of a failed close (written data lost).
  int close();

 private:
  int fd_ = -1;
};

}  // namespace brigade
