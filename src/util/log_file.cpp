#include <brigade/util/log_file.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

namespace brigade {

namespace {

constexpr std::size_t kBufferLimit = 64 * 1024;

Diagnostic failure(const std::string& file, const char* what, int error) {
  return Diagnostic{.file = file, .message = fmt::format("{}: {}", what, std::strerror(error))};
}

// Writes all of `data`, retrying short writes; the errno of a failure, or 0.
int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

}  // namespace

Result<LogModes> LogModes::parse(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long value = std::strtoul(text.c_str(), &end, 8);
  if (text.empty() || *end != '\0' || errno != 0 || value > 0777) {
    return Diagnostic{.field = "--log-mode",
                      .message = "expected an octal file mode such as 0640, got '" + text + "'"};
  }
  if ((value & 0600) != 0600) {
    return Diagnostic{.field = "--log-mode",
                      .message = fmt::format("{:04o} would keep Brigade from writing its own logs: "
                                             "the owner needs read and write (0600)",
                                             value)};
  }
  LogModes modes;
  modes.file = static_cast<mode_t>(value);
  modes.directory = static_cast<mode_t>(value | ((value & 0444) >> 2));
  return modes;
}

Result<LogFile> LogFile::create(const std::string& path, mode_t mode) {
  int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_APPEND, mode);
  if (fd < 0) {
    return failure(path, "cannot create", errno);
  }
  ::fchmod(fd, mode);  // the umask does not narrow what was asked for
  LogFile file;
  file.fd_ = fd;
  file.path_ = path;
  return file;
}

LogFile::LogFile(LogFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      buffer_(std::move(other.buffer_)),
      error_(std::move(other.error_)) {}

LogFile& LogFile::operator=(LogFile&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    buffer_ = std::move(other.buffer_);
    error_ = std::move(other.error_);
  }
  return *this;
}

LogFile::~LogFile() {
  close();
}

void LogFile::write(std::string_view text) {
  if (fd_ < 0) {
    return;
  }
  buffer_ += text;
  if (buffer_.size() >= kBufferLimit) {
    flush();
  }
}

void LogFile::flush() {
  if (fd_ < 0 || buffer_.empty()) {
    return;
  }
  if (int error = write_all(fd_, buffer_); error != 0 && !error_) {
    error_ = std::strerror(error);
  }
  buffer_.clear();
}

void LogFile::close() {
  if (fd_ < 0) {
    return;
  }
  flush();
  if (::close(fd_) != 0 && !error_) {
    error_ = std::strerror(errno);
  }
  fd_ = -1;
}

Result<Ok> create_log_root(const std::filesystem::path& root, mode_t mode) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    std::filesystem::create_directories(root.parent_path().empty() ? "." : root.parent_path(), ec);
    if (::mkdir(root.c_str(), mode) != 0 && errno != EEXIST) {
      return failure(root.string(), "cannot create the log directory", errno);
    }
  }
  return Ok{};
}

Result<std::string> create_run_directory(const std::filesystem::path& root,
                                         const std::string& stamp, mode_t mode) {
  if (auto created = create_log_root(root, mode); !created) {
    return created.error();
  }
  for (int n = 1; n <= 1000; ++n) {
    const std::string id = n == 1 ? stamp : fmt::format("{}-{}", stamp, n);
    const std::filesystem::path dir = root / id;
    if (::mkdir(dir.c_str(), mode) == 0) {
      ::chmod(dir.c_str(), mode);  // the umask does not narrow what was asked for
      return id;
    }
    if (errno != EEXIST) {
      return failure(dir.string(), "cannot create the run directory", errno);
    }
  }
  return Diagnostic{.file = root.string(),
                    .message = "cannot create the run directory: 1000 runs in one second"};
}

