#pragma once

#include <brigade/batch_plan.hpp>
#include <brigade/bounded_runner.hpp>
#include <brigade/deploy_report.hpp>
#include <brigade/hook_runner.hpp>
#include <brigade/hooks.hpp>
#include <brigade/kitchen.hpp>
#include <brigade/kitchen_archive.hpp>
#include <brigade/log_file.hpp>
#include <brigade/ssh/session.hpp>

#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace brigade {

/// The default converge command, as LittleChef runs chef-solo.
inline constexpr const char* kDefaultConvergeCommand =
    "chef-solo -c {work_path}/solo.rb -j {work_path}/node.json";

struct DeployOptions {
  std::size_t parallel = 16;
  std::vector<NodeCount> batch_sizes;           ///< Empty: one batch.
  std::optional<NodeCount> max_fail;            ///< Failures allowed; more abort the run.
  std::optional<std::chrono::seconds> timeout;  ///< Per node deploy.
  std::chrono::seconds batch_wait{0};
  std::string command = kDefaultConvergeCommand;  ///< {node}, {work_path}, {environment}
  std::string work_path = "/tmp/chef-solo";       ///< May hold {node}.
  std::string log_dir;                            ///< This run's directory.
  LogModes log_modes;                             ///< For the node logs.
  std::vector<Hook> hooks;                        ///< Every definition; filters pick per node.
  HookEnvironment hook_environment;
};

class NodeLog;

/// One node to deploy and how to reach it.
struct DeployTarget {
  const Node* node;
  ssh::HostConfig host;
};

/// Sees a run as it happens, on the io_context's thread.
class DeployObserver {
 public:
  virtual ~DeployObserver() = default;
  virtual void batch_started(std::size_t batch, std::size_t batches, std::size_t nodes) = 0;
  virtual void node_started(const NodeDeployResult& node) = 0;
  virtual void node_finished(const NodeDeployResult& node) = 0;
  /// A global hook starts (node hooks are part of their node's deploy).
  virtual void global_hook_started(const Hook& /*hook*/) {}
  /// A line a hook printed; `node` is empty for a global hook.
  virtual void hook_output(const std::string& /*node*/, const std::string& /*hook*/,
                           bool /*is_stderr*/, std::string_view /*line*/) {}
  /// A hook ended; `node` is empty for a global hook.
  virtual void hook_finished(const std::string& /*node*/, const HookRecord& /*hook*/) {}
};

/// `{node}`, `{work_path}` and `{environment}` replaced in a converge command.
std::string render_command(const std::string& pattern, const std::string& node,
                           const std::string& work_path, const std::string& environment);

/// A run: the global pre hooks, then the targets converged in staged batches (a batch starts
/// when the previous one has ended; inside it at most `parallel` nodes are in flight and a freed
/// slot is refilled at once), then the global post hooks.
/// One node's deploy, inside its slot: its pre hooks, then connect, sync the kitchen, run the
/// converge command, then its post hooks; its output goes to `<log_dir>/<node>.log`, and any
/// failure is data in its result. The hooks' rules are the README's.
class DeployEngine {
 public:
  DeployEngine(std::vector<DeployTarget> targets, DeployOptions options,
               const KitchenArchive& kitchen, ssh::SessionContext context,
               DeployObserver& observer);

  asio::awaitable<void> run();

  /// SIGINT or SIGTERM: no node starts any more, those in flight are cancelled, and so are the
  /// hooks running; global post hooks still run afterwards (they undo and notify).
  void interrupt(int signal);

  /// The run's exit code (see exit_status.hpp), once run() has returned.
  int exit_code() const { return exit_code_; }
  const std::vector<NodeDeployResult>& results() const { return results_; }
  const std::vector<HookRecord>& global_hooks() const { return global_hooks_; }
  std::vector<std::vector<std::string>> batches() const;
  bool aborted() const { return aborted_; }
  const std::string& abort_reason() const { return abort_reason_; }

 private:
  asio::awaitable<void> deploy_node(std::size_t index);
  asio::awaitable<void> converge_node(const DeployTarget& target, NodeDeployResult& result,
                                      NodeLog& log);
  asio::awaitable<std::optional<std::size_t>> run_global_hooks(HookType type,
                                                               std::vector<std::string> leading);
  int outcome_code() const;
  void count_failure();
  void abort_run(std::string reason);

  std::vector<DeployTarget> targets_;
  DeployOptions options_;
  const KitchenArchive& kitchen_;
  ssh::SessionContext context_;
  DeployObserver& observer_;
  std::vector<std::size_t> batch_sizes_;
  std::vector<NodeDeployResult> results_;
  BoundedRunner* current_ = nullptr;
  std::optional<asio::steady_timer> pause_;
  asio::cancellation_signal global_hooks_cancel_;
  bool in_global_hooks_ = false;
  std::vector<HookRecord> global_hooks_;
  std::size_t failures_ = 0;
  bool aborted_ = false;
  bool global_pre_failed_ = false;
  bool node_post_failed_ = false;
  int interrupted_by_ = 0;
  int exit_code_ = 0;
  std::string abort_reason_;
};

}  // namespace brigade
