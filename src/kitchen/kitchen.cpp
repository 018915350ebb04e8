#include <brigade/kitchen/chef_name.hpp>
#include <brigade/kitchen/kitchen.hpp>
#include <brigade/util/json_file.hpp>
#include <brigade/util/spellcheck.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <system_error>

namespace brigade {

namespace fs = std::filesystem;

namespace {

// Re-reads a file to point into it: positions are only needed on the error path.
Diagnostic error_in_file(const std::string& shown_path, const JsonPath& where, std::string message,
                         std::string hint = {}) {
  auto file = read_json_file(shown_path);
  if (!file) {
    return Diagnostic{.file = shown_path,
                      .field = json_path_name(where),
                      .message = std::move(message),
                      .hint = std::move(hint)};
  }
  return file->error_at(where, std::move(message), std::move(hint));
}

Result<Ok> expect_object(const JsonFile& file) {
  if (!file.value.is_object()) {
    return file.error_at({}, "expected a JSON object, got " + json_kind(file.value));
  }
  return Ok{};
}

// A list of strings at `key`, absent meaning empty.
Result<std::vector<std::string>> string_list_field(const JsonFile& file, const std::string& key) {
  std::vector<std::string> out;
  auto it = file.value.find(key);
  if (it == file.value.end() || it->is_null()) {
    return out;
  }
  if (!it->is_array()) {
    return file.error_at({key}, "expected an array of strings, got " + json_kind(*it));
  }
  out.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& item = (*it)[i];
    if (!item.is_string()) {
      return file.error_at({key, i}, "expected a string, got " + json_kind(item));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::vector<RunListEntry>> run_list_field(const JsonFile& file) {
  auto texts = string_list_field(file, "run_list");
  if (!texts) {
    return texts.error();
  }
  std::vector<RunListEntry> entries;
  entries.reserve(texts->size());
  for (std::size_t i = 0; i < texts->size(); ++i) {
    std::string error;
    std::string hint;
    auto entry = parse_run_list_entry((*texts)[i], error, hint);
    if (!entry) {
      return file.error_at({"run_list", i}, error, hint);
    }
    entries.push_back(std::move(*entry));
  }
  return entries;
}

Result<Node> parse_node(JsonFile& file, std::string name, std::vector<Diagnostic>& warnings) {
  if (auto ok = expect_object(file); !ok) {
    return ok.error();
  }
  Node node;
  node.name = std::move(name);
  node.file = file.path;
  const auto& json = file.value;

  if (auto it = json.find("name"); it != json.end() && !it->is_null()) {
    if (!it->is_string()) {
      return file.error_at({"name"}, "expected a string, got " + json_kind(*it));
    }
    if (it->get<std::string>() != node.name) {
      auto warning = file.error_at({"name"}, "'" + it->get<std::string>() +
                                                 "' is ignored: a node is named after its file, '" +
                                                 node.name + "'");
      warnings.push_back(std::move(warning));
    }
  }
  if (auto it = json.find("chef_environment"); it != json.end() && !it->is_null()) {
    if (!it->is_string()) {
      return file.error_at({"chef_environment"}, "expected a string, got " + json_kind(*it));
    }
    if (!it->get_ref<const std::string&>().empty()) {
      node.chef_environment = it->get<std::string>();
      if (auto invalid = invalid_chef_name(ChefNameKind::environment, node.chef_environment)) {
        return file.error_at({"chef_environment"}, "'" + node.chef_environment + "': " + *invalid);
      }
    }
  }
  auto run_list = run_list_field(file);
  if (!run_list) {
    return run_list.error();
  }
  node.run_list = std::move(*run_list);
  auto tags = string_list_field(file, "tags");
  if (!tags) {
    return tags.error();
  }
  node.tags = std::move(*tags);
  if (auto it = json.find("dummy"); it != json.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return file.error_at({"dummy"}, "expected true or false, got " + json_kind(*it));
    }
    node.dummy = it->get<bool>();
  }
  if (std::find(node.tags.begin(), node.tags.end(), "dummy") != node.tags.end()) {
    node.dummy = true;
  }
  node.data = std::move(file.value);
  return node;
}

// How deep roles may include roles (documented in the README).
constexpr std::size_t kMaxRoleDepth = 100;

// Role expansion, memoised per role: with 10,000 nodes sharing a few hundred roles, each role
// is walked once.
class RunListExpander {
 public:
  // Roles named in `broken` had a file that did not load: its own error is reported, and a run
  // list naming it is not a second one.
  RunListExpander(const std::map<std::string, Role>& roles, const std::set<std::string>& broken)
      : roles_(roles), broken_(broken) {
    for (const auto& [name, _] : roles) {
      role_names_.push_back(name);
    }
  }

  struct Expansion {
    std::vector<std::string> roles;
    std::vector<std::string> recipes;
  };

  // Expands `run_list` of the file `owner`; missing roles and cycles are errors.
  Result<Expansion> expand(const std::vector<RunListEntry>& run_list, const std::string& owner) {
    std::set<std::string> roles;
    std::set<std::string> recipes;
    for (std::size_t i = 0; i < run_list.size(); ++i) {
      const auto& entry = run_list[i];
      if (entry.kind == RunListEntry::Kind::recipe) {
        recipes.insert(entry.name);
        continue;
      }
      auto role = roles_.find(entry.name);
      if (role == roles_.end() && broken_.contains(entry.name)) {
        continue;
      }
      if (role == roles_.end()) {
        return error_in_file(owner, {"run_list", i}, "unknown role '" + entry.name + "'",
                             did_you_mean(closest_matches(entry.name, role_names_)));
      }
      if (std::find(stack_.begin(), stack_.end(), entry.name) != stack_.end()) {
        std::string chain;
        for (auto it = std::find(stack_.begin(), stack_.end(), entry.name); it != stack_.end();
             ++it) {
          chain += *it + " -> ";
        }
        return error_in_file(owner, {"run_list", i}, "role cycle: " + chain + entry.name);
      }
      // Expansion recurses: a chain of 10,000 roles must be an error, not a stack overflow.
      if (stack_.size() >= kMaxRoleDepth && !memo_.contains(entry.name)) {
        return error_in_file(owner, {"run_list", i},
                             fmt::format("roles nested deeper than {} levels (from role '{}')",
                                         kMaxRoleDepth, stack_.front()));
      }
      auto nested = expand_role(role->second);
      if (!nested) {
        return nested.error();
      }
      roles.insert(entry.name);
      roles.insert((*nested)->roles.begin(), (*nested)->roles.end());
      recipes.insert((*nested)->recipes.begin(), (*nested)->recipes.end());
    }
    return Expansion{{roles.begin(), roles.end()}, {recipes.begin(), recipes.end()}};
  }

 private:
  Result<const Expansion*> expand_role(const Role& role) {
    if (auto done = memo_.find(role.name); done != memo_.end()) {
      return &done->second;
    }
    if (auto failed = failed_.find(role.name); failed != failed_.end()) {
      return failed->second;  // the same error again, which the loader reports once
    }
    stack_.push_back(role.name);
    auto expansion = expand(role.run_list, role.file);
    stack_.pop_back();
    if (!expansion) {
      failed_.emplace(role.name, expansion.error());
      return expansion.error();
    }
    return &memo_.emplace(role.name, std::move(*expansion)).first->second;
  }

  const std::map<std::string, Role>& roles_;
  const std::set<std::string>& broken_;
  std::vector<std::string> role_names_;
  std::map<std::string, Diagnostic> failed_;
  std::map<std::string, Expansion> memo_;
  std::vector<std::string> stack_;  // roles being expanded, outermost first
};

std::string role_name_for(const fs::path& file, const fs::path& roles_dir) {
  fs::path relative = file.lexically_relative(roles_dir);
  relative.replace_extension();
  return relative.generic_string();
}

// What one load collects: every error (all are reported at once, not one file per run) and,
// for role files that did not load, the role's name.
struct LoadProblems {
  std::vector<Diagnostic> errors;
  std::set<std::string> broken_roles;
};

// Parses each JSON file in `dir` in path order and hands it to `take(path, file)`, which may
// fail; a file that does not parse or is refused is recorded and the walk goes on. Returns the
// files not taken.
template <class Take>
std::vector<fs::path> for_each_json_file(const fs::path& dir, bool recursive,
                                         std::vector<Diagnostic>& warnings, LoadProblems& problems,
                                         Take take) {
  auto files = json_files_in(dir, recursive);
  if (!files) {
    problems.errors.push_back(files.error());
    return {};
  }
  std::vector<fs::path> not_taken;
  for (const auto& path : *files) {
    auto file = read_json_file(path);
    if (!file) {
      problems.errors.push_back(file.error());
      not_taken.push_back(path);
      continue;
    }
    warnings.insert(warnings.end(), file->warnings.begin(), file->warnings.end());
    if (auto ok = take(path, *file); !ok) {
      problems.errors.push_back(ok.error());
      not_taken.push_back(path);
    }
  }
  return not_taken;
}

void load_roles(Kitchen& kitchen, LoadProblems& problems) {
  const fs::path dir = kitchen.root / "roles";
  const auto not_loaded = for_each_json_file(
      dir, /*recursive=*/true, kitchen.warnings, problems,
      [&](const fs::path& path, JsonFile& file) {
        if (auto ok = expect_object(file); !ok) {
          return ok;
        }
        auto run_list = run_list_field(file);
        if (!run_list) {
          return Result<Ok>(run_list.error());
        }
        Role role{role_name_for(path, dir), file.path, std::move(*run_list), std::move(file.value)};
        if (auto invalid = invalid_chef_name(ChefNameKind::role, role.name)) {
          return Result<Ok>(Diagnostic{.file = file.path, .message = *invalid});
        }
        kitchen.roles.emplace(role.name, std::move(role));
        return Result<Ok>(Ok{});
      });
  // A role whose file did not load, unreadable JSON included, is broken rather than missing.
  for (const auto& path : not_loaded) {
    problems.broken_roles.insert(role_name_for(path, dir));
  }
}

void load_environments(Kitchen& kitchen, LoadProblems& problems) {
  for_each_json_file(
      kitchen.root / "environments", /*recursive=*/false, kitchen.warnings, problems,
      [&](const fs::path& path, JsonFile& file) {
        if (auto ok = expect_object(file); !ok) {
          return ok;
        }
        Environment environment{path.stem().string(), file.path, std::move(file.value)};
        if (auto invalid = invalid_chef_name(ChefNameKind::environment, environment.name)) {
          return Result<Ok>(Diagnostic{.file = file.path, .message = *invalid});
        }
        kitchen.environments.emplace(environment.name, std::move(environment));
        return Result<Ok>(Ok{});
      });
}

// Nodes end up sorted by name, which find_node relies on. Not by path: "web1-canary.json"
// comes before "web1.json" ('-' < '.') while "web1" comes before "web1-canary".
void load_nodes(Kitchen& kitchen, LoadProblems& problems) {
  for_each_json_file(
      kitchen.root / "nodes", /*recursive=*/false, kitchen.warnings, problems,
      [&](const fs::path& path, JsonFile& file) {
        if (auto invalid = invalid_chef_name(ChefNameKind::node, path.stem().string())) {
          return Result<Ok>(Diagnostic{.file = file.path, .message = *invalid});
        }
        auto node = parse_node(file, path.stem().string(), kitchen.warnings);
        if (!node) {
          return Result<Ok>(node.error());
        }
        kitchen.nodes.push_back(std::move(*node));
        return Result<Ok>(Ok{});
      });
  std::sort(kitchen.nodes.begin(), kitchen.nodes.end(),
            [](const Node& a, const Node& b) { return a.name < b.name; });
}

void expand_run_lists(Kitchen& kitchen, LoadProblems& problems) {
  RunListExpander expander(kitchen.roles, problems.broken_roles);
  for (auto& node : kitchen.nodes) {
    auto expansion = expander.expand(node.run_list, node.file);
    if (!expansion) {
      problems.errors.push_back(expansion.error());
      continue;
    }
    node.roles = std::move(expansion->roles);
    node.recipes = std::move(expansion->recipes);
  }
}

// A role cycle is met from every node that uses the role: it is one problem, said once.
std::vector<Diagnostic> without_repeats(std::vector<Diagnostic> errors) {
  std::set<std::string> seen;
  std::vector<Diagnostic> once;
  for (auto& error : errors) {
    if (seen.insert(error.render()).second) {
      once.push_back(std::move(error));
    }
  }
  return once;
}

// One warning per environment without a file, at the first node that uses it.
void warn_about_missing_environments(Kitchen& kitchen) {
  std::map<std::string, std::vector<const Node*>> users;
  for (const auto& node : kitchen.nodes) {
    if (node.chef_environment != kDefaultEnvironment &&
        !kitchen.environments.contains(node.chef_environment)) {
      users[node.chef_environment].push_back(&node);
    }
  }
  std::vector<std::string> known;
  for (const auto& [name, _] : kitchen.environments) {
    known.push_back(name);
  }
  for (const auto& [environment, nodes] : users) {
    std::string message =
        "environment '" + environment + "' has no file environments/" + environment + ".json";
    if (nodes.size() > 1) {
      message += " (used by " + std::to_string(nodes.size()) + " nodes)";
    }
    kitchen.warnings.push_back(error_in_file(nodes.front()->file, {"chef_environment"}, message,
                                             did_you_mean(closest_matches(environment, known))));
  }
}

}  // namespace

const Node* Kitchen::find_node(std::string_view name) const {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), name,
                             [](const Node& node, std::string_view n) { return node.name < n; });
  return it != nodes.end() && it->name == name ? &*it : nullptr;
}

