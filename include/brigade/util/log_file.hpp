#pragma once

#include <brigade/util/result.hpp>

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// Modes for what a run writes: node output may hold secrets, so private unless widened.
struct LogModes {
  mode_t file = 0600;
  mode_t directory = 0700;

  /// `--log-mode MODE` (octal, e.g. 0640): the files' mode; directories get x where r is set.
  static Result<LogModes> parse(const std::string& text);
};

/// A file a run creates and appends to: never an existing file, never through a symlink, not
/// inherited by hooks (O_EXCL|O_NOFOLLOW|O_CLOEXEC), with the run's mode. Writes are buffered;
/// the first write error is kept, so that a full disk is reported, never silently cut.
class LogFile {
 public:
  static Result<LogFile> create(const std::string& path, mode_t mode);
  LogFile() = default;
  LogFile(LogFile&& other) noexcept;
  LogFile& operator=(LogFile&& other) noexcept;
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;
  ~LogFile();  ///< Flushes and closes.

  void write(std::string_view text);
  void flush();
  /// Flushes and closes; the error, if any write failed, stays readable.
  void close();

  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }
  /// "No space left on device" once a write failed.
  const std::optional<std::string>& error() const { return error_; }

 private:
  int fd_ = -1;
  std::string path_;
  std::string buffer_;
  std::optional<std::string> error_;
};

/// Creates the log directory `root` (its parents as needed, itself with `mode`) unless it is
/// there.
Result<Ok> create_log_root(const std::filesystem::path& root, mode_t mode);

/// Creates a new run directory `root`/`stamp` (else `stamp`-2, -3, …) with mkdir, never reusing
/// one, after creating `root` if it is missing; returns the name taken. Two runs started in the
/// same second get two directories.
Result<std::string> create_run_directory(const std::filesystem::path& root,
                                         const std::string& stamp, mode_t mode);

/// Replaces `path` with `text` atomically: a temporary made with mkostemp (O_EXCL, private) in
/// the same directory, written, synced, given `mode`, then renamed over `path`. A `path` that
/// exists and is neither a file nor a symlink (a device, a directory, a FIFO) is an error.
Result<Ok> write_file_atomically(const std::string& path, const std::string& text,
                                 mode_t mode = 0600);

/// Points the symlink `link` at `target` atomically (a new link renamed over the old one).
Result<Ok> replace_symlink(const std::filesystem::path& link, const std::string& target);

/// Whether `name` is a run directory's name as create_run_directory makes them
/// (`20261201T104500Z`, `20261201T104500Z-2`).
bool is_run_id(std::string_view name);

/// What pruning did: the run directories removed, and what could not be removed.
struct Pruned {
  std::vector<std::string> removed;
  std::vector<Diagnostic> problems;
};

/// Removes all but the newest `keep` run directories under `root`: only real directories (not
/// symlinks) whose name is a run id, never `current` and never the one `root/latest` points at.
/// Nothing else under root is touched.
Pruned prune_runs(const std::filesystem::path& root, std::size_t keep, const std::string& current);

}  // namespace brigade
