#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace brigade::ssh {

namespace {

std::vector<std::string> known_hosts_files(const HostConfig& config) {
  std::vector<std::string> files = config.user_known_hosts_files;
  files.insert(files.end(), config.global_known_hosts_files.begin(),
               config.global_known_hosts_files.end());
  return files;
}

std::string describe(const HostKey& key) {
  return key.type + " " + fingerprint_sha256(key.blob);
}

[[noreturn]] void refuse(const std::string& message) {
  throw SshError(FailureKind::host_key, message);
}

}  // namespace

Result<KnownHosts*> HostKeyStore::files_for(const HostConfig& config) {
  auto& known = cache_[known_hosts_files(config)];
  if (!known) {
    known = std::make_unique<Result<KnownHosts>>(KnownHosts::load(known_hosts_files(config)));
  }
  if (!*known) {
    return known->error();
  }
  return &known->value();
}

std::vector<Diagnostic> HostKeyStore::preload(const std::vector<HostConfig>& hosts) {
  std::vector<Diagnostic> warnings;
  std::set<std::pair<std::string, int>> seen;
  std::map<KnownHosts*, std::vector<const HostConfig*>> users;
  for (const auto& host : hosts) {
    auto known = files_for(host);
    if (!known) {
      continue;  // each host using these files fails with the reason when it is reached
    }
    users[*known].push_back(&host);
    for (auto& warning : (*known)->warnings()) {
      if (seen.emplace(warning.file, warning.line).second) {
        warnings.push_back(std::move(warning));
      }
    }
  }
  // Each file set's hashed lines matched against all its hosts' names at once, before any
  // connection: the event loop then looks names up without an HMAC.
  for (auto& [known, configs] : users) {
    std::vector<std::string> names;
    for (const HostConfig* config : configs) {
      names.push_back(known_hosts_name(config->host_name, config->port, config->host_key_alias));
    }
    known->resolve(names);
    // verify() also asks for the bare name of a [host]:port that has no line: those too.
    std::vector<std::string> bare_names;
    for (std::size_t i = 0; i < configs.size(); ++i) {
      if (configs[i]->port != 22 && !configs[i]->host_key_alias && !known->names_host(names[i])) {
        bare_names.push_back(known_hosts_name(configs[i]->host_name, 22, std::nullopt));
      }
    }
    known->resolve(bare_names);
  }
  return warnings;
}

std::vector<std::string> HostKeyStore::known_key_types(const HostConfig& config) {
  auto known = files_for(config);
  if (!known) {
    return {};  // verify() fails with the reason
  }
  return (*known)->known_key_types(
      known_hosts_name(config.host_name, config.port, config.host_key_alias));
}

void HostKeyStore::verify(const HostConfig& config, const HostKey& key) {
  auto loaded = files_for(config);
  if (!loaded) {
    refuse("cannot check the host key: " + loaded.error().render());
  }
  KnownHosts& known = **loaded;
  const std::string name = known_hosts_name(config.host_name, config.port, config.host_key_alias);
  const std::string offered = describe(key);
  HostKeyCheck check = known.check(name, key);

  // Not on record as [host]:port, and no HostKeyAlias: OpenSSH also looks up the bare host
  // name, read-only ("found matching key w/out port"); a key recorded is still [host]:port.
  if (check.status == HostKeyCheck::Status::not_found && !config.host_key_alias &&
      config.port != 22) {
    const std::string bare = known_hosts_name(config.host_name, 22, std::nullopt);
    const HostKeyCheck without_port = known.check(bare, key);
    if (without_port.status == HostKeyCheck::Status::match) {
      return;
    }
    // OpenSSH goes on to treat a key revoked under the bare name as new; Brigade refuses it.
    if (without_port.status == HostKeyCheck::Status::revoked) {
      check = without_port;
    }
  }

  switch (check.status) {
    case HostKeyCheck::Status::match:
      return;
    case HostKeyCheck::Status::revoked:
      refuse(fmt::format("host key for {} is revoked ({}; @revoked at {}); refusing to connect",
                         name, offered, check.entry->place()));
    case HostKeyCheck::Status::changed: {
      const HostKey& recorded = check.entry->key;
      std::string message = fmt::format(
          "host key for {} has changed (now {}); the known key is {} at {}. Refusing to "
          "connect: this could be an attack, or the host was reinstalled.",
          name, offered, describe(recorded), check.entry->place());
      const auto types = known.known_key_types(name);
      if (std::find(types.begin(), types.end(), key.type) == types.end()) {
        message += fmt::format(" The server offered no key of a type on record for this host ({})",
                               fmt::join(types, ", "));
        if (std::find(types.begin(), types.end(), "ssh-rsa") != types.end()) {
          message +=
              "; libssh2 1.10 verifies RSA host keys only with ssh-rsa (SHA-1), which OpenSSH "
              "8.8 and later do not offer";
        }
        message += ".";
      }
      message +=
          fmt::format(" If the change is expected, remove the old key: ssh-keygen -R '{}' -f {}",
                      name, check.entry->file);
      refuse(message);
    }
    case HostKeyCheck::Status::not_found:
      break;
  }
  if (check.unreadable) {
    refuse(fmt::format(
        "no readable host key for {} ({} offered), and {} names it but cannot be read ({}); "
        "refusing to treat the host as new: fix or remove that line",
        name, offered, check.unreadable->place(), check.unreadable->reason));
  }
  if (check.certificate_authority) {
    refuse(fmt::format(
        "known_hosts trusts host certificates for {} (@cert-authority at {}), which Brigade "
        "cannot verify: libssh2 1.10 does not negotiate certificate host keys. The server "
        "offered {}; after checking it, record the host's own key (ssh-keyscan -p {} {})",
        name, check.certificate_authority->place(), offered, config.port, config.host_name));
  }
  if (config.strict_host_key_checking == StrictHostKeyChecking::yes ||
      config.strict_host_key_checking == StrictHostKeyChecking::ask) {
    refuse(fmt::format(
        "no host key known for {} ({}) and StrictHostKeyChecking is {}; check the fingerprint, "
        "then add the key to {} (ssh-keyscan -p {} {}) or use StrictHostKeyChecking accept-new",
        name, offered,
        config.strict_host_key_checking == StrictHostKeyChecking::ask ? "ask (never asked mid-run)"
                                                                      : "yes",
        config.user_known_hosts_files.empty() ? std::string("~/.ssh/known_hosts")
                                              : config.user_known_hosts_files.front(),
        config.port, config.host_name));
  }
  // accept-new (and no): a new key is recorded; a changed one was refused above.
  if (unrecordable_host_name(config.host_name)) {
    refuse(
        fmt::format("no host key known for {} ({}), and a host name with any of @?*#[]|'\"\\ "
                    "is never recorded in known_hosts (as for ssh)",
                    name, offered));
  }
  if (config.user_known_hosts_files.empty()) {
    refuse("cannot record the new host key for " + name + ": UserKnownHostsFile is none");
  }
  const std::string& file = config.user_known_hosts_files.front();
  auto appended =
      append_known_hosts_line(file, known_hosts_line(name, key, config.hash_known_hosts));
  if (!appended) {
    refuse("cannot record the new host key for " + name + ": " + appended.error().render());
  }
  known.remember(KnownHostEntry{file, 0, KnownHostEntry::Marker::none, name, key});
}

}  // namespace brigade::ssh
