#pragma once

#include <brigade/util/fd.hpp>
#include <brigade/util/result.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brigade::ssh {

/// A key the agent holds.
struct AgentIdentity {
  std::string blob;     ///< SSH wire-format public key.
  std::string type;     ///< "ssh-ed25519", …
  std::string comment;  ///< Usually the file it came from.
};

/// A minimal ssh-agent client (draft-miller-ssh-agent: REQUEST_IDENTITIES, SIGN_REQUEST).
/// libssh2's own agent code blocks the calling thread with no time limit; this one blocks too
/// (a signature must be returned from inside libssh2's callback) but every exchange is bounded,
/// and a local agent answers in well under a millisecond.
class AgentClient {
 public:
  ~AgentClient();
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  /// Connects to the agent at `socket_path` and lists its keys.
  static Result<std::unique_ptr<AgentClient>> connect(const std::string& socket_path,
                                                      std::chrono::milliseconds timeout);

  const std::vector<AgentIdentity>& identities() const { return identities_; }

  /// Signs `data` with the key `blob`; returns the raw signature (without its algorithm name),
  /// as libssh2's publickey callback wants it.
  Result<std::string> sign(std::string_view blob, std::string_view data);

 private:
  AgentClient(Fd fd, std::string path, std::chrono::milliseconds timeout)
      : fd_(std::move(fd)), path_(std::move(path)), timeout_(timeout) {}
  /// One request/response exchange, bounded by timeout_.
  Result<std::string> transact(const std::string& request);

  Fd fd_;
  std::string path_;
  std::chrono::milliseconds timeout_;
  std::vector<AgentIdentity> identities_;
};

}  // namespace brigade::ssh
