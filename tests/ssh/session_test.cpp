#include "support/async.hpp"
#include "support/process.hpp"
#include "support/ssh_run.hpp"
#include "support/sshd.hpp"

#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>
#include <brigade/ssh/session.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include <openssl/sha.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

using namespace brigade::ssh;
using brigade::test::config_for;
using brigade::test::failure_of;
using brigade::test::run_command;
using brigade::test::Sshd;

TEST_CASE("ssh: connection refused", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto config = config_for(sshd);
  sshd.stop();
  CHECK(failure_of(config) == "unreachable: connect to 127.0.0.1 port " +
                                  std::to_string(config.port) + ": Connection refused");
}

TEST_CASE("ssh: a listener that never sends a banner fails at ConnectTimeout", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;  // for its keys and config; the silent listener takes the connection
  asio::io_context listener_context;
  asio::ip::tcp::acceptor silent(listener_context, {asio::ip::make_address("127.0.0.1"), 0});
  auto config = config_for(sshd);
  config.port = silent.local_endpoint().port();
  config.connect_timeout = std::chrono::seconds(1);
  auto started = std::chrono::steady_clock::now();
  CHECK(failure_of(config) == "timeout: SSH handshake with 127.0.0.1 port " +
                                  std::to_string(config.port) +
                                  " timed out after 1 s (ConnectTimeout)");
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(elapsed < std::chrono::seconds(5));  // a bound on a hang, not a speed assertion
}

TEST_CASE("ssh: a changed host key is refused with the old key's place", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  brigade::test::run_shell_ok("ssh-keygen -q -t ed25519 -N '' -f " + sshd.path("other_key"));
  std::string other = brigade::test::run_shell_ok("cut -d' ' -f1,2 " + sshd.path("other_key.pub"));
  other.pop_back();
  std::ofstream(sshd.known_hosts_file())
      << "# first line\n[127.0.0.1]:" << sshd.port() << " " << other << "\n";
  auto config = config_for(sshd);
  std::string presented = brigade::test::run_shell_ok(
      "ssh-keygen -l -E sha256 -f " + sshd.path("host_key.pub") + " | cut -d' ' -f2");
  presented.pop_back();
  std::string name = "[127.0.0.1]:" + std::to_string(sshd.port());
  std::string other_fingerprint = brigade::test::run_shell_ok(
      "ssh-keygen -l -E sha256 -f " + sshd.path("other_key.pub") + " | cut -d' ' -f2");
  other_fingerprint = "ssh-ed25519 " + other_fingerprint.substr(0, other_fingerprint.size() - 1);
  CHECK(failure_of(config) ==
        "host key: host key for " + name + " has changed (now ssh-ed25519 " + presented +
            "); the known key is " + other_fingerprint + " at " + sshd.known_hosts_file() +
            ":2. Refusing to connect: this could be an attack, or the host was reinstalled. If "
            "the change is expected, remove the old key: ssh-keygen -R '" +
            name + "' -f " + sshd.known_hosts_file());
}

TEST_CASE("ssh: known_hosts entries by alias, hashed, and a revoked key", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  const std::string key = sshd.host_public_key();
  SECTION("HostKeyAlias") {
    std::ofstream(sshd.known_hosts_file()) << "fleet-sshd " << key << "\n";
    auto run = run_command(config_for(sshd, "n1.fleet.test", "Host *\n  HostKeyAlias fleet-sshd"),
                           {"echo ok"});
    CHECK(run.sink.out == std::vector<std::string>{"ok"});
  }
  SECTION("hashed [host]:port entry") {
    brigade::test::run_shell_ok("ssh-keygen -q -H -f " + sshd.known_hosts_file() + " 2>/dev/null");
    REQUIRE(brigade::test::run_shell_ok("cat " + sshd.known_hosts_file()).starts_with("|1|"));
    auto run = run_command(config_for(sshd), {"echo ok"});
    CHECK(run.sink.out == std::vector<std::string>{"ok"});
  }
  SECTION("@revoked") {
    std::ofstream(sshd.known_hosts_file(), std::ios::app) << "@revoked * " << key << "\n";
    auto failure = failure_of(config_for(sshd));
    CHECK(failure.starts_with("host key: host key for [127.0.0.1]:" + std::to_string(sshd.port()) +
                              " is revoked (ssh-ed25519 SHA256:"));
    CHECK(
        failure.ends_with("; @revoked at " + sshd.known_hosts_file() + ":2); refusing to connect"));
  }
  SECTION("unknown host under StrictHostKeyChecking yes") {
    std::ofstream(sshd.known_hosts_file()) << "";
    auto failure = failure_of(config_for(sshd));
    CHECK(failure.starts_with("host key: no host key known for [127.0.0.1]:" +
                              std::to_string(sshd.port()) + " (ssh-ed25519 SHA256:"));
    CHECK(failure.find("StrictHostKeyChecking is yes") != std::string::npos);
  }
}

TEST_CASE("ssh: a host with only an RSA host key fails with the reason", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd::Options options;
  options.host_key_type = "rsa";
  Sshd sshd(options);
  auto failure = failure_of(config_for(sshd));
  CHECK(failure.starts_with("handshake: SSH handshake with 127.0.0.1 port " +
                            std::to_string(sshd.port()) + " failed: "));
  CHECK(failure.find("If the host has only an RSA host key: libssh2 1.10 verifies RSA host keys "
                     "only with ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse") !=
        std::string::npos);
}

TEST_CASE("ssh: a peer that stops answering is dropped after ServerAliveCountMax keepalives",
          "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto config = config_for(sshd);
  config.server_alive_interval = 1;
  config.server_alive_count_max = 2;
  // The command freezes the sshd processes of its own connection (its ancestors named
  // "sshd: …", not the listener) after printing: from then on nothing answers on the
  // connection, like a dead host.
  ExecRequest request{
      "echo frozen; p=$$; s=; while [ \"$p\" -gt 1 ]; do "
      "case \"$(ps -o args= -p $p)\" in 'sshd: '*) s=\"$s $p\";; esac; "
      "p=$(ps -o ppid= -p $p | tr -d ' '); done; kill -STOP $s 2>/dev/null; sleep 30"};
  auto started = std::chrono::steady_clock::now();
  auto failure = failure_of(config, request);
  auto elapsed = std::chrono::steady_clock::now() - started;
  brigade::test::run_shell("pkill -CONT -f 'sshd: root' ; true");
  CHECK(failure == "timeout: 127.0.0.1 port " + std::to_string(sshd.port()) +
                       " is not responding: 2 keepalives unanswered (ServerAliveInterval 1, "
                       "ServerAliveCountMax 2)");
  CHECK(elapsed < std::chrono::seconds(20));  // a bound on a hang, not a speed assertion
}
