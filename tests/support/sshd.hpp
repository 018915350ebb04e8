#pragma once

#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <brigade/ssh/ssh_config.hpp>

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace brigade::test {

/// A real OpenSSH sshd on a free 127.0.0.1 port, with ed25519 host and client keys generated in
/// a temp dir; stopped (and its directory removed) on destruction. Tests that use it are tagged
/// [sshd]. Node names `*.fleet.test` map onto it through ssh_config_file().
class Sshd {
 public:
  struct Options {
    int max_sessions = 10;
    std::string host_key_type = "ed25519";      ///< "rsa" for an RSA-only host.
    std::string extra_config;                   ///< Put first in sshd_config (first value wins).
    std::string max_startups = "2000:30:2000";  ///< MaxStartups (sshd keeps its last value).
    /// When set, sshd runs in a mount namespace of its own where this is /etc/hosts: names only
    /// it resolves (a host behind a jump host, which the test's own process cannot reach).
    std::string hosts_file;
    /// Directories of this machine (/etc/chef, /var/log/chef) that sshd and its sessions see
    /// as empty directories of their own (under dir()/private/…), in a mount namespace: what a
    /// deploy writes there stays the test's. private_dir() says where.
    std::vector<std::string> private_dirs;
  };

  Sshd();
  explicit Sshd(Options options);
  ~Sshd();
  Sshd(const Sshd&) = delete;
  Sshd& operator=(const Sshd&) = delete;

  std::uint16_t port() const { return port_; }
  const TempDir& dir() const { return dir_; }
  std::string path(const std::string& name) const { return dir_.str() + "/" + name; }
  /// Where this sshd's sessions find `dir` (one of Options::private_dirs), seen from outside.
  std::string private_dir(const std::string& dir) const { return path("private" + dir); }

  /// The client's private key, authorized for root@ this sshd.
  std::string client_key() const { return path("client_key"); }
  /// "ssh-ed25519 AAAA…": the host's public key as known_hosts holds it.
  std::string host_public_key() const;
  /// A known_hosts file holding the host key under `[127.0.0.1]:port`.
  std::string known_hosts_file() const { return path("known_hosts"); }
  /// An ssh_config: `Host *.fleet.test` → this sshd, client key, known_hosts, strict checking.
  std::string ssh_config_file() const { return path("ssh_config"); }
  /// Where remote commands run with HOME set (an empty .bashrc, so shells start cheap).
  std::string home() const { return path("home"); }

  /// sshd's own log (LogLevel ERROR), for failure messages.
  std::string log() const;

  /// Stops sshd now (connections after this are refused).
  void stop();
  /// Kills sshd and every connection it serves, as a machine that goes down.
  void kill_with_connections();
  /// Stops (SIGSTOP) or continues (SIGCONT) the connections it serves: a host that hangs.
  void signal_connections(int signal);

 private:
  void start(const Options& options);

  TempDir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

/// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
std::uint16_t free_loopback_port();

/// A 127.0.0.1 port that refuses connections for as long as this object lives: bound, never
/// listening, so no other test's sshd can take it meanwhile.
class ClosedPort {
 public:
  ClosedPort();
  ~ClosedPort();
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

/// True when this process may start sshd (root); [sshd] tests are skipped with a warning if not.
bool can_run_sshd();

/// True when sshd can be given an /etc/hosts of its own (Options::hosts_file): root may make a
/// mount namespace here (unshare -m).
bool can_isolate_hosts();

/// The settings `name` resolves to through `sshd`'s ssh_config, with nothing from this machine.
ssh::HostConfig host_config(const Sshd& sshd, const std::string& name = "n1.fleet.test");

}  // namespace brigade::test

/// Skips the current test (with a warning) where sshd cannot be started.
/// Ends (as skipped) a test that needs a real sshd when this machine cannot start one.
#define BRIGADE_REQUIRE_SSHD()                  \
  do {                                          \
    if (!brigade::test::can_run_sshd()) {       \
      BRIGADE_SKIP("needs root to start sshd"); \
    }                                           \
  } while (false)