Result<Ok> write_file_atomically(const std::string& path, const std::string& text, mode_t mode) {
  // The rename replaces whatever the name holds: given /dev/null or /dev/stdout (as root), a
  // device would become a regular file for the whole machine. Only a file is replaced.
  if (struct stat existing{}; ::lstat(path.c_str(), &existing) == 0 && !S_ISREG(existing.st_mode) &&
                              !S_ISLNK(existing.st_mode)) {
    return Diagnostic{.file = path,
                      .message =
                          "cannot write: it exists and is not a regular file (a device, "
                          "a directory or a FIFO); give the path of a file"};
  }
  std::filesystem::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    std::filesystem::create_directories(target.parent_path(), ec);
  }
  std::string temporary = path + ".tmp.XXXXXX";
  int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) {
    return failure(path, "cannot write", errno);
  }
  int error = write_all(fd, text);
  if (error == 0 && ::fchmod(fd, mode) != 0) {
    error = errno;
  }
  if (error == 0 && ::fsync(fd) != 0) {
    error = errno;
  }
  if (::close(fd) != 0 && error == 0) {
    error = errno;
  }
  if (error == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) {
    error = errno;
  }
  if (error != 0) {
    ::unlink(temporary.c_str());
    return failure(path, "cannot write", error);
  }
  return Ok{};
}

Result<Ok> replace_symlink(const std::filesystem::path& link, const std::string& target) {
  std::random_device random;
  const std::filesystem::path fresh =
      link.parent_path() / fmt::format(".{}.{:08x}", link.filename().string(), random());
  if (::symlink(target.c_str(), fresh.c_str()) != 0) {
    return failure(link.string(), "cannot create the link", errno);
  }
  if (::rename(fresh.c_str(), link.c_str()) != 0) {
    int error = errno;
    ::unlink(fresh.c_str());
    return failure(link.string(), "cannot replace the link", error);
  }
  return Ok{};
}

bool is_run_id(std::string_view name) {
  auto digits = [](std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; });
  };
  if (name.size() < 16 || !digits(name.substr(0, 8)) || name[8] != 'T' ||
      !digits(name.substr(9, 6)) || name[15] != 'Z') {
    return false;
  }
  const std::string_view suffix = name.substr(16);
  return suffix.empty() ||
         (suffix.front() == '-' && suffix.size() <= 5 && digits(suffix.substr(1)));
}

namespace {

// Run ids in the order they were made: by time stamp, then by the -N of the same second.
bool made_before(const std::string& a, const std::string& b) {
  auto number = [](const std::string& id) { return id.size() > 16 ? std::stoi(id.substr(17)) : 1; };
  const int by_stamp = a.compare(0, 16, b, 0, 16);
  return by_stamp != 0 ? by_stamp < 0 : number(a) < number(b);
}

}  // namespace

Pruned prune_runs(const std::filesystem::path& root, std::size_t keep, const std::string& current) {
  namespace fs = std::filesystem;
  Pruned pruned;
  std::error_code ec;
  const fs::path latest_target = fs::read_symlink(root / "latest", ec);
  const std::string latest = ec ? std::string() : latest_target.filename().string();
  std::vector<std::string> runs;
  fs::directory_iterator it(root, ec);
  if (ec) {
    pruned.problems.push_back(failure(root.string(), "cannot list old runs", ec.value()));
    return pruned;
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    std::error_code type_error;
    if (is_run_id(name) && entry.symlink_status(type_error).type() == fs::file_type::directory) {
      runs.push_back(name);
    }
  }
  std::sort(runs.begin(), runs.end(), made_before);
  if (runs.size() <= keep) {
    return pruned;
  }
  for (std::size_t i = 0; i + keep < runs.size(); ++i) {
    if (runs[i] == current || runs[i] == latest) {
      continue;
    }
    std::error_code removal;
    fs::remove_all(root / runs[i], removal);
    if (removal) {
      pruned.problems.push_back(
          failure((root / runs[i]).string(), "cannot remove an old run", removal.value()));
    } else {
      pruned.removed.push_back(runs[i]);
    }
  }
  return pruned;
}

}  // namespace brigade
