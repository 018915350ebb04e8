#pragma once

#include <stdexcept>
#include <string>

namespace brigade::ssh {

/// Why a node could not be reached or its command not run: the categories a summary groups by.
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
  cancelled,  ///< The run was cancelled (abort, SIGINT).
};

/// "unreachable", "timeout", "host key", …: how a summary names the kind.
const char* failure_kind_name(FailureKind kind);

/// A node-level failure with its category; caught at the node's boundary and reported as data.
class SshError : public std::runtime_error {
 public:
  SshError(FailureKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  FailureKind kind() const { return kind_; }

 private:
  FailureKind kind_;
};

}  // namespace brigade::ssh
