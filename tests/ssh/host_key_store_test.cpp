#include "support/keys.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace brigade::ssh;
using brigade::test::run_shell_ok;
using brigade::test::TempDir;

namespace {

brigade::test::GeneratedKey make_key(const TempDir& dir, const std::string& name,
                                     const std::string& type = "ed25519") {
  return brigade::test::generate_key(dir, name, type);
}

// A host on port 2222 whose only known_hosts file is `file`.
HostConfig host_on(const std::string& file, StrictHostKeyChecking strict,
                   const std::string& name = "web01") {
  HostConfig config;
  config.host = name;
  config.host_name = name;
  config.port = 2222;
  config.user_known_hosts_files = {file};
  config.strict_host_key_checking = strict;
  return config;
}

// The refusal's message, or "" when the key was accepted.
std::string verdict(HostKeyStore& store, const HostConfig& config, const HostKey& key) {
  try {
    store.verify(config, key);
    return "";
  } catch (const SshError& e) {
    CHECK(e.kind() == FailureKind::host_key);
    return e.what();
  }
}

}  // namespace

TEST_CASE("host keys: without [host]:port on record the bare name is checked, read-only",
          "[host_keys]") {
  TempDir dir;
  auto key = make_key(dir, "k");
  auto other = make_key(dir, "other");
  const std::string file = dir.write("known_hosts", "web01 " + key.public_line + "\n").string();
  SECTION("a matching key under the bare name is accepted and nothing is written") {
    HostKeyStore store;
    CHECK(verdict(store, host_on(file, StrictHostKeyChecking::yes), key.key) == "");
    CHECK(brigade::test::file_text(file) == "web01 " + key.public_line + "\n");
  }
  SECTION("another key under the bare name makes the host new, as for ssh") {
    HostKeyStore store;
    CHECK(verdict(store, host_on(file, StrictHostKeyChecking::accept_new), other.key) == "");
    CHECK(brigade::test::file_text(file) ==
          "web01 " + key.public_line + "\n[web01]:2222 " + other.public_line + "\n");
  }
  SECTION("not with a HostKeyAlias") {
    HostKeyStore store;
    auto config = host_on(file, StrictHostKeyChecking::yes);
    config.host_key_alias = "alias";
    CHECK(verdict(store, config, key.key).starts_with("no host key known for alias"));
  }
  SECTION("a key revoked under the bare name is refused (ssh would take it as new)") {
    std::ofstream(file, std::ios::app) << "@revoked web01 " << other.public_line << "\n";
    HostKeyStore store;
    CHECK(verdict(store, host_on(file, StrictHostKeyChecking::accept_new), other.key) ==
          "host key for [web01]:2222 is revoked (ssh-ed25519 " +
              fingerprint_sha256(other.key.blob) + "; @revoked at " + file +
              ":2); refusing to connect");
  }
}

TEST_CASE("host keys: a key of another type only on record is a changed key in every mode",
          "[host_keys]") {
  TempDir dir;
  auto ecdsa = make_key(dir, "ecdsa", "ecdsa");
  auto offered = make_key(dir, "offered");
  const std::string file =
      dir.write("known_hosts", "[web01]:2222 " + ecdsa.public_line + "\n").string();
  for (auto strict : {StrictHostKeyChecking::yes, StrictHostKeyChecking::ask,
                      StrictHostKeyChecking::accept_new, StrictHostKeyChecking::no}) {
    HostKeyStore store;
    CHECK(verdict(store, host_on(file, strict), offered.key) ==
          "host key for [web01]:2222 has changed (now ssh-ed25519 " +
              fingerprint_sha256(offered.key.blob) + "); the known key is ecdsa-sha2-nistp256 " +
              fingerprint_sha256(ecdsa.key.blob) + " at " + file +
              ":1. Refusing to connect: this could be an attack, or the host was reinstalled. The "
              "server offered no key of a type on record for this host (ecdsa-sha2-nistp256). If "
              "the change is expected, remove the old key: ssh-keygen -R '[web01]:2222' -f " +
              file);
  }
  CHECK(brigade::test::file_text(file) == "[web01]:2222 " + ecdsa.public_line + "\n");
}

