#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace brigade::test {

/// Output and exit status of a shell command run for a test's set-up.
struct CommandOutput {
  int status = -1;
  std::string output;  ///< stdout only
};

/// Runs `command` with /bin/sh and captures stdout; set-up only, never the code under test.
CommandOutput run_shell(const std::string& command);

/// Runs `command`, failing the test (REQUIRE) when it exits non-zero; returns its stdout.
std::string run_shell_ok(const std::string& command);

/// The bytes of `path` ("" when it cannot be read).
std::string file_text(const std::string& path);

/// Runs `body` in a forked child (for limits a test lowers, such as RLIMIT_NOFILE, without
/// touching the test runner) and returns its result: the child's exit status, 2 if `body`
/// threw. The child never returns into the test runner.
int result_in_child(const std::function<int()>& body);

/// Starts the brigade binary with `args`, stdin from /dev/null, stdout and stderr into files.
int spawn_brigade(const std::vector<std::string>& args, const std::string& out_file,
                  const std::string& err_file);

/// What brigade printed on its terminal, and how it ended (as wait_for_exit says).
struct TerminalRun {
  int status = -1;
  std::string output;
};

/// Runs the brigade binary with a terminal of its own (a pty, its controlling terminal), and
/// types `typed` and a newline once `prompt` shows in its output. Bounded: 60 s, then killed.
TerminalRun run_brigade_on_terminal(const std::vector<std::string>& args, const std::string& prompt,
                                    const std::string& typed);

/// wait_for_exit's answer for a process that did not exit in time.
inline constexpr int kDidNotExit = -1000;

/// Waits (at most `limit_ms`) for `pid` to exit: its exit status, minus the signal's number if
/// a signal ended it, or kDidNotExit if it did not exit in time (it is then killed).
int wait_for_exit(int pid, int limit_ms);

/// Waits (at most `limit_ms`, checking every 20 ms) until `done()` is true; whether it became so.
bool wait_until(const std::function<bool()>& done, int limit_ms = 60000);

/// Waits (at most `limit_ms`) until `path` exists.
bool wait_for_file(const std::string& path, int limit_ms = 60000);

/// Waits (at most `limit_ms`) until directory `dir` holds `count` entries (remote commands
/// that write their pid there have started); returns how many it holds then.
std::size_t wait_for_entries(const std::string& dir, std::size_t count, int limit_ms);

}  // namespace brigade::test
