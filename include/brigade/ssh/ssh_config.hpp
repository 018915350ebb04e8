#pragma once

#include <brigade/util/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace brigade::ssh {

/// StrictHostKeyChecking; `ask` is refused like `yes` for a new host, since Brigade never
/// prompts mid-run.
enum class StrictHostKeyChecking { yes, ask, accept_new, no };

/// The host-key algorithms libssh2 1.10 can verify, in Brigade's order of preference.
const std::vector<std::string>& verifiable_host_key_algorithms();

/// AddressFamily: which addresses of the host name are tried.
enum class AddressFamily { any, inet, inet6 };

/// Everything Brigade needs to reach one host, resolved like `ssh -G` does.
struct HostConfig {
  std::string host;       ///< The name asked for (the node's name).
  std::string host_name;  ///< Where to connect (HostName, %h expanded, lowercased), else `host`.
  std::string user;
  std::uint16_t port = 22;
  AddressFamily address_family = AddressFamily::any;
  /// IdentityFile as written (duplicates once), which `ssh -G` prints; empty when none is set.
  std::vector<std::string> identity_file_settings;
  std::vector<std::string> identity_files;  ///< What is tried: tokens, ${ENV} and ~ expanded.
  bool identities_only = false;
  std::vector<std::string> user_known_hosts_files;
  std::vector<std::string> global_known_hosts_files;
  StrictHostKeyChecking strict_host_key_checking = StrictHostKeyChecking::ask;
  std::optional<std::string> host_key_alias;  ///< Lowercased, as OpenSSH does.
  /// HostKeyAlgorithms as written; nullopt when not set.
  std::optional<std::string> host_key_algorithms_setting;
  /// The host-key algorithms Brigade may negotiate, best first (HostKeyAlgorithms applied to
  /// what libssh2 1.10 can verify).
  std::vector<std::string> host_key_algorithms = verifiable_host_key_algorithms();
  bool hash_known_hosts = false;
  bool connect_timeout_set = false;  ///< ConnectTimeout given (else Brigade's default).
  std::chrono::seconds connect_timeout{10};
  int server_alive_interval = 0;  ///< Seconds; 0 disables keepalives.
  int server_alive_count_max = 3;
  std::optional<std::string> proxy_jump;  ///< Hops normalised (no ssh://), as ssh -G prints them.
  /// The hosts this one is reached through, the first connected to first, each resolved like
  /// any host (see resolve_jump_hosts); empty for a direct connection. Set by the caller of
  /// resolve(), which knows littlechef.cfg's gateway.
  std::vector<HostConfig> jump_hosts;
  std::optional<std::string> proxy_command;  ///< Never followed yet: the host is refused.
  /// ProxyJump or ProxyCommand was given for this host, `none` included: its route is its own
  /// and littlechef.cfg's gateway does not apply.
  bool route_configured = false;
  std::optional<std::string> password;  ///< From littlechef.cfg; never printed.
  /// Why this host cannot be reached as configured (a setting that changes the route or the
  /// host-key decision and that Brigade does not implement, an unset ${VAR}): located at its
  /// ssh_config line. Such a host is refused before anything connects, never reached directly.
  std::optional<Diagnostic> unusable;

  /// The settings as `ssh -G` prints them (its keywords, lowercase, in its order); where Brigade
  /// does something else, a `# brigade:` comment says what. Never the password.
  std::string render() const;
};

/// This machine's host name (gethostname), as ssh's %L and %l use it; "localhost" without one.
std::string local_host_name();

/// Values beneath ssh_config: littlechef.cfg's [userinfo], then the local account.
struct HostDefaults {
  std::optional<std::string> user;          ///< littlechef.cfg `user`.
  std::optional<std::string> keypair_file;  ///< littlechef.cfg `keypair-file`.
  std::optional<std::string> password;      ///< littlechef.cfg `password`.
  std::string local_user;                   ///< The account running Brigade.
  std::string home;                         ///< Its home directory.

  /// The running account's name and home directory (the passwd entry's, as
  /// OpenSSH's ~ and %d; HOME only when there is none).
  static HostDefaults from_environment();
};

/// What ssh's command line would say ahead of every ssh_config file (`ssh -l USER -p PORT`, and
/// `-J` for the later hops of a ProxyJump, which keeps their own ProxyJump and ProxyCommand out).
struct CommandLine {
  std::optional<std::string> user;
  std::optional<std::uint16_t> port;
  bool route_given = false;
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
  HostConfig resolve(const std::string& host, const HostDefaults& defaults,
                     const CommandLine& given = {}) const;

  struct Block;  ///< A file's lines, Includes nested. Defined in the .cpp.

 private:
  std::vector<std::unique_ptr<Block>> files_;
};

}  // namespace brigade::ssh