TEST_CASE("host keys: new hosts by StrictHostKeyChecking, recorded once", "[host_keys]") {
  TempDir dir;
  auto key = make_key(dir, "k");
  const std::string file = dir.str() + "/ssh/known_hosts";
  const std::string fingerprint = fingerprint_sha256(key.key.blob);
  HostKeyStore store;
  CHECK(verdict(store, host_on(file, StrictHostKeyChecking::ask), key.key) ==
        "no host key known for [web01]:2222 (ssh-ed25519 " + fingerprint +
            ") and StrictHostKeyChecking is ask (never asked mid-run); check the fingerprint, "
            "then add the key to " +
            file + " (ssh-keyscan -p 2222 web01) or use StrictHostKeyChecking accept-new");
  CHECK(verdict(store, host_on(file, StrictHostKeyChecking::accept_new), key.key) == "");
  CHECK(verdict(store, host_on(file, StrictHostKeyChecking::accept_new), key.key) == "");
  CHECK(brigade::test::file_text(file) == "[web01]:2222 " + key.public_line + "\n");
  // Remembered for the rest of the run, also under 'yes'.
  CHECK(verdict(store, host_on(file, StrictHostKeyChecking::yes), key.key) == "");

  auto odd = host_on(dir.str() + "/other", StrictHostKeyChecking::accept_new, "we*b");
  CHECK(verdict(store, odd, key.key)
            .ends_with("a host name with any of @?*#[]|'\"\\ is never recorded in known_hosts (as "
                       "for ssh)"));
  auto none = host_on(file, StrictHostKeyChecking::accept_new, "web02");
  none.user_known_hosts_files.clear();
  CHECK(verdict(store, none, key.key) ==
        "cannot record the new host key for [web02]:2222: UserKnownHostsFile is none");
}

TEST_CASE("host keys: an unreadable line or a CA line for the host is never a new host",
          "[host_keys]") {
  TempDir dir;
  auto key = make_key(dir, "k");
  const std::string base64 = key.public_line.substr(key.public_line.find(' ') + 1);
  SECTION("unreadable") {
    const std::string file =
        dir.write("known_hosts", "[web01]:2222 ssh-ed25519 " + base64 + "!!\n").string();
    HostKeyStore store;
    auto config = host_on(file, StrictHostKeyChecking::accept_new);
    auto warnings = store.preload({config, config});
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].render().starts_with(file + ":1: cannot read this known_hosts line"));
    CHECK(verdict(store, config, key.key) ==
          "no readable host key for [web01]:2222 (ssh-ed25519 " + fingerprint_sha256(key.key.blob) +
              " offered), and " + file +
              ":1 names it but cannot be read (the key is not valid base64); refusing to treat "
              "the host as new: fix or remove that line");
    CHECK(brigade::test::file_text(file) == "[web01]:2222 ssh-ed25519 " + base64 + "!!\n");
  }
  SECTION("@cert-authority") {
    const std::string file =
        dir.write("known_hosts", "@cert-authority [web*]:2222 " + key.public_line + "\n").string();
    HostKeyStore store;
    CHECK(verdict(store, host_on(file, StrictHostKeyChecking::accept_new), key.key) ==
          "known_hosts trusts host certificates for [web01]:2222 (@cert-authority at " + file +
              ":1), which Brigade cannot verify: libssh2 1.10 does not negotiate certificate host "
              "keys. The server offered ssh-ed25519 " +
              fingerprint_sha256(key.key.blob) +
              "; after checking it, record the host's own key (ssh-keyscan -p 2222 web01)");
  }
}

TEST_CASE("host keys: a known_hosts file that cannot be read fails the check", "[host_keys]") {
  TempDir dir;
  auto key = make_key(dir, "k");
  dir.write("kh/placeholder", "");
  HostKeyStore store;
  auto config = host_on(dir.str() + "/kh", StrictHostKeyChecking::accept_new);
  CHECK(store.preload({config}).empty());
  CHECK(verdict(store, config, key.key) ==
        "cannot check the host key: " + dir.str() +
            "/kh: cannot read known_hosts: it is a directory, not a regular file");
  CHECK(store.known_key_types(config).empty());
}
