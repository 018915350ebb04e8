#pragma once

#include <brigade/ssh/known_hosts.hpp>
#include <brigade/ssh/ssh_config.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace brigade::ssh {

/// The run's known_hosts files, each set read once and shared by every session that uses it;
/// keys accepted under `accept-new` are appended to the file and remembered here.
class HostKeyStore {
 public:
  /// Reads the known_hosts files of every host before any connection is made (so that a run
  /// short of file descriptors later cannot lose them) and returns the warnings for lines that
  /// were skipped, each file's once. A file that cannot be read fails its hosts' checks.
  std::vector<Diagnostic> preload(const std::vector<HostConfig>& hosts);

  /// Verifies `key` for `config`'s host as OpenSSH's check_host_key() does; returns normally
  /// when the key may be trusted and throws SshError(host_key) with the reason when not.
  void verify(const HostConfig& config, const HostKey& key);

  /// Host-key algorithms known for `config`'s host, for the handshake preference.
  std::vector<std::string> known_key_types(const HostConfig& config);

 private:
  Result<KnownHosts*> files_for(const HostConfig& config);

  std::map<std::vector<std::string>, std::unique_ptr<Result<KnownHosts>>> cache_;
};

}  // namespace brigade::ssh
