#pragma once

#include <brigade/result.hpp>

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

/// Passphrases for encrypted identity files, gathered before a run so that no prompt ever
/// happens while nodes are in flight. Values are never printed.
class Credentials {
 public:
  /// Asks for a passphrase: (prompt) -> answer, or nullopt when it cannot ask.
  using Prompt = std::function<std::optional<std::string>(const std::string& prompt)>;

  /// For each existing, encrypted file in `identity_files`: BRIGADE_KEY_PASSPHRASE if set,
  /// else `prompt` (a terminal prompt in the CLI). Files without a passphrase are skipped later.
  void prepare(const std::vector<std::string>& identity_files, const Prompt& prompt);

  /// The passphrase for `path`, or "" for an unencrypted key.
  std::optional<std::string> passphrase_for(const std::string& path) const;

 private:
  std::map<std::string, std::optional<std::string>> passphrases_;
};

}  // namespace brigade::ssh
