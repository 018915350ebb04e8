// `brigade complete WHAT [PREFIX]`: the names shell completion offers, read from the kitchen's
// directory listings (JSON is parsed only for roles' recipes and for tags, in the node files
// that mention tags), so that a completion answers at once on a kitchen of many thousand
// nodes.

#include <brigade/cli/commands.hpp>
#include <brigade/kitchen/kitchen.hpp>
#include <brigade/kitchen/run_list.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <system_error>

namespace brigade {

namespace {

namespace fs = std::filesystem;

// Stems of the *.json files under `dir`, with their subdirectories (roles/monitoring/agent).
void json_names(const fs::path& dir, bool recursive, std::set<std::string>& names) {
  std::error_code ec;
  auto add = [&](const fs::directory_entry& entry) {
    if (entry.path().extension() == ".json" && entry.is_regular_file(ec)) {
      fs::path relative = entry.path().lexically_relative(dir);
      names.insert(relative.replace_extension().generic_string());
    }
  };
  if (recursive) {
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      add(*it);
    }
  } else {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      add(*it);
    }
  }
}

// `nginx` for recipes/default.rb, `nginx::site` for recipes/site.rb, in cookbooks/ and
// site-cookbooks/.
void recipe_names(const fs::path& root, std::set<std::string>& names) {
  std::error_code ec;
  for (const char* dir : {"cookbooks", "site-cookbooks"}) {
    for (fs::directory_iterator it(root / dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string cookbook = it->path().filename().string();
      std::error_code inner;
      for (fs::directory_iterator recipe(it->path() / "recipes", inner), none;
           !inner && recipe != none; recipe.increment(inner)) {
        if (recipe->path().extension() == ".rb") {
          const std::string name = recipe->path().stem().string();
          names.insert(name == "default" ? cookbook : cookbook + "::" + name);
        }
      }
    }
  }
}

// The recipes the roles' run_lists name (a run_list may name cookbooks the kitchen does not
// hold): roles are few, their files are parsed.
void role_recipe_names(const fs::path& roles, std::set<std::string>& names) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(roles, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".json") {
      continue;
    }
    std::ifstream in(it->path(), std::ios::binary);
    const auto role = nlohmann::json::parse(in, nullptr, false);
    if (!role.is_object() || !role.contains("run_list") || !role["run_list"].is_array()) {
      continue;
    }
    for (const auto& item : role["run_list"]) {
      std::string error;
      std::string hint;
      if (!item.is_string()) {
        continue;
      }
      auto entry = parse_run_list_entry(item.get<std::string>(), error, hint);
      if (entry && entry->kind == RunListEntry::Kind::recipe) {
        names.insert(entry->name);
      }
    }
  }
}

// Tags are inside node files: only files that mention "tags" are parsed.
void tag_names(const fs::path& nodes, std::set<std::string>& names) {
  std::error_code ec;
  for (fs::directory_iterator it(nodes, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".json") {
      continue;
    }
    std::ifstream in(it->path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("\"tags\"") == std::string::npos) {
      continue;
    }
    const auto node = nlohmann::json::parse(text, nullptr, false);
    if (node.is_object() && node.contains("tags") && node["tags"].is_array()) {
      for (const auto& tag : node["tags"]) {
        if (tag.is_string()) {
          names.insert(tag.get<std::string>());
        }
      }
    }
  }
}

}  // namespace

int complete(const CompleteOptions& options, std::ostream& out, std::ostream& /*err*/) {
  fs::path root;
  if (!options.kitchen.empty()) {
    root = options.kitchen;
  } else if (auto found = find_kitchen_root(".")) {
    root = *found;
  } else {
    return 1;  // no kitchen: nothing to offer, and nothing to say on a half-typed line
  }
  std::set<std::string> names;
  if (options.what == "nodes") {
    json_names(root / "nodes", false, names);
  } else if (options.what == "roles") {
    json_names(root / "roles", true, names);
  } else if (options.what == "environments") {
    json_names(root / "environments", false, names);
  } else if (options.what == "recipes") {
    recipe_names(root, names);
    role_recipe_names(root / "roles", names);
  } else if (options.what == "tags") {
    tag_names(root / "nodes", names);
  }
  for (const auto& name : names) {
    // Names a shell would take apart are not offered: the completion could not quote them.
    if (name.starts_with(options.prefix) &&
        name.find_first_of(" \t\n'\"\\$`") == std::string::npos) {
      out << name << '\n';
    }
  }
  return 0;
}

}  // namespace brigade
