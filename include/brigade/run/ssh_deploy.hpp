#pragma once

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/run/kitchen_archive.hpp>
#include <brigade/run/kitchen_delta.hpp>
#include <brigade/run/node_action.hpp>
#include <brigade/ssh/session.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace brigade {

/// The default converge command, as LittleChef runs chef-solo.
inline constexpr const char* kDefaultConvergeCommand =
    "chef-solo -c {work_path}/solo.rb -j {work_path}/node.json";

/// `{node}`, `{work_path}` and `{environment}` replaced in a converge command, each value one
/// shell word.
std::string render_command(const std::string& pattern, const std::string& node,
                           const std::string& work_path, const std::string& environment);

/// How a deploy becomes root on a node whose SSH user is not root.
struct SudoSettings {
  bool enabled = true;  ///< littlechef.cfg [deploy] sudo; off: everything runs as the user.
  /// The sudo password followed by a newline ([userinfo] password, --ask-sudo-pass); null:
  /// passwordless sudo.
  std::shared_ptr<const std::string> password;
};

/// What every node's deploy carries besides the kitchen and the command.
struct DeploySettings {
  SudoSettings sudo;
  /// encrypted_data_bag_secret's content; null: none configured.
  std::shared_ptr<const std::string> data_bag_secret;
  /// The command is the default chef-solo one: its output is judged as LittleChef judges it
  /// (see chef_solo.hpp).
  bool chef_solo = false;
  /// With chef_solo: its output also kept on the node (kChefSoloLog); off with --no-report.
  bool chef_solo_log = true;
  /// role:/recipe: orders: every node converges this run_list instead of its own.
  std::optional<std::vector<RunListEntry>> run_list;
  /// Who deploys ("user@host, run ID"): a deploy that finds a node locked by this one names it.
  std::string deployer;
  /// Seconds to wait for a node another deploy holds (--lock-wait); none: fail it as busy.
  std::optional<unsigned> lock_wait;
};

/// A deploy over SSH, one node at a time: connect, bring the kitchen up to date in the node's
/// work path (sent only when it changed), write node.json and solo.rb, run the converge command.
class SshDeploy : public NodeAction {
 public:
  /// `nodes[i]` is reached with `hosts[i]`; `command` and `work_path` may hold {node},
  /// {work_path}, {environment} (work_path: {node}). Everything must outlive the run.
  SshDeploy(const std::vector<const Node*>& nodes, const std::vector<ssh::HostConfig>& hosts,
            const KitchenArchive& kitchen, std::string command, std::string work_path,
            ssh::SessionContext context, DeploySettings settings = {});

  asio::awaitable<NodeOutcome> run(std::size_t node, NodeOutput& output) override;

 private:
  const std::vector<const Node*>& nodes_;
  const std::vector<ssh::HostConfig>& hosts_;
  const KitchenArchive& kitchen_;
  std::string command_;
  std::string work_path_;
  ssh::SessionContext context_;
  DeploySettings settings_;
  /// A change to a kitchen some node holds is built once a run, whatever the number of nodes.
  DeltaCache deltas_;
};

}  // namespace brigade
