#include <brigade/cli/cli.hpp>
#include <brigade/cli/command_setup.hpp>
#include <brigade/cli/commands.hpp>
#include <brigade/cli/help_format.hpp>
#include <brigade/cli/version.hpp>
#include <brigade/kitchen/hooks.hpp>
#include <brigade/util/exit_status.hpp>
#include <brigade/util/spellcheck.hpp>
#include <brigade/util/strings.hpp>

#include <CLI/CLI.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>

namespace brigade {

namespace {

void add_kitchen_option(CLI::App* app, std::string& kitchen) {
  app->add_option("-k,--kitchen", kitchen,
                  "Kitchen directory (default: the nearest directory upwards with littlechef.cfg)")
      ->option_text("DIR");
}

// The caps on what one jump host carries, for the commands that reach nodes.
void add_jump_options(CLI::App* command, std::optional<std::size_t>& channels,
                      std::optional<std::size_t>& sessions) {
  command
      ->add_option("--jump-max-channels", channels,
                   "Nodes one session to a jump host carries at once (default 64, or "
                   "littlechef.cfg [connection] jump_max_channels)")
      ->check(CLI::Range(1, 10000).description(""))
      ->option_text("N");
  command
      ->add_option("--jump-max-sessions", sessions,
                   "Sessions to one jump host, opened one at a time when one is full (default 4, "
                   "or littlechef.cfg [connection] jump_max_sessions)")
      ->check(CLI::Range(1, 1000).description(""))
      ->option_text("N");
}

// How many connections are set up at once, for the commands that reach nodes.
void add_startup_option(CLI::App* command, std::optional<std::size_t>& startups) {
  command
      ->add_option("--max-startups", startups,
                   "Connections being set up (connect, handshake, authentication) at once, of "
                   "the nodes in flight (default 128, or littlechef.cfg [connection] "
                   "max_startups)")
      ->check(CLI::Range(1, 10000).description(""))
      ->option_text("N");
}

// Help is wrapped to the terminal it is shown on, within reason; to 80 columns elsewhere.
std::size_t help_width() {
  winsize size{};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 &&
      size.ws_col > 0) {
    return std::clamp<std::size_t>(size.ws_col, 60, 100);
  }
  return 80;
}

// The same for every command, as the README's table says.
constexpr const char* kExitStatusFooter = R"(Exit status:
  0    success
  1    a node failed or was skipped
  2    bad command line or kitchen; no node was touched
  3    a global pre hook failed; no node was deployed
  4    the run was aborted: a failed batch of a staged rollout, --max-fail,
       a gate or a node post hook
  5    every node deployed, but a log or the report could not be written,
       or standard output could not be written to
  130  interrupted by SIGINT (143: by SIGTERM, 129: by SIGHUP)
  70   a bug in Brigade (please report it))";

constexpr const char* kFixFooter = R"(Examples:
  brigade fix node:web01.example.com
  brigade fix 'nodes_with_role:web*' --batch-size 1,10,25% --batch-wait 60
  brigade fix node:all --batch-by rack --batch-size 5 --dry-run
  brigade fix node:all --yes --quiet            # nightly, from cron
  brigade fix --rerun failed)";

constexpr const char* kExecFooter =
    R"(The command is everything after '--'; it runs through the remote user's shell.

Examples:
  brigade exec node:all -- uptime
  brigade exec 'nodes_with_role:db*' --parallel 8 --json -- 'df -h /var'

Exit status:
  0    the command returned 0 on every node
  1    it failed on a node, or a node could not be reached
  2    bad command line or kitchen; no node was touched
  130  interrupted by SIGINT (143: by SIGTERM, 129: by SIGHUP))";

constexpr const char* kListFooter = R"(Examples:
  brigade list nodes 'nodes_with_role:web*' --env production
  brigade list hooks --json
  brigade list warnings)";

constexpr const char* kMainFooter =
    R"(Run 'brigade help COMMAND' or 'brigade COMMAND --help' for a command's options.

Examples:
  brigade init mykitchen
  brigade list nodes
  brigade fix 'nodes_with_role:web*' --batch-size 1,10,25%
  brigade exec node:all -- uptime)";

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

