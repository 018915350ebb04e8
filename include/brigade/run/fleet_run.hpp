#pragma once

#include <brigade/kitchen/hooks.hpp>
#include <brigade/kitchen/kitchen.hpp>
#include <brigade/run/batch_plan.hpp>
#include <brigade/run/bounded_runner.hpp>
#include <brigade/run/hook_runner.hpp>
#include <brigade/run/node_action.hpp>
#include <brigade/run/run_plan.hpp>
#include <brigade/run/run_report.hpp>
#include <brigade/util/log_file.hpp>

#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace brigade {

/// The deploy's return code a node's post hooks get when its turn was cancelled (the run was
/// aborted or interrupted while its pre hooks or its converge ran): no exit status is ever -1.
inline constexpr int kCancelledDeployRc = -1;

struct RunOptions {
  std::size_t parallel = 16;
  std::optional<NodeCount> max_fail;  ///< Failures allowed; more abort the run.
  /// A staged rollout: a batch in which a node did not deploy stops it (no next batch).
  bool stop_after_failed_batch = false;
  std::optional<std::chrono::seconds> timeout;  ///< Per node, its action's whole work.
  std::chrono::seconds batch_wait{0};
  /// This run's directory: node logs go to `<log_dir>/nodes/<node>.log`. Empty: no log files
  /// (the last lines are still kept for the summary).
  std::string log_dir;
  LogModes log_modes;  ///< For the node logs.
  /// The most a node log keeps of the node's and its hooks' output; past it, lines are counted
  /// and the log says how many were not kept. 0: no limit.
  std::uint64_t node_log_limit = 0;
  /// How the node log's last line names the command: "the converge command exited with 2".
  std::string command_noun = "the command";
  HookEnvironment hook_environment;
};

/// Sees a run as it happens, on the io_context's thread, one call at a time.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void batch_started(std::size_t /*batch*/, std::size_t /*batches*/,
                             std::size_t /*nodes*/) {}
  virtual void node_started(const NodeResult& /*node*/) {}
  /// A line the node's command printed (its hooks' lines come through hook_output).
  virtual void node_output(const NodeResult& /*node*/, OutputStream /*stream*/,
                           std::string_view /*line*/) {}
  virtual void node_finished(const NodeResult& /*node*/) {}
  /// The --batch-wait pause before batch `next_batch` starts.
  virtual void batch_wait_started(std::chrono::seconds /*wait*/, std::size_t /*next_batch*/) {}
  /// A global hook or a gate starts (node hooks are part of their node's turn).
  virtual void global_hook_started(const Hook& /*hook*/) {}
  /// A line a hook printed; `node` is empty for a global hook.
  virtual void hook_output(const std::string& /*node*/, const std::string& /*hook*/,
                           bool /*is_stderr*/, std::string_view /*line*/) {}
  /// A hook ended; `node` is empty for a global hook.
  virtual void hook_finished(const std::string& /*node*/, const HookRecord& /*hook*/) {}
};

/// A run over many nodes: the global pre hooks, then the nodes in the plan's batches (a batch
/// starts when the previous one has ended; inside it at most `parallel` nodes are in flight and
/// a freed slot is refilled at once), then the global post hooks. Each node's turn, inside its
/// slot: its pre hooks, its action (bounded by --timeout), then its post hooks; any failure is
/// data in its result. The rules — budget, abort, interruption, exit codes — are the README's.
class FleetRun {
 public:
  /// `nodes` and `plan` (made from them) and `action` must outlive the run.
  FleetRun(std::vector<const Node*> nodes, const RunPlan& plan, RunOptions options,
           NodeAction& action, RunObserver& observer);

  asio::awaitable<void> run();

  /// SIGINT or SIGTERM: no node starts any more, those in flight are cancelled, and so are the
  /// hooks running; global post hooks still run afterwards (they undo and notify).
  void interrupt(int signal);

  /// The run's exit code (see exit_status.hpp), once run() has returned.
  int exit_code() const { return exit_code_; }
  const std::vector<NodeResult>& results() const { return results_; }
  const std::vector<HookRecord>& global_hooks() const { return global_hooks_; }
  bool aborted() const { return aborted_; }
  const std::string& abort_reason() const { return abort_reason_; }

 private:
  class NodeLog;

  asio::awaitable<void> run_node(std::size_t index);
  asio::awaitable<void> between_batches(std::size_t batch);
  void stop_rollout(std::string reason);
  asio::awaitable<void> act_on_node(std::size_t index, NodeLog& log);
  asio::awaitable<std::optional<std::size_t>> run_global_hooks(std::vector<HookCall> calls,
                                                               OnHookFailure on_failure);
  HookEvents node_hook_events(const std::string& node, NodeLog& log);
  int outcome_code() const;
  void count_failure();
  void abort_run(std::string reason);

  std::vector<const Node*> nodes_;
  const RunPlan& plan_;
  RunOptions options_;
  NodeAction& action_;
  RunObserver& observer_;
  std::vector<NodeResult> results_;
  BoundedRunner* current_ = nullptr;
  std::optional<asio::steady_timer> pause_;
  asio::cancellation_signal global_hooks_cancel_;
  bool in_global_hooks_ = false;
  std::vector<HookRecord> global_hooks_;
  std::size_t failures_ = 0;
  bool aborted_ = false;
  bool global_pre_failed_ = false;
  bool node_post_failed_ = false;
  bool rollout_stopped_ = false;
  int interrupted_by_ = 0;
  int exit_code_ = 0;
  std::string abort_reason_;
};

}  // namespace brigade
