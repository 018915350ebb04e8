#pragma once

#include <stdexcept>
#include <string>

namespace brigade {

/// Why a node's work did not run to its end: the categories a summary groups by. A field of a
/// result, never text folded into its message.
enum class FailureKind {
  config,     ///< Bad or unsupported settings for this host.
  resolve,    ///< The host name does not resolve.
  connect,    ///< TCP connect failed (refused, unreachable).
  timeout,    ///< A deadline passed (ConnectTimeout, --timeout, keepalives unanswered).
  handshake,  ///< The SSH handshake failed (banner, key exchange).
  host_key,   ///< The host key is unknown, changed or revoked.
  auth,       ///< No authentication method succeeded.
  channel,    ///< Opening the channel or starting the command failed.
  protocol,   ///< The connection broke mid-command.
  sync,       ///< The kitchen could not be unpacked on the node.
  unsafe,     ///< The node's work path could be changed by another user: refused.
  busy,       ///< Another deploy holds the node's lock.
  sudo,       ///< sudo on the node refused to run the deploy as root.
  converge,   ///< chef-solo's output says its run failed, or chef-solo is not there.
  hook,       ///< One of the node's own hooks failed.
  cancelled,  ///< The run was cancelled (abort, SIGINT).
};

/// "unreachable", "timeout", "host key", …: how a summary names the kind.
const char* failure_kind_name(FailureKind kind);

/// Whether a message of this kind reads as "<kind>: <message>" (reaching the node and running
/// on it), or the message says it all (a hook, a cancellation).
bool failure_kind_prefixes_message(FailureKind kind);

/// A node-level failure with its kind; thrown inside a node's work, caught at the node's
/// boundary and kept as data (a NodeOutcome), never beyond it.
class NodeError : public std::runtime_error {
 public:
  NodeError(FailureKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  FailureKind kind() const { return kind_; }

 private:
  FailureKind kind_;
};

}  // namespace brigade
