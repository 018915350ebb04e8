#include <brigade/run/ssh_settings.hpp>

#include <filesystem>

namespace brigade {

namespace {
constexpr const char* kSystemSshConfig = "/etc/ssh/ssh_config";
}  // namespace

ssh::HostConfig SshSettings::resolve(const std::string& node_name) const {
  return config.resolve(node_name, defaults);
}

Result<SshSettings> load_ssh_settings(const Kitchen& kitchen) {
  SshSettings settings;
  settings.defaults = ssh::HostDefaults::from_environment();
  settings.defaults.user = kitchen.config.user;
  settings.defaults.keypair_file = kitchen.config.keypair_file;
  settings.defaults.password = kitchen.config.password;
  // An ssh-config that littlechef.cfg names must be there: without it every setting meant for
  // the nodes would be silently missing.
  if (const auto& named = kitchen.config.ssh_config) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*named, ec)) {
      return Diagnostic{.file = kitchen.config.file,
                        .line = kitchen.config.ssh_config_line,
                        .field = "ssh-config",
                        .message = std::filesystem::exists(*named, ec)
                                       ? "'" + *named + "' is not a file"
                                       : "'" + *named + "' does not exist"};
    }
  }
  const std::string user_file =
      kitchen.config.ssh_config.value_or(settings.defaults.home + "/.ssh/config");
  auto config =
      ssh::SshConfig::load(user_file, kSystemSshConfig, settings.defaults.home, settings.warnings);
  if (!config) {
    return config.error();
  }
  settings.config = std::move(*config);
  return settings;
}

}  // namespace brigade
