#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace brigade::ssh {

/// `*` and `?` wildcards, case-sensitive, as OpenSSH's match_pattern().
bool wildcard_match(std::string_view pattern, std::string_view text);

/// A known_hosts names field (`web01,10.0.0.1,*.example.com,!bad.example.com`) against a
/// lowercase `name`: comma-separated patterns compared case-insensitively, a matching negation
/// rejects the name (OpenSSH's match_pattern_list with dolower).
bool known_hosts_patterns_match(std::string_view patterns, std::string_view name);

/// A `Host` line's arguments against the host name as typed: each argument is one pattern,
/// matched case-sensitively; a matching `!negation` rejects the host whatever else matches
/// (readconf.c). A comma is part of a pattern there, not a separator.
bool host_line_matches(const std::vector<std::string>& patterns, std::string_view host);

}  // namespace brigade::ssh
