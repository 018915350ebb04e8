#include <brigade/cli/cli.hpp>
#include <brigade/cli/command_setup.hpp>
#include <brigade/cli/commands.hpp>
#include <brigade/kitchen/hooks.hpp>
#include <brigade/util/exit_status.hpp>
#include <brigade/util/spellcheck.hpp>
#include <brigade/util/strings.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <functional>

namespace brigade {

namespace {

void add_kitchen_option(CLI::App* app, std::string& kitchen) {
  app->add_option("-k,--kitchen", kitchen,
                  "Kitchen directory (default: the nearest directory upwards with littlechef.cfg)");
}

// The deepest subcommand the user reached: the one whose options an unknown word is compared to.
CLI::App* deepest_parsed(CLI::App* app) {
  for (CLI::App* sub : app->get_subcommands()) {
    return deepest_parsed(sub);
  }
  return app;
}

std::vector<std::string> option_names(CLI::App* app) {
  std::vector<std::string> names;
  for (CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* option : a->get_options()) {
      for (const auto& l : option->get_lnames()) {
        names.push_back("--" + l);
      }
    }
  }
  names.push_back("--help");
  return names;
}

std::vector<std::string> subcommand_names(CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands({})) {
    names.push_back(sub->get_name());
  }
  return names;
}

std::string command_path(CLI::App* app) {
  std::string path;
  for (CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    path = a->get_name() + (path.empty() ? "" : " " + path);
  }
  return path;
}

