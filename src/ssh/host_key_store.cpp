#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <fmt/format.h>

namespace brigade::ssh {

KnownHosts& HostKeyStore::files_for(const HostConfig& config) {
  std::vector<std::string> files = config.user_known_hosts_files;
  files.insert(files.end(), config.global_known_hosts_files.begin(),
               config.global_known_hosts_files.end());
  auto& known = cache_[files];
  if (!known) {
    known = std::make_unique<KnownHosts>(KnownHosts::load(files));
  }
  return *known;
}

std::vector<std::string> HostKeyStore::known_key_types(const HostConfig& config) {
  return files_for(config).known_key_types(
      known_hosts_name(config.host_name, config.port, config.host_key_alias));
}

void HostKeyStore::verify(const HostConfig& config, const HostKey& key) {
  KnownHosts& known = files_for(config);
  const std::string name = known_hosts_name(config.host_name, config.port, config.host_key_alias);
  const std::string offered = key.type + " " + fingerprint_sha256(key.blob);
  const HostKeyCheck check = known.check(name, key);
  switch (check.status) {
    case HostKeyCheck::Status::match:
      return;
    case HostKeyCheck::Status::revoked:
      throw SshError(FailureKind::host_key,
                     fmt::format("host key for {} is revoked ({}; @revoked at {}:{}); refusing to "
                                 "connect",
                                 name, offered, check.entry->file, check.entry->line));
    case HostKeyCheck::Status::mismatch:
      throw SshError(
          FailureKind::host_key,
          fmt::format("host key for {} has changed (now {}); the known key is at {}:{}. Refusing "
                      "to connect: this could be an attack, or the host was reinstalled. If the "
                      "change is expected, remove the old key: ssh-keygen -R '{}' -f {}",
                      name, offered, check.entry->file, check.entry->line, name,
                      check.entry->file));
    case HostKeyCheck::Status::not_found:
      break;
  }
  if (config.strict_host_key_checking == StrictHostKeyChecking::yes) {
    throw SshError(
        FailureKind::host_key,
        fmt::format("no host key known for {} ({}) and StrictHostKeyChecking is yes; "
                    "check the fingerprint, then add the key to {} (ssh-keyscan -p {} "
                    "{}) or use StrictHostKeyChecking accept-new",
                    name, offered,
                    config.user_known_hosts_files.empty() ? std::string("~/.ssh/known_hosts")
                                                          : config.user_known_hosts_files.front(),
                    config.port, config.host_name));
  }
  // accept-new (and no): a new key is recorded; a changed one was refused above.
  if (config.user_known_hosts_files.empty()) {
    throw SshError(FailureKind::host_key,
                   "cannot record the new host key for " + name + ": no UserKnownHostsFile");
  }
  const std::string& file = config.user_known_hosts_files.front();
  auto appended =
      append_known_hosts_line(file, known_hosts_line(name, key, config.hash_known_hosts));
  if (!appended) {
    throw SshError(FailureKind::host_key,
                   "cannot record the new host key for " + name + ": " + appended.error().render());
  }
  known.remember(KnownHostEntry{file, 0, KnownHostEntry::Marker::none, name, key});
}

}  // namespace brigade::ssh
