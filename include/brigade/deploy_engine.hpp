#pragma once

#include <brigade/batch_plan.hpp>
#include <brigade/bounded_runner.hpp>
#include <brigade/deploy_report.hpp>
#include <brigade/kitchen.hpp>
#include <brigade/kitchen_archive.hpp>
#include <brigade/ssh/session.hpp>

#include <asio/awaitable.hpp>
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
};

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
};

/// `{node}`, `{work_path}` and `{environment}` replaced in a converge command.
std::string render_command(const std::string& pattern, const std::string& node,
                           const std::string& work_path, const std::string& environment);

/// Converges the targets in staged batches: a batch starts when the previous one has ended;
/// inside it at most `parallel` nodes are in flight and a freed slot is refilled at once.
/// One node's deploy: connect, sync the kitchen, run the converge command; its output goes to
/// `<log_dir>/<node>.log`, and any failure is data in its result.
class DeployEngine {
 public:
  DeployEngine(std::vector<DeployTarget> targets, DeployOptions options,
               const KitchenArchive& kitchen, ssh::SessionContext context,
               DeployObserver& observer);

  asio::awaitable<void> run();

  /// SIGINT or SIGTERM: no node starts any more, those in flight are cancelled.
  void interrupt();

  const std::vector<NodeDeployResult>& results() const { return results_; }
  std::vector<std::vector<std::string>> batches() const;
  bool aborted() const { return aborted_; }
  const std::string& abort_reason() const { return abort_reason_; }

 private:
  asio::awaitable<void> deploy_node(std::size_t index);
  void count_failure();

  std::vector<DeployTarget> targets_;
  DeployOptions options_;
  const KitchenArchive& kitchen_;
  ssh::SessionContext context_;
  DeployObserver& observer_;
  std::vector<std::size_t> batch_sizes_;
  std::vector<NodeDeployResult> results_;
  BoundedRunner* current_ = nullptr;
  std::optional<asio::steady_timer> pause_;
  std::size_t failures_ = 0;
  bool aborted_ = false;
  bool interrupted_ = false;
  std::string abort_reason_;
};

}  // namespace brigade
