#pragma once

#include <brigade/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace brigade::ssh {

/// StrictHostKeyChecking; `ask` is treated as `yes`, since Brigade never prompts mid-run.
enum class StrictHostKeyChecking { yes, accept_new, no };

/// Everything Brigade needs to reach one host, resolved like `ssh -G` does.
struct HostConfig {
  std::string host;       ///< The name asked for (the node's name).
  std::string host_name;  ///< Where to connect (HostName, %h expanded), else `host`.
  std::string user;
  std::uint16_t port = 22;
  std::vector<std::string> identity_files;  ///< Tokens and ~ expanded, in order.
  bool identities_only = false;
  std::vector<std::string> user_known_hosts_files;
  std::vector<std::string> global_known_hosts_files;
  StrictHostKeyChecking strict_host_key_checking = StrictHostKeyChecking::yes;
  std::optional<std::string> host_key_alias;
  bool hash_known_hosts = false;
  std::chrono::seconds connect_timeout{10};
  int server_alive_interval = 0;  ///< Seconds; 0 disables keepalives.
  int server_alive_count_max = 3;
  std::optional<std::string> proxy_jump;  ///< Parsed and kept; jump hosts come later.
  std::optional<std::string> password;    ///< From littlechef.cfg; never printed.

  /// The settings as `ssh -G` prints them, one `keyword value` per line; never the password.
  std::string render() const;
};

/// Values beneath ssh_config: littlechef.cfg's [userinfo], then the local account.
struct HostDefaults {
  std::optional<std::string> user;          ///< littlechef.cfg `user`.
  std::optional<std::string> keypair_file;  ///< littlechef.cfg `keypair-file`.
  std::optional<std::string> password;      ///< littlechef.cfg `password`.
  std::string local_user;                   ///< The account running Brigade.
  std::string home;                         ///< Its home directory.

  /// The running account's name and home directory (HOME first, as OpenSSH does for ~).
  static HostDefaults from_environment();
};

/// Parsed ssh_config files (the user's, then the system's), Include expanded at load time.
class SshConfig {
 public:
  SshConfig();
  ~SshConfig();
  SshConfig(SshConfig&&) noexcept;
  SshConfig& operator=(SshConfig&&) noexcept;

  /// Reads `user_file` (relative Includes from ~/.ssh) then `system_file` (from /etc/ssh);
  /// either may be empty or missing. Match blocks and other oddities become `warnings`.
  static Result<SshConfig> load(const std::string& user_file, const std::string& system_file,
                                const std::string& home, std::vector<Diagnostic>& warnings);

  /// Parses one file's text (for tests); `shown_path` names it in messages.
  static Result<SshConfig> parse(const std::string& shown_path, const std::string& text,
                                 const std::string& home, std::vector<Diagnostic>& warnings);

  /// The settings for `host`: the first value obtained wins, as in ssh_config(5).
  HostConfig resolve(const std::string& host, const HostDefaults& defaults) const;

  struct Block;  ///< A file's lines, Includes nested. Defined in the .cpp.

 private:
  std::vector<std::unique_ptr<Block>> files_;
};

/// True when `host` matches a Host line's pattern list (`*`, `?`, `!negation`, spaces/commas).
bool host_patterns_match(const std::string& patterns, const std::string& host);

}  // namespace brigade::ssh
