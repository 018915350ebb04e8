#pragma once

#include <brigade/util/result.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace brigade {

/// Remote directory LittleChef syncs the kitchen to when littlechef.cfg names none.
inline constexpr const char* kDefaultNodeWorkPath = "/tmp/chef-solo";

/// Kitchen directories synced to a node when `[deploy] sync` is not set (those that exist).
std::vector<std::string> default_sync_directories();

/// The settings of a kitchen's littlechef.cfg; local paths resolved, `~` expanded.
/// [deploy] log_limit's default: far beyond a verbose chef-solo run, far below a node that
/// prints without end filling the controller's disk.
inline constexpr std::uint64_t kDefaultLogLimit = 32u << 20;

struct LittleChefConfig {
  std::string file;  ///< As shown to the user.
  // [userinfo]
  std::optional<std::string> user;
  std::optional<std::string> password;      ///< Never printed.
  std::optional<std::string> keypair_file;  ///< Local path, absolute.
  std::optional<std::string> ssh_config;    ///< Local path, absolute.
  int ssh_config_line = 0;                  ///< Where littlechef.cfg sets it, for messages.
  /// encrypted_data_bag_secret ([userinfo], where LittleChef reads it, or [kitchen]): the local
  /// file uploaded to each node for the converge, absolute.
  std::optional<std::string> data_bag_secret;
  int data_bag_secret_line = 0;
  // [kitchen]
  std::string node_work_path = kDefaultNodeWorkPath;  ///< Remote path; may contain `{node}`.
  // [connection]
  std::optional<std::string> gateway;
  std::optional<std::size_t> jump_max_channels;  ///< Brigade's: --jump-max-channels.
  std::optional<std::size_t> jump_max_sessions;  ///< Brigade's: --jump-max-sessions.
  std::optional<std::size_t> max_startups;       ///< Brigade's: --max-startups.
  // [deploy], Brigade's own section.
  std::optional<std::string> deploy_command;
  /// Whether a deploy as a user other than root goes through sudo (the default, as LittleChef).
  bool deploy_sudo = true;
  std::vector<std::string> deploy_sync = default_sync_directories();
  /// A synced directory that is a link out of the kitchen is synced ([deploy] follow_symlinks).
  bool follow_symlinks = false;
  /// The most a node's log keeps of what the node printed ([deploy] log_limit, K, M, G
  /// suffixes; 0: no limit); the rest is counted, not kept.
  std::uint64_t log_limit = kDefaultLogLimit;

  /// Unknown sections and keys: kept, never fatal, since LittleChef kitchens carry extras.
  std::vector<Diagnostic> warnings;
};

/// Parses littlechef.cfg; relative paths resolve against `kitchen_root`.
Result<LittleChefConfig> load_littlechef_config(const std::filesystem::path& file,
                                                const std::filesystem::path& kitchen_root);

/// Parses littlechef.cfg text that came from `shown_path`.
Result<LittleChefConfig> parse_littlechef_config(std::string shown_path, const std::string& text,
                                                 const std::filesystem::path& kitchen_root);

/// node_work_path made canonical in place (trailing '/' dropped: `/tmp/chef-solo/` is
/// `/tmp/chef-solo`); what is wrong with it, if anything: not absolute, `/` itself, a `.` or
/// `..` component, an empty component, a line break or a NUL.
std::optional<std::string> normalise_work_path(std::string& path);

/// `~` and `~/x` become the home directory; a relative path is taken from `base`.
std::string resolve_local_path(const std::string& path, const std::filesystem::path& base);

}  // namespace brigade
