#pragma once

#include <brigade/kitchen/littlechef_config.hpp>
#include <brigade/kitchen/run_list.hpp>
#include <brigade/util/result.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace brigade {

/// The environment of a node that names none, as in Chef.
inline constexpr const char* kDefaultEnvironment = "_default";

/// A role from roles/; its name is its path under roles/ without `.json`, as in LittleChef.
struct Role {
  std::string name;
  std::string file;  ///< As shown to the user.
  std::vector<RunListEntry> run_list;
  nlohmann::json data;
};

/// An environment from environments/<name>.json.
struct Environment {
  std::string name;
  std::string file;
  nlohmann::json data;
};

/// A node from nodes/; its name is its file name without `.json`, as in LittleChef.
struct Node {
  std::string name;
  std::string file;  ///< As shown to the user.
  std::string chef_environment = kDefaultEnvironment;
  std::vector<RunListEntry> run_list;
  std::vector<std::string> tags;
  bool dummy = false;   ///< `"dummy": true` or the tag `dummy`: never deployed.
  nlohmann::json data;  ///< The whole file, every attribute kept.

  std::vector<std::string> roles;    ///< run_list expanded through roles; sorted, unique.
  std::vector<std::string> recipes;  ///< Expanded and normalised; sorted, unique.
};

/// A LittleChef kitchen, loaded and validated: nodes sorted by name, run_lists expanded.
struct Kitchen {
  std::filesystem::path root;
  LittleChefConfig config;
  std::vector<Node> nodes;
  std::map<std::string, Role> roles;
  std::map<std::string, Environment> environments;
  std::vector<Diagnostic> warnings;

  /// The node named `name`, or nullptr.
  const Node* find_node(std::string_view name) const;
  /// Every node name, sorted.
  std::vector<std::string> node_names() const;
};

/// Name of the file that marks a kitchen's root.
inline constexpr const char* kKitchenMarker = "littlechef.cfg";

/// The nearest directory from `start` upwards that holds littlechef.cfg, in the form the user
/// gave it (relative stays relative).
std::optional<std::filesystem::path> find_kitchen_root(const std::filesystem::path& start);

/// Loads every file of the kitchen at `root`; the first problem found is the error.
Result<Kitchen> load_kitchen(const std::filesystem::path& root);

}  // namespace brigade
