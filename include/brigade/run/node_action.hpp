#pragma once

// The seam between what a run does with a node and how it reaches the node — the role ninja's
// CommandRunner plays for its Builder. FleetRun owns the rules (batches, the window, the
// failure budget, hooks around each node, cancellation, exit codes, the report's records); a
// NodeAction only does one node's work. The SSH deploy and the SSH exec are two actions; the
// run's unit tests use a fake one and no network.

#include <brigade/util/output_sink.hpp>

#include <asio/awaitable.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace brigade {

/// How one node's work ended when it ran to its end.
struct NodeOutcome {
  std::optional<int> rc;     ///< The command's exit status (none when a signal ended it).
  std::string signal;        ///< "TERM", "KILL", … when a signal ended it.
  bool transferred = false;  ///< A deploy sent the kitchen (false: the node already held it).
};

/// Where a node's output goes while its action runs: its log, its summary tail and whoever
/// watches the run.
class NodeOutput : public OutputSink {
 public:
  /// A line of Brigade's own about this node ("connecting to …"), for its log.
  virtual void note(const std::string& text) = 0;
  /// Something about the node the run's result must say if the action does not end well (the
  /// data bag secret's removal could not be confirmed); noted in the log too.
  virtual void caveat(const std::string& text) { note(text); }
};

class NodeAction {
 public:
  virtual ~NodeAction() = default;

  /// The work on node number `node` of the run (an index into the run's nodes). A failure to
  /// reach or run on the node is thrown as a NodeError with its kind; the run catches it at the
  /// node's boundary and keeps it as data. Cancellation (abort, SIGINT, --timeout) reaches the
  /// action as asio's operation_aborted and must stop its work.
  virtual asio::awaitable<NodeOutcome> run(std::size_t node, NodeOutput& output) = 0;
};

}  // namespace brigade
