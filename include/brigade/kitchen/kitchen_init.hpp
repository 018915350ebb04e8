#pragma once

#include <brigade/util/result.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace brigade {

/// Creates a new kitchen skeleton in `dir` (created if missing), like LittleChef's new_kitchen:
/// littlechef.cfg and the nodes, roles, environments, cookbooks, site-cookbooks, data_bags and
/// hooks directories. Never overwrites an existing littlechef.cfg. Returns what it created.
Result<std::vector<std::string>> init_kitchen(const std::filesystem::path& dir);

}  // namespace brigade
