#pragma once

// How `brigade fix` shows a run: on the terminal (or plain lines) and in the run's log.
//

#include <brigade/cli/palette.hpp>
#include <brigade/cli/status_line.hpp>
#include <brigade/run/fleet_run.hpp>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace brigade {

/// `items` joined with spaces; past `most` of them, the first `most - 1` and "… (N noun)".
std::string join_shortened(const std::vector<std::string>& items, std::size_t most,
                           const std::string& noun);

/// A node's result in one line: "web01: deployed (0.4 s)", "web02: FAILED: …"; the status
/// word in the palette's colour.
std::string describe_result(const NodeResult& node, const Palette& palette = Palette());

/// What the live status line of a run shows.
struct RunStatus {
  std::size_t batch = 0;
  std::size_t batches = 0;
  std::size_t deployed = 0;
  std::size_t failed = 0;
  std::size_t skipped = 0;
  std::size_t running = 0;
  double elapsed_s = 0;
  std::string activity;  ///< A global hook or gate running, a --batch-wait pause; else empty.
};

/// The status line for `width` columns. What matters most stays: parts go in the order the
/// batch label, the elapsed time, the skipped count, the running count — the failure count
/// never goes, whatever the width. With colour, a failure count above 0 is painted (the width
/// counts what shows, not the colour's bytes).
std::string status_text(const RunStatus& status, std::size_t width,
                        const Palette& palette = Palette());

/// Progress: one line per event; on a terminal also a live status line under them (batch,
/// deployed, failed, skipped, running, elapsed, or the global hook running). Lines go to `out`
/// when it is not the terminal's stdout (tests, pipes).
class ProgressPrinter : public RunObserver {
 public:
  /// `quiet`: no line and no status line at all (the summary says what failed).
  ProgressPrinter(std::ostream& out, bool live, bool quiet = false, Palette palette = Palette());

  void batch_started(std::size_t batch, std::size_t batches, std::size_t nodes) override;
  void node_started(const NodeResult& node) override;
  void node_finished(const NodeResult& node) override;
  void global_hook_started(const Hook& hook) override;
  void batch_wait_started(std::chrono::seconds wait, std::size_t next_batch) override;
  void hook_finished(const std::string& node, const HookRecord& hook) override;
  /// -V, --verbose: every line the nodes' commands print, as it comes, after the node's name.
  void node_output(const NodeResult& node, OutputStream stream, std::string_view text) override;
  void set_verbose(bool verbose) { verbose_ = verbose; }
  /// Redraws the status line (its elapsed time moves even when nothing happens).
  void refresh();
  void finish() { terminal_.finish(); }

 private:
  void line(const std::string& text);

  std::ostream& out_;
  bool live_;
  bool quiet_;
  bool verbose_ = false;
  Palette palette_;
  StatusLine terminal_;
  std::size_t batch_ = 0;
  std::size_t batches_ = 0;
  std::size_t running_ = 0;
  std::map<NodeStatus, std::size_t> counts_;
  std::string activity_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

/// The run's own log, beside the nodes' logs: every event with a UTC time stamp, and every
/// line the hooks print. It decorates the terminal's observer, so the engine reports to one.
class LogFileSink;

class RunLog : public RunObserver {
 public:
  /// Logs to `file` (created by the caller, safely) and passes every event on to `next`.
  RunLog(LogFile file, RunObserver& next);
  /// Flushes and closes the file: why it could not be written in full, if it could not.
  std::optional<std::string> close();

  template <class... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) {
    logger_.info(format, std::forward<Args>(args)...);
  }
  void batch_started(std::size_t batch, std::size_t batches, std::size_t nodes) override;
  void node_started(const NodeResult& node) override;
  void node_finished(const NodeResult& node) override;
  void global_hook_started(const Hook& hook) override;
  void batch_wait_started(std::chrono::seconds wait, std::size_t next_batch) override;
  void node_output(const NodeResult& node, OutputStream stream, std::string_view line) override;
  void hook_output(const std::string& node, const std::string& hook, bool is_stderr,
                   std::string_view line) override;
  void hook_finished(const std::string& node, const HookRecord& hook) override;

 private:
  std::shared_ptr<LogFileSink> sink_;
  spdlog::logger logger_;
  RunObserver& next_;
};

}  // namespace brigade