std::vector<std::string> Kitchen::node_names() const {
  std::vector<std::string> names;
  names.reserve(nodes.size());
  for (const auto& node : nodes) {
    names.push_back(node.name);
  }
  return names;
}

std::optional<fs::path> find_kitchen_root(const fs::path& start) {
  std::error_code ec;
  fs::path absolute = fs::absolute(start, ec);
  if (ec) {
    return std::nullopt;
  }
  fs::path dir = absolute.lexically_normal();
  if (dir.filename().empty()) {
    dir = dir.parent_path();  // "/a/b/" names the same directory as "/a/b"
  }
  fs::path relative = start;
  for (;; dir = dir.parent_path()) {
    if (fs::is_regular_file(dir / kKitchenMarker, ec)) {
      return start.is_absolute() ? dir : relative.lexically_normal();
    }
    if (dir == dir.parent_path()) {
      return std::nullopt;
    }
    relative /= "..";
  }
}

Result<Kitchen> load_kitchen(const fs::path& root) {
  Kitchen kitchen;
  kitchen.root = root;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return Diagnostic{.file = display_path(root.string()),
                      .message = "not a kitchen: no such directory"};
  }
  const fs::path config_file = root / kKitchenMarker;
  if (!fs::exists(config_file, ec)) {
    return Diagnostic{.file = display_path(root.string()),
                      .message = std::string("not a kitchen: no ") + kKitchenMarker,
                      .hint = "create one with 'brigade init'"};
  }
  auto config = load_littlechef_config(config_file, root);
  if (!config) {
    return config.error();
  }
  kitchen.config = std::move(*config);
  kitchen.warnings = kitchen.config.warnings;

  LoadProblems problems;
  for (auto step : {load_environments, load_roles, load_nodes, expand_run_lists}) {
    step(kitchen, problems);
  }
  if (!problems.errors.empty()) {
    return all_problems(without_repeats(std::move(problems.errors)));
  }
  warn_about_missing_environments(kitchen);
  return kitchen;
}

}  // namespace brigade
