#include <brigade/cli/fix_orders.hpp>
#include <brigade/util/spellcheck.hpp>

#include <filesystem>
#include <system_error>

namespace brigade {

namespace {

// The cookbooks of the kitchen: directories of cookbooks/ and site-cookbooks/.
std::vector<std::string> cookbooks_of(const Kitchen& kitchen) {
  std::vector<std::string> names;
  for (const char* dir : {"cookbooks", "site-cookbooks"}) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(kitchen.root / dir, ec)) {
      if (entry.is_directory(ec)) {
        names.push_back(entry.path().filename().string());
      }
    }
  }
  return names;
}

}  // namespace

Result<FixOrders> parse_fix_orders(const std::vector<std::string>& words, const Kitchen& kitchen) {
  FixOrders orders;
  for (const auto& word : words) {
    if (word == "deploy_chef" || word.starts_with("deploy_chef:")) {
      return Diagnostic{.message = "Brigade does not install Chef (deploy_chef)",
                        .hint =
                            "install chef-solo on the nodes with their package manager or "
                            "Chef's installer, then run brigade fix"};
    }
    const bool role = word.starts_with("role:");
    const bool recipe = word.starts_with("recipe:");
    if (word.starts_with("ssh:")) {
      const std::string command = word.substr(4);
      if (command.empty()) {
        return Diagnostic{.message = "ssh: needs a command, as in ssh:\"uptime\""};
      }
      if (orders.ssh) {
        return Diagnostic{.message = "one ssh: order at a time (given '" + *orders.ssh + "' and '" +
                                     command + "')"};
      }
      orders.ssh = command;
      continue;
    }
    if (!role && !recipe) {
      orders.selectors.push_back(word);
      continue;
    }
    const std::string name = word.substr(role ? 5 : 7);
    if (name.empty()) {
      return Diagnostic{.message = "'" + word + "' names no " + (role ? "role" : "recipe")};
    }
    std::string error;
    std::string hint;
    auto entry =
        parse_run_list_entry(role ? "role[" + name + "]" : "recipe[" + name + "]", error, hint);
    if (!entry) {
      return Diagnostic{.message = "'" + word + "': " + error, .hint = hint};
    }
    if (role && !kitchen.roles.contains(entry->name)) {
      std::vector<std::string> roles;
      for (const auto& [known, _] : kitchen.roles) {
        roles.push_back(known);
      }
      return Diagnostic{.message = "'" + word + "': no role '" + entry->name + "' in roles/",
                        .hint = did_you_mean(closest_matches(entry->name, roles, 1))};
    }
    if (recipe) {
      const std::string cookbook = entry->name.substr(0, entry->name.find("::"));
      const auto cookbooks = cookbooks_of(kitchen);
      if (std::find(cookbooks.begin(), cookbooks.end(), cookbook) == cookbooks.end()) {
        return Diagnostic{.message = "'" + word + "': no cookbook '" + cookbook +
                                     "' in cookbooks/ or site-cookbooks/",
                          .hint = did_you_mean(closest_matches(cookbook, cookbooks, 1))};
      }
    }
    orders.run_list.push_back(std::move(*entry));
  }
  if (orders.ssh && !orders.run_list.empty()) {
    return Diagnostic{.message =
                          "ssh: runs a command and role:/recipe: converge: give one or "
                          "the other"};
  }
  return orders;
}

std::string fix_orders_help() {
  return "Selectors (their union):\n"
         "  node:NAME[,NAME…]        nodes by name; globs (web*), node:all\n"
         "  nodes_with_role:ROLE     nodes whose expanded run_list has the role (globs)\n"
         "  nodes_with_recipe:RECIPE nodes whose expanded run_list has the recipe (globs)\n"
         "  nodes_with_tag:TAG       nodes with the tag (globs)\n"
         "Orders, after the selectors:\n"
         "  role:ROLE                converge that role instead of each node's run_list\n"
         "  recipe:RECIPE            converge that recipe instead (several: in that order)\n"
         "  ssh:\"COMMAND\"            run COMMAND on the nodes (brigade exec)\n"
         "  deploy_chef              not done by Brigade: install chef-solo yourself\n";
}

}  // namespace brigade
