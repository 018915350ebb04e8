#include "ssh/session_io.hpp"

#include <brigade/fleet_exec.hpp>

namespace brigade {

namespace {

class NodeSink : public ssh::OutputSink {
 public:
  NodeSink(NodeExecResult& result, bool keep, FleetExecObserver& observer)
      : result_(result), keep_(keep), observer_(observer) {}

  void on_line(ssh::OutputStream stream, std::string_view line) override {
    observer_.on_line(result_.name, stream, line);
    if (keep_) {
      std::string& text =
          stream == ssh::OutputStream::out ? result_.stdout_text : result_.stderr_text;
      text.append(line);
      text += '\n';
    }
  }

 private:
  NodeExecResult& result_;
  bool keep_;
  FleetExecObserver& observer_;
};

// One node, start to end; every failure becomes data in `result`.
asio::awaitable<void> exec_on_node(ssh::HostConfig host, const FleetExecOptions& options,
                                   ssh::SessionContext context, NodeExecResult& result,
                                   FleetExecObserver& observer) {
  const auto started = std::chrono::steady_clock::now();
  NodeSink sink(result, options.keep_output, observer);
  auto connect_and_run = [&]() -> asio::awaitable<ssh::ExecResult> {
    auto session = co_await ssh::Session::connect(host, context);
    // A named request: g++ 12 destroys a braced temporary argument of a coroutine twice.
    ssh::ExecRequest request{options.command, options.pty};
    auto ended = co_await session->exec(std::move(request), sink);
    co_await session->close();
    co_return ended;
  };
  try {
    ssh::ExecResult ended;
    if (options.timeout) {
      ended = co_await ssh::within(*options.timeout, connect_and_run(),
                                   "timed out after " + ssh::seconds_text(*options.timeout) +
                                       " (--timeout); the command was stopped");
    } else {
      ended = co_await connect_and_run();
    }
    if (ended.exit_signal.empty()) {
      result.rc = ended.exit_status;
    } else {
      result.signal = ended.exit_signal;
    }
  } catch (const ssh::SshError& e) {
    result.error = e.what();
    result.failure = e.kind();
  } catch (const std::system_error& e) {
    if (e.code() != asio::error::operation_aborted) {
      throw;
    }
    result.error = "cancelled; the command was stopped";
    result.failure = ssh::FailureKind::cancelled;
  }
  result.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  observer.on_finished(result);
}

}  // namespace

asio::awaitable<std::vector<NodeExecResult>> exec_on_fleet(std::vector<ssh::HostConfig> hosts,
                                                           FleetExecOptions options,
                                                           ssh::SessionContext context,
                                                           BoundedRunner& runner,
                                                           FleetExecObserver& observer) {
  std::vector<NodeExecResult> results(hosts.size());
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    results[i].name = hosts[i].host;
  }
  co_await runner.run(hosts.size(), [&](std::size_t i) {
    return exec_on_node(hosts[i], options, context, results[i], observer);
  });
  co_return results;
}

}  // namespace brigade
