#pragma once

// ProxyJump's value read into hops, as OpenSSH's readconf.c (parse_jump, parse_ssh_uri) does:
// what the jump-host transport connects through, hop after hop.

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

}  // namespace brigade::ssh
