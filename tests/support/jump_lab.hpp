#pragma once

#include "support/sshd.hpp"
#include "support/temp_dir.hpp"

#include <memory>
#include <string>

namespace brigade::test {

/// Hosts behind jump hosts, on loopback: a bastion sshd with stock limits (MaxStartups
/// 10:30:100, MaxSessions 10, AllowTcpForwarding yes), optionally a second bastion reachable
/// only through the first, and a target sshd that stands for every `*.behind.test` node. The
/// names the route needs resolve only inside the sshd before them (each runs with an
/// /etc/hosts of its own), so a direct connection cannot even resolve them: whatever reaches a
/// node went through every hop. One ssh_config and one known_hosts hold it all.
class JumpLab {
 public:
  struct Options {
    bool two_hops = false;  ///< bastion → bastion2 → target.
    std::string target_extra_config;
    std::string bastion_extra_config;  ///< The first bastion's, ahead of the stock limits.
  };
  JumpLab();
  explicit JumpLab(Options options);

  Sshd& bastion() { return *bastion_; }
  Sshd* bastion2() { return bastion2_.get(); }
  Sshd& target() { return *target_; }
  const TempDir& dir() const { return dir_; }

  /// `Host bastion`, (`Host bastion2` with ProxyJump bastion,) and `Host *.behind.test` with
  /// HostName target.behind.test and `route` (e.g. "ProxyJump bastion"; empty for none).
  std::string ssh_config(const std::string& route) const;
  /// Writes ssh_config(route) to the lab's directory; its path.
  std::string write_ssh_config(const std::string& route) const;
  std::string known_hosts() const { return dir_.str() + "/known_hosts"; }
  /// The name the target answers to, as the last hop sees it.
  static constexpr const char* kTargetName = "target.behind.test";

  /// A kitchen of `nodes` nodes n01.behind.test… whose littlechef.cfg names `ssh_config`, with
  /// `extra_cfg` appended (a [connection] section, say).
  void make_kitchen(const TempDir& kitchen, const std::string& ssh_config, int nodes,
                    const std::string& command, const std::string& extra_cfg = "") const;

 private:
  TempDir dir_;
  std::unique_ptr<Sshd> target_;
  std::unique_ptr<Sshd> bastion2_;
  std::unique_ptr<Sshd> bastion_;
};

}  // namespace brigade::test

/// Ends (as skipped) a test that needs sshd with an /etc/hosts of its own.
#define BRIGADE_REQUIRE_JUMP_LAB()                                                  \
  do {                                                                              \
    if (!brigade::test::can_isolate_hosts()) {                                      \
      BRIGADE_SKIP("needs root and a mount namespace (unshare -m) for jump hosts"); \
    }                                                                               \
  } while (false)
