#include <brigade/ssh/jump_hosts.hpp>
#include <brigade/util/strings.hpp>

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cctype>

namespace brigade::ssh {

namespace {

// A number, or a service name as ssh's a2port takes it (`bastion:ssh` is port 22).
std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (!text.empty() &&
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    const servent* service = ::getservbyname(std::string(text).c_str(), "tcp");
    if (service == nullptr) {
      return std::nullopt;
    }
    return static_cast<std::uint16_t>(ntohs(static_cast<std::uint16_t>(service->s_port)));
  }
  if (text.empty() || text.size() > 5) {
    return std::nullopt;
  }
  const unsigned long port = std::stoul(std::string(text));
  if (port < 1 || port > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(port);
}

// A user name as ssh accepts it on a command line or in a URI: not empty, no control
// characters, none of the characters a shell or a URI would read otherwise.
bool valid_user(std::string_view user) {
  return !user.empty() && std::none_of(user.begin(), user.end(), [](unsigned char c) {
    return c < 0x20 || c == 0x7f || c == ' ' || c == '\'' || c == '"' || c == '`' || c == ';' ||
           c == '\\' || c == '/';
  });
}

// A host name or address: no spaces, no control characters, nothing that could start an option
// (a leading '-') or be read as another URI part.
bool valid_host(std::string_view host) {
  return !host.empty() && host.front() != '-' &&
         std::none_of(host.begin(), host.end(), [](unsigned char c) {
           return c <= 0x20 || c == 0x7f || c == '@' || c == '/' || c == '\'' || c == '"' ||
                  c == '`' || c == ';' || c == '\\';
         });
}

std::optional<JumpHop> parse_hop(std::string_view text) {
  JumpHop hop;
  if (text.starts_with("ssh://")) {
    text.remove_prefix(6);
    if (text.ends_with("/")) {
      text.remove_suffix(1);
    }
  }
  if (const auto at = text.rfind('@'); at != std::string_view::npos) {
    const std::string_view user = text.substr(0, at);
    // In a URI the user part ends at ';' (connection parameters), which ssh refuses too.
    if (!valid_user(user)) {
      return std::nullopt;
    }
    hop.user = std::string(user);
    text.remove_prefix(at + 1);
  }
  std::string_view host = text;
  if (text.starts_with("[")) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    text.remove_prefix(close + 1);
    if (!text.empty()) {
      if (!text.starts_with(":")) {
        return std::nullopt;
      }
      hop.port = parse_port(text.substr(1));
      if (!hop.port) {
        return std::nullopt;
      }
    }
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    // host:port; an IPv6 address needs its brackets (ssh reads 2001:db8::1 as host 2001 and
    // a port that is not one, and refuses it).
    host = text.substr(0, colon);
    hop.port = parse_port(text.substr(colon + 1));
    if (!hop.port) {
      return std::nullopt;
    }
  }
  if (!valid_host(host)) {
    return std::nullopt;
  }
  hop.host = std::string(host);
  return hop;
}

}  // namespace

Result<std::vector<JumpHop>> parse_proxy_jump(std::string_view value) {
  std::vector<JumpHop> hops;
  if (lowercase(std::string(value)) == "none") {
    return hops;
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = value.find(',', start);
    const std::string_view text = value.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    auto hop = parse_hop(text);
    if (!hop) {
      return Diagnostic{.message = "invalid ProxyJump hop '" + std::string(text) +
                                   "': expected [user@]host[:port] or ssh://[user@]host[:port]"};
    }
    hops.push_back(std::move(*hop));
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return hops;
}

namespace {

// One hop as ssh -G would see it from `ssh -l USER -p PORT [-J …] HOST`.
HostConfig resolve_hop(const JumpHop& hop, bool later_hop, const SshConfig& config,
                       const HostDefaults& defaults) {
  CommandLine given{.user = hop.user, .port = hop.port, .route_given = later_hop};
  return config.resolve(hop.host, defaults, given);
}

std::string hop_key(const HostConfig& hop) {
  return hop.user + "@" + hop.host_name + ":" + std::to_string(hop.port);
}

}  // namespace

Result<std::vector<HostConfig>> resolve_jump_hosts(std::string_view proxy_jump,
                                                   const SshConfig& config,
                                                   const HostDefaults& defaults) {
  std::vector<HostConfig> chain;
  std::string value(proxy_jump);
  std::string path(proxy_jump);  // for the message about a loop
  for (;;) {
    auto hops = parse_proxy_jump(value);
    if (!hops) {
      return hops.error();
    }
    std::vector<HostConfig> resolved;
    for (std::size_t i = 0; i < hops->size(); ++i) {
      resolved.push_back(resolve_hop((*hops)[i], i > 0, config, defaults));
    }
    chain.insert(chain.begin(), std::make_move_iterator(resolved.begin()),
                 std::make_move_iterator(resolved.end()));
    if (chain.size() > kMaxJumpHosts) {
      return Diagnostic{.message = "ProxyJump " + std::string(proxy_jump) +
                                   " leads through more than " + std::to_string(kMaxJumpHosts) +
                                   " jump hosts (" + path + "): a loop in ssh_config?"};
    }
    if (chain.empty() || !chain.front().proxy_jump) {
      break;
    }
    // The first hop has a ProxyJump of its own: its hops come before it.
    value = *chain.front().proxy_jump;
    path = value + " -> " + path;
    chain.front().proxy_jump.reset();
  }
  for (std::size_t i = 0; i < chain.size(); ++i) {
    for (std::size_t j = i + 1; j < chain.size(); ++j) {
      if (hop_key(chain[i]) == hop_key(chain[j])) {
        return Diagnostic{.message = "ProxyJump " + std::string(proxy_jump) + " goes through " +
                                     jump_host_name(chain[i]) + " twice (" + path +
                                     "): a loop in ssh_config?"};
      }
    }
  }
  return chain;
}

std::string jump_host_name(const HostConfig& hop) {
  return hop.user + "@" + hop.host_name + " port " + std::to_string(hop.port);
}

std::string describe_route(const HostConfig& host) {
  std::string text;
  for (const auto& hop : host.jump_hosts) {
    text += hop.host + " (" + jump_host_name(hop) + ") -> ";
  }
  return text + host.host;
}

}  // namespace brigade::ssh
