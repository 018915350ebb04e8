#include "support/exec_run.hpp"

#include <brigade/run/run_plan.hpp>
#include <brigade/run/ssh_exec.hpp>
#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <catch2/catch.hpp>

namespace brigade::test {

std::vector<NodeResult> exec_on_hosts(const std::vector<ssh::HostConfig>& hosts,
                                      const std::string& command, std::size_t parallel) {
  std::vector<Node> nodes(hosts.size());
  std::vector<const Node*> node_list;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    nodes[i].name = hosts[i].host;
    node_list.push_back(&nodes[i]);
  }
  ssh::Libssh2Library library;
  ssh::HostKeyStore host_keys;
  ssh::Credentials credentials;
  SshExec action(hosts, command, false, ssh::SessionContext{&host_keys, &credentials});
  const std::vector<Hook> no_hooks;
  const RunPlan plan = plan_run(node_list, no_hooks, {});
  RunOptions options;
  options.parallel = parallel;
  RunObserver quiet;
  FleetRun run(node_list, plan, options, action, quiet);
  asio::io_context context(1);
  bool done = false;
  asio::co_spawn(context, run.run(), [&](std::exception_ptr e) {
    done = true;
    REQUIRE_FALSE(e);
  });
  context.run_for(std::chrono::seconds(180));
  REQUIRE(done);
  return run.results();
}

}  // namespace brigade::test
