#pragma once

// ProxyJump's value read into hops, as OpenSSH's readconf.c (parse_jump, parse_ssh_uri) does:
// what the jump-host transport connects through, hop after hop.

#include <brigade/ssh/ssh_config.hpp>
#include <brigade/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brigade::ssh {

/// One hop: `[user@]host[:port]` or `ssh://[user@]host[:port]`. What is not given comes from
/// the hop's own ssh_config settings (its User, its Port), as for any host.
struct JumpHop {
  std::optional<std::string> user;
  std::string host;  ///< As written; an IPv6 address without its brackets.
  std::optional<std::uint16_t> port;

  bool operator==(const JumpHop&) const = default;
};

/// The hops of `value` (comma-separated, the first one connected to first); `none` gives no
/// hop. A hop that does not parse is an error naming it, as for ssh.
Result<std::vector<JumpHop>> parse_proxy_jump(std::string_view value);

/// The most jump hosts one route goes through, a first hop's own ProxyJump included: more is a
/// loop in ssh_config rather than a network.
inline constexpr std::size_t kMaxJumpHosts = 8;

/// The hosts a `proxy_jump` value (ssh_config's ProxyJump, or littlechef.cfg's gateway) goes
/// through, the first connected to first, as ssh reaches them: ssh runs the last hop as
/// `ssh -l USER -p PORT -J EARLIER_HOPS -W %h:%p HOP`, so every hop is resolved through ssh_config
/// like any host with the user and port of the hop taking precedence, the first hop's own
/// ProxyJump leads to more hops before it, and the later hops' own ProxyJump and ProxyCommand
/// are ignored. An error (a hop that does not parse, a loop) names the value.
Result<std::vector<HostConfig>> resolve_jump_hosts(std::string_view proxy_jump,
                                                   const SshConfig& config,
                                                   const HostDefaults& defaults);

/// "user@host port 22": a hop as messages and reports name it.
std::string jump_host_name(const HostConfig& hop);

/// The route to `host` for people: "bastion (admin@10.0.0.1 port 22) → web01", or just
/// "web01" for a direct connection.
std::string describe_route(const HostConfig& host);

}  // namespace brigade::ssh
