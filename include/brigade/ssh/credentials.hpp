#pragma once

#include <brigade/ssh/agent_client.hpp>
#include <brigade/util/result.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace brigade::ssh {

/// What an identity file holds, read from its header without decrypting it.
struct IdentityInfo {
  enum class Type { ed25519, ecdsa, rsa, dsa, unknown };
  Type type = Type::unknown;
  bool encrypted = false;
};

/// Reads a private key file's type and whether it needs a passphrase; nullopt if unreadable.
std::optional<IdentityInfo> inspect_identity_file(const std::string& path);

/// The public key blob from `path`.pub, or nullopt.
std::optional<std::string> read_public_key_blob(const std::string& identity_file);

/// Passphrases for encrypted identity files, gathered before a run so that no prompt ever
/// happens while nodes are in flight. Values are never printed.
class Credentials {
 public:
  /// Asks for a passphrase: (prompt) -> answer, or nullopt when it cannot ask.
  using Prompt = std::function<std::optional<std::string>(const std::string& prompt)>;

  Credentials() = default;
  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;
  /// The passphrases are wiped from memory.
  ~Credentials();

  /// For each existing, encrypted file in `identity_files`: BRIGADE_KEY_PASSPHRASE if set,
  /// else `prompt` (a terminal prompt in the CLI). Files without a passphrase are skipped later.
  void prepare(const std::vector<std::string>& identity_files, const Prompt& prompt);

  /// The passphrase for `path`, or "" for an unencrypted key.
  std::optional<std::string> passphrase_for(const std::string& path) const;

  /// Connects to the ssh-agent at `socket_path` (SSH_AUTH_SOCK) once for the run; when that
  /// fails, the reason is kept for authentication failure messages.
  void connect_agent(const std::string& socket_path);
  AgentClient* agent() const { return agent_.get(); }
  const std::string& agent_problem() const { return agent_problem_; }

 private:
  std::map<std::string, std::optional<std::string>> passphrases_;
  std::unique_ptr<AgentClient> agent_;
  std::string agent_problem_;
};

}  // namespace brigade::ssh
