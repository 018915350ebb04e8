#include <brigade/run/ssh_exec.hpp>

#include <utility>

namespace brigade {

SshExec::SshExec(const std::vector<ssh::HostConfig>& hosts, std::string command, bool pty,
                 ssh::SessionContext context)
    : hosts_(hosts), command_(std::move(command)), pty_(pty), context_(context) {}

asio::awaitable<NodeOutcome> SshExec::run(std::size_t node, NodeOutput& output) {
  auto session = co_await ssh::Session::connect(hosts_[node], context_, &output);
  // A named request: g++ 12 destroys a braced temporary argument of a coroutine twice.
  ssh::ExecRequest request{command_, pty_};
  const ssh::ExecResult ended = co_await session->exec(std::move(request), output);
  co_await session->close();
  NodeOutcome outcome;
  if (ended.exit_signal.empty()) {
    outcome.rc = ended.exit_status;
  } else {
    outcome.signal = ended.exit_signal;
  }
  co_return outcome;
}

}  // namespace brigade
