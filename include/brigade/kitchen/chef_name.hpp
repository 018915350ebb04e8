#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace brigade {

/// What a name in the kitchen names; each has Chef's own rule for the characters it may hold.
enum class ChefNameKind { node, environment, role };

/// Why `name` is not a valid Chef name of `kind` ("'$' is not allowed in a node name (…)"), or
/// nullopt when it is. Chef allows letters, digits, '-' and '_' in environment and role names,
/// and also ':' and '.' in node names; Brigade reads roles from subdirectories, so a role name
/// may hold '/' between such parts. Names are checked when the kitchen loads, so that no value
/// a kitchen file holds reaches a remote shell or a file name unchecked.
std::optional<std::string> invalid_chef_name(ChefNameKind kind, std::string_view name);

}  // namespace brigade
