#pragma once

#include <brigade/util/fd.hpp>
#include <brigade/util/result.hpp>

#include <string>
#include <utility>

namespace brigade {

/// An exclusive advisory lock (flock) on a file, held while the object lives. The kernel drops
/// it when its holder dies, however it dies: a lock left by a killed run is never stale, the
/// next one simply takes it. The file holds a line about the holder for whoever is refused.
class FileLock {
 public:
  /// Takes the lock on `path` (created 0600 if missing, never through a symlink, not inherited
  /// by programs Brigade starts) and writes `holder` into it. When another process holds it:
  /// an error that quotes that process's line, so the user knows which run to wait for.
  static Result<FileLock> acquire(const std::string& path, const std::string& holder);

  /// Replaces the line about the holder (once more is known about it).
  Result<Ok> describe(const std::string& holder);

  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;

 private:
  FileLock(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  Fd fd_;
  std::string path_;
};

}  // namespace brigade
