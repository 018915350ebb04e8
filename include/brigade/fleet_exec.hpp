#pragma once

#include <brigade/bounded_runner.hpp>
#include <brigade/ssh/session.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace brigade {

/// What happened on one node of a `brigade exec`.
struct NodeExecResult {
  std::string name;
  std::optional<int> rc;  ///< The exit status, when the command ran to its end.
  std::string signal;     ///< The signal that ended it, if one did.
  std::string error;      ///< Why it did not run to its end (unreachable, auth, timeout…).
  std::optional<ssh::FailureKind> failure;
  double duration_s = 0;
  std::string stdout_text;  ///< Kept only with FleetExecOptions::keep_output.
  std::string stderr_text;

  bool ok() const { return error.empty() && signal.empty() && rc == 0; }
};

struct FleetExecOptions {
  std::string command;
  std::size_t parallel = 32;
  std::optional<std::chrono::seconds> timeout{};  ///< Per node, connect included.
  bool keep_output = false;
  bool pty = false;
};

/// Sees a fleet exec as it happens; called on the io_context's thread, one call at a time.
class FleetExecObserver {
 public:
  virtual ~FleetExecObserver() = default;
  virtual void on_line(const std::string& node, ssh::OutputStream stream,
                       std::string_view line) = 0;
  virtual void on_finished(const NodeExecResult& result) = 0;
};

/// Runs `options.command` on every host through `runner`; results come back in host order.
/// Every node's failure is data in its result; cancellation through the runner marks the
/// running nodes cancelled and leaves the rest unstarted (no result: rc and error empty).
asio::awaitable<std::vector<NodeExecResult>> exec_on_fleet(std::vector<ssh::HostConfig> hosts,
                                                           FleetExecOptions options,
                                                           ssh::SessionContext context,
                                                           BoundedRunner& runner,
                                                           FleetExecObserver& observer);

}  // namespace brigade
