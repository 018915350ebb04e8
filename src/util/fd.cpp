#include <brigade/util/fd.hpp>

#include <cerrno>

namespace brigade {

int Fd::close() {
  if (fd_ < 0) {
    return 0;
  }
  // Linux frees the descriptor even when close fails (EINTR included): never retry.
  const int rc = ::close(std::exchange(fd_, -1));
  return rc == 0 ? 0 : errno;
}

}  // namespace brigade