namespace {

// "brigade 0.1.0", and what git says of the checkout it was built from, if it was.
std::string version_text() {
  const std::string describe = BRIGADE_GIT_DESCRIBE;
  return std::string("brigade ") + BRIGADE_VERSION +
         (describe.empty() ? "" : " (git " + describe + ")");
}

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"Brigade: deploy a LittleChef kitchen to a fleet over SSH, in parallel batches."};
  app.name("brigade");
  // Before any subcommand is added: they copy the formatter.
  app.formatter(std::make_shared<HelpFormatter>(help_width()));
  app.get_formatter()->label("Positionals", "Arguments");
  app.set_help_flag("-h,--help", "Show this help");
  app.footer(kMainFooter);
  app.set_version_flag("--version", version_text(), "Show the version");
  app.require_subcommand(1);
  app.allow_extras();
  std::string kitchen;
  add_kitchen_option(&app, kitchen);

  ListOptions list_options;
  CLI::App* list = app.add_subcommand(
      "list", "List the kitchen's nodes, roles, environments, hooks or warnings");
  list->footer(kListFooter);
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
      {"warnings", "Every warning about the kitchen, its hooks and its ssh_config", list_warnings},
  };
  std::string environment;
  for (const auto& command : list_commands) {
    CLI::App* sub = list->add_subcommand(command.name, command.help);
    sub->group("Commands");
    sub->allow_extras();
    add_kitchen_option(sub, kitchen);
    sub->add_flag("--json", list_options.json, "Print JSON instead of a table");
    if (std::string(command.name) == "nodes") {
      sub->add_option("selectors", list_options.selectors,
                      "Selectors, as for fix (default: every node, dummies included)")
          ->option_text("SELECTOR…");
      sub->add_option("-E,--env", environment, "Only nodes in this chef_environment")
          ->option_text("ENV");
    }
  }

  FixOptions fix_options;
  CLI::App* fix_command = app.add_subcommand(
      "fix", "Deploy the selected nodes in batches, with the kitchen's hooks around them");
  fix_command->allow_extras();
  add_jump_options(fix_command, fix_options.jump_max_channels, fix_options.jump_max_sessions);
  add_startup_option(fix_command, fix_options.max_startups);
  fix_command->footer(std::string(kFixFooter) + "\n\n" + kExitStatusFooter);
  add_kitchen_option(fix_command, kitchen);
  fix_command
      ->add_option("selectors", fix_options.selectors,
                   "node:NAME[,NAME…], node:all, nodes_with_role:PATTERN, "
                   "nodes_with_recipe:PATTERN, nodes_with_tag:TAG; several give their union. "
                   "Then LittleChef's orders: role:NAME, recipe:NAME, ssh:CMD (see -l)")
      ->option_text("SELECTOR…");
  fix_command->add_option("-e,-E,--env", environment, "Only nodes in this chef_environment")
      ->option_text("ENV");
  fix_command->add_flag("-n,--dry-run", fix_options.dry_run,
                        "Print the plan and its hooks; touch no node");
  fix_command
      ->add_option("-p,-c,--parallel,--concurrency", fix_options.parallel,
                   "Nodes in flight at once (default 16; -c, --concurrency as in LittleChef)")
      ->default_val(16)
      ->check(CLI::Range(1, 100000).description(""))
      ->option_text("N");
  fix_command
      ->add_option("-b,--batch-size", fix_options.batch_size,
                   "Batch sizes: 10, 25% or a staged list 1,10,25% (default: one batch)")
      ->option_text("SPEC");
  fix_command
      ->add_option("--max-fail", fix_options.max_fail,
                   "Failures allowed before no further node starts: 3, 10%, or none "
                   "(default: a staged rollout stops after a batch with a failure)")
      ->option_text("SPEC");
  int fix_timeout = 0;
  fix_command
      ->add_option("-t,--timeout", fix_timeout,
                   "Seconds a node's deploy may take; then it is stopped and fails")
      ->check(CLI::Range(1, 86400 * 7).description(""))
      ->option_text("S");
  fix_command
      ->add_option("--batch-by", fix_options.batch_by,
                   "Failure domains: no batch mixes nodes of two values of this node "
                   "attribute (rack, ec2.placement.availability_zone)")
      ->option_text("ATTR");
  int batch_wait = 0;
  fix_command->add_option("--batch-wait", batch_wait, "Seconds to pause between batches")
      ->check(CLI::Range(0, 86400).description(""))
      ->option_text("S");
  fix_command
      ->add_option("--log-dir", fix_options.log_dir,
                   "Where run logs go (default: logs/ in the kitchen)")
      ->option_text("DIR");
  fix_command
      ->add_option("--junit", fix_options.junit,
                   "Also write the report as JUnit XML here (a testcase per node and per hook, "
                   "for Jenkins and GitLab)")
      ->option_text("FILE");
  fix_command->add_flag("--json", fix_options.json,
                        "Print the run as JSON events on stdout, one a line (run, batches, "
                        "nodes, hooks); the summary stays on stderr");
  fix_command
      ->add_option("--metrics", fix_options.metrics,
                   "Write Prometheus metrics here for node_exporter's textfile collector (each "
                   "node's last success kept across runs)")
      ->option_text("FILE");
  fix_command->add_option("--report", fix_options.report, "Also write the report here")
      ->option_text("FILE");
  fix_command
      ->add_option("--lock-wait", fix_options.lock_wait,
                   "Wait up to S seconds for a node another deploy holds (its lock on the "
                   "node) instead of failing it at once as busy")
      ->check(CLI::Range(0, 86400).description(""))
      ->option_text("S");
  fix_command
      ->add_option("--keep-runs", fix_options.keep_runs,
                   "Run directories kept under the log directory, this one included; older "
                   "ones are removed after the report is written (0: keep all; default 30)")
      ->check(CLI::Range(0, 1000000).description(""))
      ->option_text("N");
  fix_command
      ->add_option("--log-mode", fix_options.log_mode,
                   "Mode of the logs and reports, octal (default 0600; directories get x "
                   "where r is set: 0640 gives 0750)")
      ->option_text("MODE");
  fix_command->add_flag("-y,--yes", fix_options.yes,
                        "Deploy the whole fleet without asking (needed without a terminal)");
  fix_command->add_flag("--ask-sudo-pass", fix_options.ask_sudo_pass,
                        "Ask for the sudo password on the terminal before any node is contacted "
                        "(for SSH users other than root; instead of [userinfo] password)");
  fix_command->add_flag("--why-run", fix_options.why_run,
                        "chef-solo in why-run mode: says what it would change, changes nothing "
                        "(a converge command of the kitchen's own needs {why_run})");
  fix_command->add_flag("-d,--debug", fix_options.debug, "chef-solo's log level debug");
  fix_command
      ->add_option("--loglevel", fix_options.log_level,
                   "chef-solo's log level: auto, trace, debug, info, warn, error or fatal (a "
                   "converge command of the kitchen's own needs {log_level})")
      ->check(CLI::IsMember({"auto", "trace", "debug", "info", "warn", "error", "fatal"})
                  .description(""))
      ->option_text("LEVEL");
  fix_command->add_flag("--no-color", fix_options.no_color, "The same as --color never");
  fix_command->add_flag("-V,--verbose", fix_options.verbose,
                        "Print every line the nodes' converge commands print, as it comes, "
                        "after the node's name (always in the node logs)");
  fix_command->add_flag("-l,--list", fix_options.list_orders,
                        "List the selectors and orders fix understands, and exit");
  fix_command->set_version_flag("-v,--version", version_text(),
                                "Show the version (as LittleChef's fix -v)");
  fix_command->add_flag("--no-report", fix_options.no_report,
                        "With the default chef-solo command, keep no copy of its output on the "
                        "node (/var/log/chef/solo.log)");
  fix_command->add_flag("-q,--quiet", fix_options.quiet,
                        "Print only the failures and the totals line (for cron mail)");
  fix_command
      ->add_option("--color", fix_options.color,
                   "Colour FAILED, SKIPPED and deployed: auto (on a terminal, unless NO_COLOR is "
                   "set or TERM=dumb), always or never")
      ->option_text("WHEN");
  fix_command
      ->add_option("--rerun", fix_options.rerun,
                   "'failed': the nodes the latest run did not deploy (failed, skipped, "
                   "cancelled, not started)")
      ->check(CLI::IsMember({"failed"}).description(""))
      ->option_text("failed");

  ExecOptions exec_options;
  CLI::App* exec_command = app.add_subcommand(
      "exec", "Run a command on the selected nodes: brigade exec SELECTOR… -- CMD");
  exec_command->allow_extras();
  add_kitchen_option(exec_command, kitchen);
  exec_command->add_option("selectors", exec_options.selectors, "Selectors, as for fix")
      ->option_text("SELECTOR…");
  exec_command->add_option("-E,--env", environment, "Only nodes in this chef_environment")
      ->option_text("ENV");
  exec_command
      ->add_option("-p,--parallel", exec_options.parallel, "Nodes in flight at once (default 32)")
      ->default_val(32)
      ->check(CLI::Range(1, 100000).description(""))
      ->option_text("N");
  int exec_timeout = 0;
  exec_command
      ->add_option("-t,--timeout", exec_timeout,
                   "Seconds a node may take, connecting included; then it is stopped")
      ->check(CLI::Range(1, 86400 * 7).description(""))
      ->option_text("S");
  exec_command->add_flag("--json", exec_options.json,
                         "One JSON object per node as it finishes (name, started, rc, signal, "
                         "stdout, stderr, stdout_omitted, stderr_omitted, error, duration_s) "
                         "instead of prefixed lines");
  exec_command
      ->add_option("--json-max-output", exec_options.json_max_output,
                   "With --json, bytes of stdout and of stderr kept per node (default 1M; K, M "
                   "and G suffixes; 0: all): whole lines, the first ones")
      ->transform(CLI::AsSizeValue(false))
      ->option_text("SIZE");
  exec_command->add_flag("--pty", exec_options.pty,
                         "Run the command on a terminal (stderr merges into stdout, as ssh -t)");
  exec_command
      ->add_option("--color", exec_options.color,
                   "Colour FAILED in the summary: auto (on a terminal, unless NO_COLOR is set or "
                   "TERM=dumb), always or never")
      ->option_text("WHEN");
  add_jump_options(exec_command, exec_options.jump_max_channels, exec_options.jump_max_sessions);
  add_startup_option(exec_command, exec_options.max_startups);
  exec_command->footer(kExecFooter);

  SshConfigOptions ssh_config_options;
  CLI::App* ssh_config_command =
      app.add_subcommand("ssh-config", "Print the SSH settings resolved for a node, like ssh -G");
  ssh_config_command->allow_extras();
  add_kitchen_option(ssh_config_command, kitchen);
  ssh_config_command->add_option("node", ssh_config_options.node, "The node")
      ->required()
      ->option_text("NODE");
  ssh_config_command->footer(R"(Example:
  brigade ssh-config web01.example.com | grep -i -e ^hostname -e ^proxyjump)");

  std::string init_directory;
  CLI::App* init_command = app.add_subcommand("init", "Create a new kitchen skeleton");
  init_command->allow_extras();
  init_command->add_option("directory", init_directory, "Where (default: here)")
      ->option_text("DIR");
  init_command->footer(R"(Example:
  brigade init mykitchen && cd mykitchen && brigade list nodes)");
  CompleteOptions complete_options;
  CLI::App* complete_command =
      app.add_subcommand("complete", "Names for shell completion: brigade complete nodes web");
  add_kitchen_option(complete_command, kitchen);
  complete_command
      ->add_option("what", complete_options.what,
                   "nodes, roles, recipes, tags or environments of the kitchen")
      ->required()
      ->check(CLI::IsMember({"nodes", "roles", "recipes", "tags", "environments"}).description(""))
      ->option_text("WHAT");
  complete_command->add_option("prefix", complete_options.prefix, "Only names that start so")
      ->option_text("PREFIX");
  app.add_subcommand("help", "Show a command's help: brigade help fix");
  for (CLI::App* sub : app.get_subcommands({})) {
    sub->group("Commands");
  }

  // Everything after the first `--` is exec's remote command, passed through untouched.
  std::vector<std::string> words(argv + std::min(argc, 1), argv + argc);
  // Installed under LittleChef's name (a `fix` symlink first on PATH), it is `brigade fix`:
  // the scripts that call `fix node:… role:…` keep working.
  if (argc > 0 && std::filesystem::path(argv[0]).filename() == "fix") {
    words.insert(words.begin(), "fix");
  }
  // `brigade help [COMMAND…]` is `brigade [COMMAND…] --help`, for commands that exist.
  if (!words.empty() && words.front() == "help") {
    CLI::App* where = &app;
    for (std::size_t i = 1; i < words.size(); ++i) {
      CLI::App* sub = nullptr;
      for (CLI::App* candidate : where->get_subcommands({})) {
        if (candidate->get_name() == words[i] && candidate->get_name() != "help") {
          sub = candidate;
        }
      }
      if (sub == nullptr) {
        print_error(err, Diagnostic{.message = "no help for '" + words[i] +
                                               "': not a command of '" + command_path(where) + "'",
                                    .hint = did_you_mean(
                                        closest_matches(words[i], subcommand_names(where), 1))});
        err << "Run '" << command_path(where) << " --help' for its commands.\n";
        return kExitUsage;
      }
      where = sub;
    }
    words.erase(words.begin());
    words.push_back("--help");
  }
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
  if (complete_command->parsed()) {
    complete_options.kitchen = kitchen;
    return complete(complete_options, out, err);
  }
  throw std::logic_error("run_cli: no command ran");
}

}  // namespace brigade
