#pragma once

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/ssh/ssh_config.hpp>
#include <brigade/util/result.hpp>

#include <string>
#include <vector>

namespace brigade {

/// How a kitchen reaches its nodes: ssh_config (littlechef.cfg's ssh-config, else
/// ~/.ssh/config, then /etc/ssh/ssh_config) over littlechef.cfg's user, keypair-file, password.
struct SshSettings {
  ssh::SshConfig config;
  ssh::HostDefaults defaults;
  std::vector<Diagnostic> warnings;

  /// The settings for one node (its name is the host name, as in LittleChef).
  ssh::HostConfig resolve(const std::string& node_name) const;
};

/// Loads the ssh_config files for `kitchen`; a malformed file is an error with its location.
Result<SshSettings> load_ssh_settings(const Kitchen& kitchen);

}  // namespace brigade
