#include <brigade/util/file_lock.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace brigade {

namespace {

Diagnostic lock_error(const std::string& path, const std::string& what, int error) {
  return Diagnostic{.file = path, .message = what + ": " + std::strerror(error)};
}

// What the holder wrote, on one line and bounded (the file is ours, but may be damaged).
std::string holder_line(int fd) {
  char buffer[512];
  const ssize_t n = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  std::string text(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
  if (auto newline = text.find('\n'); newline != std::string::npos) {
    text.resize(newline);
  }
  return text;
}

}  // namespace

Result<FileLock> FileLock::acquire(const std::string& path, const std::string& holder) {
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600));
  if (!fd) {
    return lock_error(path, "cannot open the lock file", errno);
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      return lock_error(path, "cannot lock", errno);
    }
    const std::string other = holder_line(fd.get());
    return Diagnostic{
        .file = path,
        .message = "locked by another run" + (other.empty() ? std::string() : " (" + other + ")"),
        .hint = "wait for it to end; a run that was killed has left no lock"};
  }
  FileLock lock(std::move(fd), path);
  if (auto written = lock.describe(holder); !written) {
    return written.error();
  }
  return lock;
}

Result<Ok> FileLock::describe(const std::string& holder) {
  const std::string line = holder + "\n";
  if (::ftruncate(fd_.get(), 0) != 0 ||
      ::pwrite(fd_.get(), line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
    return lock_error(path_, "cannot write the lock file", errno);
  }
  return Ok{};
}

}  // namespace brigade
