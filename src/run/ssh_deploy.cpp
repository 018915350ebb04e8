#include <brigade/kitchen/littlechef_config.hpp>
#include <brigade/run/chef_solo.hpp>
#include <brigade/run/node_sync.hpp>
#include <brigade/run/run_report.hpp>
#include <brigade/run/ssh_deploy.hpp>
#include <brigade/ssh/jump_hosts.hpp>
#include <brigade/ssh/remote_command.hpp>
#include <brigade/util/strings.hpp>

#include <fmt/format.h>

#include <chrono>
#include <string_view>
#include <utility>

namespace brigade {

std::string render_command(const std::string& pattern, const std::string& node,
                           const std::string& work_path, const std::string& environment) {
  // Each value becomes one shell word, quoted where needed: a node or environment name from
  // the kitchen never runs as shell code on the node.
  return substitute_placeholders(pattern, {{"{node}", ssh::shell_word(node)},
                                           {"{work_path}", ssh::shell_word(work_path)},
                                           {"{environment}", ssh::shell_word(environment)}});
}

SshDeploy::SshDeploy(const std::vector<const Node*>& nodes,
                     const std::vector<ssh::HostConfig>& hosts, const KitchenArchive& kitchen,
                     std::string command, std::string work_path, ssh::SessionContext context,
                     DeploySettings settings)
    : nodes_(nodes),
      hosts_(hosts),
      kitchen_(kitchen),
      command_(std::move(command)),
      work_path_(std::move(work_path)),
      context_(context),
      settings_(std::move(settings)) {}

asio::awaitable<NodeOutcome> SshDeploy::run(std::size_t index, NodeOutput& output) {
  const Node& node = *nodes_[index];
  const ssh::HostConfig& host = hosts_[index];
  std::string work_path = node_work_path(work_path_, node.name);
  if (auto problem = normalise_work_path(work_path)) {
    throw NodeError(FailureKind::config, "the node's work path " + *problem);
  }
  std::string command = render_command(command_, node.name, work_path, node.chef_environment);
  std::string route;
  for (const auto& hop : host.jump_hosts) {
    route += (route.empty() ? " through " : ", then ") + hop.host + " (" +
             ssh::jump_host_name(hop) + ")";
  }
  if (host.jump_hosts.empty() && host.proxy_command) {
    route = " through its ProxyCommand";
  }
  output.note("connecting to " + host.host_name + " port " + std::to_string(host.port) + route);
  auto session = co_await ssh::Session::connect(host, context_, &output);
  const bool secret = settings_.data_bag_secret != nullptr;
  std::vector<ArchiveFile> node_files = {
      {"node.json", node_json(node, settings_.run_list ? &*settings_.run_list : nullptr)},
      {"solo.rb", solo_rb(work_path, node.chef_environment, secret)}};
  DeployExtras extras;
  if (settings_.sudo.enabled && host.user != "root") {
    extras.sudo = Sudo{host.user, settings_.sudo.password};
  }
  extras.data_bag_secret = settings_.data_bag_secret;
  extras.holder = settings_.deployer + ", since " + iso8601_utc(std::chrono::system_clock::now());
  extras.lock_wait = settings_.lock_wait;
  extras.delta_cache = &deltas_;
  output.note("running: " + command + (extras.sudo ? " (as root through sudo)" : "") +
              (secret ? fmt::format(" with the data bag secret in {}", kDataBagSecretPath) : ""));
  if (settings_.chef_solo) {
    command = chef_solo_layout(command, work_path, settings_.chef_solo_log);
  }
  ChefSoloWatch watch(output);
  NodeOutput& log = settings_.chef_solo ? static_cast<NodeOutput&>(watch) : output;
  ConvergeResult converged;
  try {
    converged = co_await sync_and_converge(*session, work_path, kitchen_, std::move(node_files),
                                           command, log, std::move(extras));
  } catch (...) {
    if (secret) {
      // The node removes it when the deploy's connection ends, whatever ended it (tested for
      // each shell), but from here that cannot be seen.
      output.caveat(fmt::format("the data bag secret's removal from {} could not be confirmed",
                                kDataBagSecretPath));
    }
    throw;
  }
  if (!converged.transferred) {  // a kitchen sent was noted when it was unpacked
    output.note("the kitchen was unchanged on the node, not sent");
  }
  co_await session->close();
  if (settings_.chef_solo && converged.ended.exit_signal.empty()) {
    if (auto failed = watch.failure(converged.ended.exit_status)) {
      throw NodeError(FailureKind::converge, *failed);
    }
  }
  NodeOutcome outcome;
  outcome.transferred = converged.transferred;
  if (converged.ended.exit_signal.empty()) {
    outcome.rc = converged.ended.exit_status;
  } else {
    outcome.signal = converged.ended.exit_signal;
  }
  co_return outcome;
}

}  // namespace brigade
