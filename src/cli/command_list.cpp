#include <brigade/cli/command_setup.hpp>
#include <brigade/cli/commands.hpp>
#include <brigade/kitchen/hooks.hpp>
#include <brigade/kitchen/selector.hpp>
#include <brigade/run/hook_runner.hpp>
#include <brigade/util/exit_status.hpp>
#include <brigade/util/text_table.hpp>

#include <map>

namespace brigade {

namespace {

std::vector<std::string> run_list_texts(const std::vector<RunListEntry>& run_list) {
  std::vector<std::string> texts;
  for (const auto& entry : run_list) {
    texts.push_back(entry.text());
  }
  return texts;
}

nlohmann::json node_json(const Node& node) {
  return {{"name", node.name},
          {"chef_environment", node.chef_environment},
          {"roles", node.roles},
          {"recipes", node.recipes},
          {"tags", node.tags},
          {"dummy", node.dummy},
          {"run_list", run_list_texts(node.run_list)},
          {"file", node.file}};
}

}  // namespace

int list_nodes(const ListOptions& options, std::ostream& out, std::ostream& err) {
  WarningPrinter warnings(err);
  auto kitchen = open_kitchen(options.kitchen, warnings);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  // Without selectors `list nodes` is the kitchen's inventory, dummies included (marked);
  // with selectors it shows exactly what `fix` would deploy.
  std::vector<const Node*> nodes;
  std::vector<const Node*> left_out;
  if (options.selectors.empty() && !options.environment) {
    for (const auto& node : kitchen->nodes) {
      nodes.push_back(&node);
    }
  } else {
    auto selectors =
        options.selectors.empty() ? std::vector<std::string>{"node:all"} : options.selectors;
    auto selection = select_nodes(*kitchen, selectors, options.environment);
    if (!selection) {
      print_error(err, selection.error());
      return kExitUsage;
    }
    nodes = selection->nodes;
    left_out = selection->left_out;
  }

  if (options.json) {
    nlohmann::json array = nlohmann::json::array();
    for (const Node* node : nodes) {
      array.push_back(node_json(*node));
    }
    out << array.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    TextTable table({"NODE", "ENVIRONMENT", "ROLES", "RECIPES", "TAGS"});
    for (const Node* node : nodes) {
      std::string tags = join_or_dash(node->tags);
      if (node->dummy &&
          std::find(node->tags.begin(), node->tags.end(), "dummy") == node->tags.end()) {
        tags = node->tags.empty() ? "(dummy)" : tags + " (dummy)";
      }
      table.add_row({node->name, node->chef_environment, join_or_dash(node->roles),
                     join_or_dash(node->recipes), tags});
    }
    out << table.render();
  }
  for (const Node* node : left_out) {
    err << "brigade: left out (dummy): " << node->name << '\n';
  }
  return kExitSuccess;
}

int list_roles(const ListOptions& options, std::ostream& out, std::ostream& err) {
  WarningPrinter warnings(err);
  auto kitchen = open_kitchen(options.kitchen, warnings);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  std::map<std::string, std::size_t> users;
  for (const auto& node : kitchen->nodes) {
    for (const auto& role : node.roles) {
      ++users[role];
    }
  }
  if (options.json) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& [name, role] : kitchen->roles) {
      array.push_back({{"name", name},
                       {"run_list", run_list_texts(role.run_list)},
                       {"nodes", users[name]},
                       {"file", role.file}});
    }
    out << array.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kExitSuccess;
  }
  TextTable table({"ROLE", "RUN_LIST", "NODES"});
  for (const auto& [name, role] : kitchen->roles) {
    table.add_row({name, join_or_dash(run_list_texts(role.run_list)), std::to_string(users[name])});
  }
  out << table.render();
  return kExitSuccess;
}

