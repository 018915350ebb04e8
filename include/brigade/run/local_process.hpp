#pragma once

#include <asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// A program to run on this machine (a hook): executed directly, no shell.
struct LocalCommand {
  std::vector<std::string> argv;  ///< The program (an absolute path) and its arguments.
  std::string working_directory;
  std::vector<std::pair<std::string, std::string>> environment;  ///< Added to ours.
  std::optional<std::chrono::seconds> timeout;                   ///< Then TERM, and KILL 5 s later.
};

/// How it ended.
struct LocalResult {
  int exit_status = -1;  ///< -1 when a signal ended it.
  std::string signal;    ///< "TERM", "KILL", … or empty.
  bool timed_out = false;
  bool cancelled = false;
  double duration_s = 0;
};

/// Receives the program's stdout and stderr as whole lines (`true` for stderr).
using LocalLineSink = std::function<void(bool is_stderr, std::string_view line)>;

/// Runs `command` with stdin from /dev/null, awaiting its exit (a pidfd) and its output (pipes)
/// on the caller's io_context: nothing blocks. It runs in a process group of its own; cancellation
/// or the timeout sends TERM to that group, then KILL 5 s later, and still waits for the exit, so
/// no process is left behind. A program that cannot be started ends with exit status 127 and the
/// reason on the stderr sink.
asio::awaitable<LocalResult> run_local(LocalCommand command, LocalLineSink sink);

}  // namespace brigade
