#pragma once

#include <brigade/run/node_action.hpp>
#include <brigade/ssh/session.hpp>

#include <string>
#include <vector>

namespace brigade {

/// One command on each node over SSH (`brigade exec`): connect, run, say goodbye. Its output
/// goes line by line to the node's output.
class SshExec : public NodeAction {
 public:
  /// Node `i` is reached with `hosts[i]`, which must outlive the run.
  SshExec(const std::vector<ssh::HostConfig>& hosts, std::string command, bool pty,
          ssh::SessionContext context);

  asio::awaitable<NodeOutcome> run(std::size_t node, NodeOutput& output) override;

 private:
  const std::vector<ssh::HostConfig>& hosts_;
  std::string command_;
  bool pty_;
  ssh::SessionContext context_;
};

}  // namespace brigade