int list_hooks(const ListOptions& options, std::ostream& out, std::ostream& err) {
  WarningPrinter warnings(err);
  auto kitchen = open_kitchen(options.kitchen, warnings);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  auto hooks = open_hooks(*kitchen, warnings);
  if (!hooks) {
    print_error(err, hooks.error());
    return kExitUsage;
  }
  std::vector<const Node*> deployable;  // dummies are never deployed
  for (const auto& node : kitchen->nodes) {
    if (!node.dummy) {
      deployable.push_back(&node);
    }
  }
  auto matching = [&](const Hook& hook) { return matching_node_names(hook, deployable); };
  auto filters_text = [](const Hook& hook) {
    std::vector<std::string> parts;
    for (const auto& [key, patterns] : hook.filters) {
      parts.push_back(std::string(hook_filter_name(key)) + "=" + join_or_dash(patterns, "|"));
    }
    return join_or_dash(parts, " ");
  };
  if (options.json) {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const auto& hook : *hooks) {
      nlohmann::ordered_json filters = nlohmann::ordered_json::object();
      for (const auto& [key, patterns] : hook.filters) {
        filters[hook_filter_name(key)] = patterns;
      }
      array.push_back({{"name", hook.name},
                       {"type", hook_type_name(hook.type)},
                       {"exec", hook.exec},
                       {"filters", filters},
                       {"timeout_s", hook.timeout ? nlohmann::ordered_json(hook.timeout->count())
                                                  : nlohmann::ordered_json(nullptr)},
                       {"file", hook.file},
                       {"nodes", matching(hook)}});
    }
    out << array.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kExitSuccess;
  }
  TextTable table({"HOOK", "TYPE", "EXEC", "FILTERS", "NODES"});
  for (const auto& hook : *hooks) {
    table.add_row({hook.name, hook_type_name(hook.type), join_or_dash(hook.exec, " "),
                   filters_text(hook), std::to_string(matching(hook).size())});
  }
  out << table.render();
  return kExitSuccess;
}

int list_environments(const ListOptions& options, std::ostream& out, std::ostream& err) {
  WarningPrinter warnings(err);
  auto kitchen = open_kitchen(options.kitchen, warnings);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  // Every environment a file defines or a node uses, so a missing file shows up here too.
  std::map<std::string, std::size_t> users;
  for (const auto& [name, _] : kitchen->environments) {
    users[name] = 0;
  }
  for (const auto& node : kitchen->nodes) {
    ++users[node.chef_environment];
  }
  auto file_of = [&](const std::string& name) -> std::string {
    auto it = kitchen->environments.find(name);
    return it == kitchen->environments.end() ? std::string() : it->second.file;
  };
  if (options.json) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& [name, count] : users) {
      nlohmann::json file = nullptr;
      if (!file_of(name).empty()) {
        file = file_of(name);
      }
      array.push_back({{"name", name}, {"nodes", count}, {"file", file}});
    }
    out << array.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kExitSuccess;
  }
  TextTable table({"ENVIRONMENT", "NODES", "FILE"});
  for (const auto& [name, count] : users) {
    std::string file = file_of(name);
    if (file.empty()) {
      file = name == kDefaultEnvironment ? "(built in)" : "(missing)";
    }
    table.add_row({name, std::to_string(count), file});
  }
  out << table.render();
  return kExitSuccess;
}

// Every warning about the kitchen's input, none held back: what the other commands sum up after
// the first few. Problems that stop a command are errors, printed as such (exit 2).
int list_warnings(const ListOptions& options, std::ostream& out, std::ostream& err) {
  auto kitchen = load_kitchen_in_effect(options.kitchen);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  std::vector<Diagnostic> warnings = kitchen->warnings;
  int status = kExitSuccess;
  if (auto hooks = load_hooks(kitchen->root, &warnings); !hooks) {
    print_error(err, hooks.error());
    status = kExitUsage;
  }
  if (auto settings = load_ssh_settings(*kitchen); settings) {
    warnings.insert(warnings.end(), settings->warnings.begin(), settings->warnings.end());
  } else {
    print_error(err, settings.error());
    status = kExitUsage;
  }
  if (options.json) {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const auto& warning : warnings) {
      array.push_back({{"file", warning.file.empty() ? nlohmann::ordered_json(nullptr)
                                                     : nlohmann::ordered_json(warning.file)},
                       {"line", warning.line},
                       {"column", warning.column},
                       {"field", warning.field},
                       {"message", warning.message},
                       {"hint", warning.hint}});
    }
    out << array.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return status;
  }
  for (const auto& warning : warnings) {
    out << warning.render() << '\n';
  }
  return status;
}

}  // namespace brigade
