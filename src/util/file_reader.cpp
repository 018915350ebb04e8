#include <brigade/util/fd.hpp>
#include <brigade/util/file_reader.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace brigade {

namespace {

std::string kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) {
    return "a FIFO";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  return "not a regular file";
}

}  // namespace

Result<Ok> read_file_pieces(const std::string& path, std::string_view what, std::size_t max_bytes,
                            const std::function<void(std::string_view)>& piece, int* open_errno) {
  auto failed = [&](std::string why) {
    return Diagnostic{.file = display_path(path),
                      .message = fmt::format("cannot read {}: {}", what, why)};
  };
  // O_NONBLOCK: opening a FIFO with no writer would wait for one.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    if (open_errno != nullptr) {
      *open_errno = errno;
    }
    return failed(std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return failed(std::strerror(errno));
  }
  if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
    return Ok{};  // /dev/null: empty
  }
  if (!S_ISREG(st.st_mode)) {
    return failed("it is " + kind_of(st.st_mode) + ", not a regular file");
  }
  const auto too_large = [&] {
    return failed(
        fmt::format("it is larger than {} MiB, more than such a "
                    "file ever holds",
                    max_bytes >> 20));
  };
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return too_large();
  }
  char buffer[65536];
  std::size_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return failed(std::strerror(errno));
    }
    if (n == 0) {
      return Ok{};
    }
    total += static_cast<std::size_t>(n);
    if (total > max_bytes) {  // it grew while read
      return too_large();
    }
    piece(std::string_view(buffer, static_cast<std::size_t>(n)));
  }
}

}  // namespace brigade