// CLI11 (2.1) rejects unknown words without suggestions; extras are allowed and judged here so
// that a typo in a command or option gets a "did you mean".
int report_unexpected(CLI::App& app, std::ostream& err) {
  const std::string word = app.remaining(true).front();
  CLI::App* where = deepest_parsed(&app);
  Diagnostic diagnostic;
  if (word.starts_with("-")) {
    std::string name = word.substr(0, word.find('='));
    diagnostic.message = "unknown option '" + name + "' for '" + command_path(where) + "'";
    diagnostic.hint = did_you_mean(closest_matches(name, option_names(where), 1));
  } else if (!where->get_subcommands({}).empty()) {
    diagnostic.message = "unknown command '" + word + "' for '" + command_path(where) + "'";
    diagnostic.hint = did_you_mean(closest_matches(word, subcommand_names(where), 1));
  } else {
    diagnostic.message = "unexpected argument '" + word + "' for '" + command_path(where) + "'";
  }
  print_error(err, diagnostic);
  err << "Run '" << command_path(where) << " --help' for usage.\n";
  return kExitUsage;
}

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"Brigade: deploy a LittleChef kitchen to a fleet over SSH, in parallel batches."};
  app.name("brigade");
  app.set_version_flag("--version", std::string("brigade ") + BRIGADE_VERSION);
  app.require_subcommand(1);
  app.allow_extras();
  std::string kitchen;
  add_kitchen_option(&app, kitchen);

  ListOptions list_options;
  CLI::App* list =
      app.add_subcommand("list", "List the kitchen's nodes, roles, environments or hooks");
  list->require_subcommand(1);
  list->allow_extras();
  struct ListCommand {
    const char* name;
    const char* help;
    int (*run)(const ListOptions&, std::ostream&, std::ostream&);
  };
  const ListCommand list_commands[] = {
      {"nodes", "Nodes with environment, expanded roles and recipes, tags", list_nodes},
      {"roles", "Roles with their run_list and how many nodes use them", list_roles},
      {"environments", "Environments and how many nodes are in each", list_environments},
      {"hooks", "Hook definitions from hooks/ and how many nodes each matches", list_hooks},
  };
  std::string environment;
  for (const auto& command : list_commands) {
    CLI::App* sub = list->add_subcommand(command.name, command.help);
    sub->allow_extras();
    add_kitchen_option(sub, kitchen);
    sub->add_flag("--json", list_options.json, "Print JSON instead of a table");
    if (std::string(command.name) == "nodes") {
      sub->add_option("selectors", list_options.selectors,
                      "Selectors, as for fix (default: every node, dummies included)");
      sub->add_option("-E,--env", environment, "Only nodes in this chef_environment");
    }
  }

  FixOptions fix_options;
  CLI::App* fix_command = app.add_subcommand(
      "fix", "Deploy the selected nodes in batches, with the kitchen's hooks around them");
  fix_command->allow_extras();
  add_kitchen_option(fix_command, kitchen);
  fix_command->add_option("selectors", fix_options.selectors,
                          "node:NAME[,NAME…], node:all, nodes_with_role:PATTERN, "
                          "nodes_with_recipe:PATTERN, nodes_with_tag:TAG");
  fix_command->add_option("-E,--env", environment, "Only nodes in this chef_environment");
  fix_command->add_flag("-n,--dry-run", fix_options.dry_run,
                        "Print the plan and its hooks; touch no node");
  fix_command->add_option("-p,--parallel", fix_options.parallel, "Nodes in flight at once")
      ->default_val(16)
      ->check(CLI::Range(1, 100000));
  fix_command->add_option("-b,--batch-size", fix_options.batch_size,
                          "Batch sizes: 10, 25% or a staged list 1,10,25% (default: one batch)");
  fix_command->add_option("--max-fail", fix_options.max_fail,
                          "Failures allowed before no further node starts: 3, 10%, or none "
                          "(default: a staged rollout stops after a batch with a failure)");
  int fix_timeout = 0;
  fix_command
      ->add_option("-t,--timeout", fix_timeout,
                   "Seconds a node's deploy may take; then it is stopped and fails")
      ->check(CLI::Range(1, 86400 * 7));
  fix_command->add_option("--batch-by", fix_options.batch_by,
                          "Failure domains: no batch mixes nodes of two values of this node "
                          "attribute (rack, ec2.placement.availability_zone)");
  int batch_wait = 0;
  fix_command->add_option("--batch-wait", batch_wait, "Seconds to pause between batches")
      ->check(CLI::Range(0, 86400));
  fix_command->add_option("--log-dir", fix_options.log_dir,
                          "Where run logs go (default: logs/ in the kitchen)");
  fix_command->add_option("--report", fix_options.report, "Also write the report here");
  fix_command
      ->add_option("--keep-runs", fix_options.keep_runs,
                   "Run directories kept under the log directory, this one included; older "
                   "ones are removed after the report is written (0: keep all; default 30)")
      ->check(CLI::Range(0, 1000000));
  fix_command->add_option("--log-mode", fix_options.log_mode,
                          "Mode of the logs and reports, octal (default 0600; directories get x "
                          "where r is set: 0640 gives 0750)");
  fix_command->add_flag("-y,--yes", fix_options.yes,
                        "Deploy the whole fleet without asking (needed without a terminal)");
  fix_command->add_flag("-q,--quiet", fix_options.quiet,
                        "Print only the failures and the totals line (for cron mail)");
  fix_command
      ->add_option("--rerun", fix_options.rerun,
                   "'failed': the nodes the latest run did not deploy (failed, skipped, "
                   "cancelled, not started)")
      ->check(CLI::IsMember({"failed"}));

  ExecOptions exec_options;
  CLI::App* exec_command = app.add_subcommand(
      "exec", "Run a command on the selected nodes: brigade exec SELECTOR… -- CMD");
  exec_command->allow_extras();
  add_kitchen_option(exec_command, kitchen);
  exec_command->add_option("selectors", exec_options.selectors, "Selectors, as for fix");
  exec_command->add_option("-E,--env", environment, "Only nodes in this chef_environment");
  exec_command->add_option("-p,--parallel", exec_options.parallel, "Nodes in flight at once")
      ->default_val(32)
      ->check(CLI::Range(1, 100000));
  int exec_timeout = 0;
  exec_command
      ->add_option("-t,--timeout", exec_timeout,
                   "Seconds a node may take, connecting included; then it is stopped")
      ->check(CLI::Range(1, 86400 * 7));
  exec_command->add_flag("--json", exec_options.json,
                         "One JSON object per node (name, rc, signal, stdout, stderr, error, "
                         "duration_s) instead of prefixed lines");
  exec_command->add_flag("--pty", exec_options.pty,
                         "Run the command on a terminal (stderr merges into stdout, as ssh -t)");
  exec_command->footer(
      "The command is everything after '--'; it runs through the remote user's shell.");

  SshConfigOptions ssh_config_options;
  CLI::App* ssh_config_command =
      app.add_subcommand("ssh-config", "Print the SSH settings resolved for a node, like ssh -G");
  ssh_config_command->allow_extras();
  add_kitchen_option(ssh_config_command, kitchen);
  ssh_config_command->add_option("node", ssh_config_options.node, "The node")->required();

  std::string init_directory;
  CLI::App* init_command = app.add_subcommand("init", "Create a new kitchen skeleton");
  init_command->allow_extras();
  init_command->add_option("directory", init_directory, "Where (default: here)");

  // Everything after the first `--` is exec's remote command, passed through untouched.
  std::vector<std::string> words(argv + std::min(argc, 1), argv + argc);
  auto dashdash = std::find(words.begin(), words.end(), "--");
  const bool has_remote_command = dashdash != words.end();
  if (has_remote_command) {
    exec_options.command.assign(dashdash + 1, words.end());
    words.erase(dashdash, words.end());
  }
  std::vector<std::string> reversed(words.rbegin(), words.rend());  // CLI11 wants them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    if (!app.remaining(true).empty()) {
      return report_unexpected(app, err);
    }
    CLI::App* where = deepest_parsed(&app);
    Diagnostic diagnostic{.message = e.what()};
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
        !where->get_subcommands({}).empty() && where->get_subcommands().empty()) {
      diagnostic.message =
          "'" + command_path(where) + "' needs a command: " + join(subcommand_names(where), ", ");
    }
    print_error(err, diagnostic);
    err << "Run '" << command_path(where) << " --help' for usage.\n";
    return kExitUsage;
  }
  if (!app.remaining(true).empty()) {
    return report_unexpected(app, err);
  }

  // A command after `--` belongs to exec alone: anywhere else it would be dropped silently.
  if (has_remote_command && !exec_command->parsed()) {
    CLI::App* where = deepest_parsed(&app);
    print_error(err, Diagnostic{.message = "'" + command_path(where) +
                                           "' takes no command after '--'; only 'brigade exec' "
                                           "runs one",
                                .hint = "brigade exec SELECTOR… -- COMMAND"});
    return kExitUsage;
  }
  std::optional<std::string> env;
  if (!environment.empty()) {
    env = environment;
  }
  if (list->parsed()) {
    list_options.kitchen = kitchen;
    list_options.environment = env;
    for (const auto& command : list_commands) {
      if (list->get_subcommand(command.name)->parsed()) {
        return command.run(list_options, out, err);
      }
    }
  }
  if (fix_command->parsed()) {
    fix_options.kitchen = kitchen;
    fix_options.environment = env;
    if (fix_timeout > 0) {
      fix_options.timeout = std::chrono::seconds(fix_timeout);
    }
    fix_options.batch_wait = std::chrono::seconds(batch_wait);
    return fix(fix_options, out, err);
  }
  if (exec_command->parsed()) {
    exec_options.kitchen = kitchen;
    exec_options.environment = env;
    if (exec_timeout > 0) {
      exec_options.timeout = std::chrono::seconds(exec_timeout);
    }
    return exec(exec_options, out, err);
  }
  if (ssh_config_command->parsed()) {
    ssh_config_options.kitchen = kitchen;
    return ssh_config(ssh_config_options, out, err);
  }
  if (init_command->parsed()) {
    return init(init_directory, out, err);
  }
  throw std::logic_error("run_cli: no command ran");
}

}  // namespace brigade
