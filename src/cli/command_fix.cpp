#include <brigade/cli/command_setup.hpp>
#include <brigade/cli/commands.hpp>
#include <brigade/cli/fix_events.hpp>
#include <brigade/cli/fix_orders.hpp>
#include <brigade/cli/fix_plan.hpp>
#include <brigade/cli/fix_progress.hpp>
#include <brigade/cli/palette.hpp>
#include <brigade/cli/secret_prompt.hpp>
#include <brigade/cli/status_line.hpp>
#include <brigade/kitchen/hooks.hpp>
#include <brigade/kitchen/selector.hpp>
#include <brigade/run/batch_plan.hpp>
#include <brigade/run/fleet_run.hpp>
#include <brigade/run/junit_report.hpp>
#include <brigade/run/kitchen_archive.hpp>
#include <brigade/run/metrics_report.hpp>
#include <brigade/run/node_sync.hpp>
#include <brigade/run/run_plan.hpp>
#include <brigade/run/ssh_deploy.hpp>
#include <brigade/ssh/jump_hosts.hpp>
#include <brigade/ssh/remote_command.hpp>
#include <brigade/ssh/ssh_config.hpp>
#include <brigade/util/exit_status.hpp>
#include <brigade/util/fd.hpp>
#include <brigade/util/fd_budget.hpp>
#include <brigade/util/file_lock.hpp>
#include <brigade/util/json_file.hpp>
#include <brigade/util/log_file.hpp>
#include <brigade/util/secret.hpp>
#include <brigade/util/strings.hpp>
#include <brigade/util/terminal_text.hpp>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>

namespace brigade {

namespace {

// Where runs keep their logs: --log-dir, else logs/ in the kitchen.
std::filesystem::path log_root_for(const Kitchen& kitchen, const FixOptions& options) {
  return (options.log_dir.empty() ? kitchen.root / "logs" : std::filesystem::path(options.log_dir))
      .lexically_normal();
}

// The run's time stamp, UTC to the second; create_run_directory makes it unique.
std::string run_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &utc);
  return stamp;
}

// "user@host" of this controller: who a node locked by this run names as its holder.
std::string deployer_name() {
  return ssh::HostDefaults::from_environment().local_user + "@" + ssh::local_host_name();
}

bool confirmed(std::size_t count, std::ostream& err) {
  err << "Deploy to every node of the kitchen (" << plural(count, "node", "nodes") << ")? [y/N] "
      << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

// How nodes whose SSH user is not root are deployed: through sudo unless [deploy] sudo is
// off, with the password asked for now (--ask-sudo-pass) or littlechef.cfg's.
Result<SudoSettings> sudo_settings(const Kitchen& kitchen, const FixOptions& options,
                                   const std::vector<ssh::HostConfig>& hosts, std::ostream& err) {
  SudoSettings sudo;
  sudo.enabled = kitchen.config.deploy_sudo;
  const auto not_root = std::find_if(
      hosts.begin(), hosts.end(), [](const ssh::HostConfig& host) { return host.user != "root"; });
  if (!sudo.enabled || not_root == hosts.end()) {
    if (options.ask_sudo_pass) {
      print_warning(
          err, Diagnostic{.message = sudo.enabled ? "--ask-sudo-pass: every node logs in as "
                                                    "root, no sudo is used; not asking"
                                                  : "--ask-sudo-pass: [deploy] sudo is off in " +
                                                        kitchen.config.file + "; not asking"});
    }
    return sudo;
  }
  if (options.ask_sudo_pass) {
    auto password = ask_secret_on_terminal("[sudo] password for " + not_root->user +
                                           " (and the other SSH users) on the nodes: ");
    if (!password) {
      Diagnostic error = password.error();
      error.message = "--ask-sudo-pass: " + error.message;
      error.hint = "set [userinfo] password in littlechef.cfg for runs without a terminal";
      return error;
    }
    std::string line;
    line.reserve(password->size() + 1);  // one buffer: nothing of it freed unwiped
    line.append(*password).append("\n");
    wipe(*password);
    sudo.password = shared_secret(std::move(line));
  } else if (kitchen.config.password) {
    std::string line;
    line.reserve(kitchen.config.password->size() + 1);
    line.append(*kitchen.config.password).append("\n");
    sudo.password = shared_secret(std::move(line));
  }
  return sudo;
}

// encrypted_data_bag_secret's content, read once for the run; null when none is configured.
Result<std::shared_ptr<const std::string>> read_data_bag_secret(const LittleChefConfig& config) {
  if (!config.data_bag_secret) {
    return std::shared_ptr<const std::string>();
  }
  const std::string& path = *config.data_bag_secret;
  auto fail = [&](std::string message) {
    return Diagnostic{.file = config.file,
                      .line = config.data_bag_secret_line,
                      .field = "encrypted_data_bag_secret",
                      .message = std::move(message)};
  };
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return fail(fmt::format("cannot read {}: {}", display_path(path), std::strerror(errno)));
  }
  // A key file, not a data set: chef's secrets are a few hundred bytes.
  constexpr std::size_t kMaxSecret = 1 << 20;
  WipedString read;
  std::string& content = read.text;
  char buffer[8192];
  // The read buffer holds pieces of the secret: wiped whichever way this function returns.
  struct WipeBuffer {
    char* data;
    std::size_t size;
    ~WipeBuffer() { explicit_bzero(data, size); }
  } wipe_buffer{buffer, sizeof buffer};
  content.reserve(4096);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(fmt::format("cannot read {}: {}", display_path(path), std::strerror(errno)));
    }
    if (n == 0) {
      break;
    }
    content.append(buffer, static_cast<std::size_t>(n));
    if (content.size() > kMaxSecret) {
      return fail(
          fmt::format("{} is larger than 1 MiB; it is not a data bag secret", display_path(path)));
    }
  }
  if (content.empty()) {
    return fail(fmt::format("{} is empty", display_path(path)));
  }
  return shared_secret(std::move(content));
}

// The converge command with chef-solo's flags from --why-run, --debug and --loglevel: added to
// the default command; a command of the kitchen's own says where with {why_run} and
// {log_level} (replaced by nothing when the option is not given).
Result<std::string> converge_pattern(const LittleChefConfig& config, const FixOptions& options) {
  const std::string level = options.debug ? "debug" : options.log_level;
  const std::string level_flag = level.empty() ? "" : "-l " + level;  // a word from a fixed set
  const std::string why_flag = options.why_run ? "--why-run" : "";
  if (!config.deploy_command) {
    std::string command = kDefaultConvergeCommand;
    for (const auto& flag : {level_flag, why_flag}) {
      if (!flag.empty()) {
        command += " " + flag;
      }
    }
    return command;
  }
  const std::string& command = *config.deploy_command;
  auto missing = [&](const char* option, const char* placeholder) {
    return Diagnostic{
        .file = config.file,
        .field = "command",
        .message = fmt::format("{} cannot reach the converge command: it has no {} placeholder",
                               option, placeholder),
        .hint = fmt::format("put {} where chef-solo's flags go, as in 'chef-solo {} -c …'",
                            placeholder, placeholder)};
  };
  if (options.why_run && command.find("{why_run}") == std::string::npos) {
    return missing("--why-run", "{why_run}");
  }
  if (!level.empty() && command.find("{log_level}") == std::string::npos) {
    return missing(options.debug ? "--debug" : "--loglevel", "{log_level}");
  }
  return substitute_placeholders(command, {{"{why_run}", why_flag}, {"{log_level}", level_flag}});
}

// The converge command travels in the deploy's script on stdin, and runs on the node as one
// argument of its wrapper's `sh -c`: Linux takes at most 128 KiB as one argument
// (MAX_ARG_STRLEN), the wrapper included.
std::optional<Diagnostic> check_converge_command(const Kitchen& kitchen) {
  constexpr std::size_t kMaxArgument = 128 * 1024 - 1;
  const std::string converge = kitchen.config.deploy_command.value_or(kDefaultConvergeCommand);
  if (ssh::stoppable_command(converge).size() <= kMaxArgument) {
    return std::nullopt;
  }
  return Diagnostic{
      .file = kitchen.config.file,
      .field = "command",
      .message = fmt::format("the converge command is {} bytes, more than a node takes as one "
                             "command argument ({} bytes with Brigade's wrapper)",
                             converge.size(), kMaxArgument - ssh::stoppable_command("").size()),
      .hint = "put it in a script in the kitchen and run that"};
}

std::vector<std::string> names_of(const std::vector<const Node*>& nodes) {
  std::vector<std::string> names;
  for (const Node* node : nodes) {
    names.push_back(node->name);
  }
  return names;
}

std::optional<std::string> batch_by_option(const FixOptions& options) {
  return options.batch_by.empty() ? std::nullopt : std::optional<std::string>(options.batch_by);
}

// The lock of a log directory, created with it if need be.
Result<FileLock> lock_log_root(const std::filesystem::path& log_root, const LogModes& modes) {
  if (auto created = create_log_root(log_root, modes.directory); !created) {
    return created.error();
  }
  return FileLock::acquire((log_root / ".brigade.lock").string(),
                           fmt::format("brigade fix, pid {}, starting", ::getpid()));
}

// Where one run keeps its records: <log root>/<run id>/ with nodes/ and run.log, and `latest`
// pointing at it.
struct RunDirectory {
  std::string run_id;
  std::string path;
  LogFile run_log;
};

Result<RunDirectory> create_run_directory_for(const std::filesystem::path& log_root,
                                              const LogModes& modes, std::ostream& err) {
  auto run_id = create_run_directory(log_root, run_stamp(), modes.directory);
  if (!run_id) {
    return run_id.error();
  }
  const std::string path = (log_root / *run_id).string();
  if (::mkdir((path + "/nodes").c_str(), modes.directory) != 0) {
    return Diagnostic{.file = path + "/nodes",
                      .message = std::string("cannot create: ") + std::strerror(errno)};
  }
  ::chmod((path + "/nodes").c_str(), modes.directory);
  auto run_log = LogFile::create(path + "/run.log", modes.file);
  if (!run_log) {
    return run_log.error();
  }
  if (auto linked = replace_symlink(log_root / "latest", *run_id); !linked) {
    print_warning(err, linked.error());
  }
  return RunDirectory{*run_id, path, std::move(*run_log)};
}

// The selectors and options as the report records them.
nlohmann::json selection_json(const FixOptions& options) {
  auto text_or_null = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  return {{"selectors", options.selectors},
          {"environment",
           options.environment ? nlohmann::json(*options.environment) : nlohmann::json(nullptr)},
          {"parallel", options.parallel},
          {"batch_size", text_or_null(options.batch_size)},
          {"max_fail", text_or_null(options.max_fail)},
          {"batch_by", text_or_null(options.batch_by)},
          {"timeout_s",
           options.timeout ? nlohmann::json(options.timeout->count()) : nlohmann::json(nullptr)}};
}

// The kitchen's absolute path, as hooks get it (BRIGADE_KITCHEN and their working directory).
std::string absolute_kitchen_root(const Kitchen& kitchen) {
  std::filesystem::path root = std::filesystem::absolute(kitchen.root).lexically_normal();
  if (!root.has_filename()) {
    root = root.parent_path();  // given as "kitchen/"
  }
  return root.string();
}

// Drives the run with the live status line ticking on a terminal.
DrivenRun drive_fix_run(FleetRun& run, ProgressPrinter& printer, RunLog& run_log, SshSetup& ssh,
                        bool live, std::ostream& err) {
  asio::io_context context(1);
  // The elapsed time on the status line moves even when no node finishes.
  asio::steady_timer tick(context);
  bool running = true;
  std::function<void(const asio::error_code&)> on_tick = [&](const asio::error_code& e) {
    if (e || !running) {
      return;
    }
    printer.refresh();
    tick.expires_after(std::chrono::milliseconds(250));
    tick.async_wait(on_tick);
  };
  if (live) {
    tick.expires_after(std::chrono::milliseconds(250));
    tick.async_wait(on_tick);
  }
  auto announce = [&](int signal) {
    err << "brigade: interrupted, stopping the deploys and hooks in flight (global post hooks "
           "still run; interrupt again to end at once)\n";
    run_log.info(
        "interrupted by signal {}: no node starts any more, deploys and hooks in flight are "
        "cancelled",
        signal);
  };
  DrivenRun driven = drive_run(context, run, announce, [&] {
    ssh.close();
    running = false;
    tick.cancel();
  });
  printer.finish();
  return driven;
}

// The report of a run that has ended, however it ended.
RunReport make_report(const FleetRun& run, const DrivenRun& driven, const RunPlan& plan,
                      const std::vector<const Node*>& nodes) {
  RunReport report;
  report.batches = plan.batch_names(nodes);
  report.nodes = run.results();
  report.hooks = run.global_hooks();
  report.aborted = run.aborted() || driven.signal != 0 || driven.failure != nullptr;
  report.abort_reason = run.aborted()              ? run.abort_reason()
                        : driven.signal == SIGTERM ? "interrupted by SIGTERM"
                        : driven.signal == SIGHUP  ? "interrupted by SIGHUP (the terminal closed)"
                        : driven.signal != 0       ? "interrupted by SIGINT"
                        : driven.failure           ? "internal error"
                                                   : "";
  report.exit_code = driven.failure ? kExitAborted : run.exit_code();
  return report;
}

std::map<NodeStatus, std::size_t> count_statuses(const std::vector<NodeResult>& nodes) {
  std::map<NodeStatus, std::size_t> counts;
  for (const auto& node : nodes) {
    ++counts[node.status];
  }
  return counts;
}

// Writes report.json (and the --report copy); what could not be written is returned.
std::vector<Diagnostic> write_reports(const RunReport& report,
                                      const std::vector<std::string>& files, mode_t mode) {
  // Bytes that are not UTF-8 (node output in an error, a --log-dir) become U+FFFD: a report is
  // always written, never lost to an exception.
  const std::string text = report.to_json_text();
  std::vector<Diagnostic> unwritten;
  for (const auto& file : files) {
    if (file.empty()) {
      continue;
    }
    if (auto written = write_file_atomically(file, text, mode); !written) {
      unwritten.push_back(written.error());
    }
  }
  return unwritten;
}

// The summary on stderr: failed and skipped nodes with their last lines, failed hooks, why the
// run was aborted, the totals.
void print_fix_summary(const RunReport& report, const FleetRun& run, double elapsed,
                       const Palette& palette, std::ostream& err) {
  for (const auto& node : report.nodes) {
    if (node.status != NodeStatus::failed && node.status != NodeStatus::skipped) {
      continue;
    }
    err << (node.status == NodeStatus::failed ? palette.failed("FAILED")
                                              : palette.skipped("SKIPPED"))
        << " " << visible(node.name) << ": " << visible(node.reason(kConvergeCommandNoun)) << '\n';
    for (const auto& line : node.tail) {
      err << "    " << visible(line) << '\n';
    }
  }
  for (const auto& hook : report.hooks) {
    // A global post hook that returns the code it was given passes it on; it did not fail.
    const bool passed_on = hook.type == HookType::global_postdeployhook && hook.rc &&
                           !hook.args.empty() && hook.args.front() == std::to_string(*hook.rc);
    if (!hook.succeeded() && !passed_on) {
      err << palette.failed("FAILED") << " " << hook_kind(hook.type) << " '" << visible(hook.name)
          << "': " << hook.outcome() << '\n';
      for (const auto& line : hook.tail) {
        err << "    " << visible(line) << '\n';
      }
    }
  }
  if (run.aborted()) {
    err << "brigade: run aborted: " << run.abort_reason() << '\n';
  }
  // The nodes whose turn was cancelled after it began: their post hooks ran with -1 (a drained
  // node put back); the operator may want to look at each.
  std::vector<std::string> closed;
  for (const auto& node : report.nodes) {
    if (node.status == NodeStatus::cancelled &&
        std::any_of(node.hooks.begin(), node.hooks.end(), [](const HookRecord& hook) {
          return hook.type == HookType::postdeployhook && hook.ran;
        })) {
      closed.push_back(node.name);
    }
  }
  if (!closed.empty()) {
    err << "brigade: cancelled after their turn began, post hooks run with deploy code -1: "
        << visible(join_shortened(closed, 10, "nodes")) << '\n';
  }
  auto counts = count_statuses(report.nodes);
  err << fmt::format(
      "brigade: {}: {} deployed, {} failed, {} skipped, {} cancelled, {} not "
      "started in {:.1f} s\n",
      plural(report.nodes.size(), "node", "nodes"), counts[NodeStatus::deployed],
      counts[NodeStatus::failed], counts[NodeStatus::skipped], counts[NodeStatus::cancelled],
      counts[NodeStatus::not_started], elapsed);
}

}  // namespace

int deploy(const FixOptions& options, const Kitchen& kitchen, const Selection& selection,
           std::vector<Hook> hooks, std::vector<NodeCount> sizes, FailurePolicy failures,
           WarningPrinter& warnings, std::ostream& out, std::ostream& err) {
  // Everything that can be wrong is checked before the first node is touched.
  auto settings = open_ssh_settings(kitchen, warnings);
  if (!settings) {
    print_error(err, settings.error());
    return kExitUsage;
  }
  auto hosts = resolve_hosts(kitchen, *settings, selection.nodes);
  if (!hosts) {
    print_error(err, hosts.error());
    return kExitUsage;
  }
  if (auto too_long = check_converge_command(kitchen)) {
    print_error(err, *too_long);
    return kExitUsage;
  }
  auto archive = build_kitchen_archive(kitchen.root, kitchen.config.deploy_sync,
                                       kitchen.config.follow_symlinks);
  if (!archive) {
    print_error(err, archive.error());
    return kExitUsage;
  }
  // The whole fleet — node:all, node:*, or selectors that happen to cover it — is never
  // deployed by surprise: asked on a terminal, and without one only with --yes.
  const auto deployable = std::count_if(kitchen.nodes.begin(), kitchen.nodes.end(),
                                        [](const Node& node) { return !node.dummy; });
  const bool whole_fleet = static_cast<std::size_t>(deployable) == selection.nodes.size();
  if (whole_fleet && !options.yes) {
    if (!::isatty(STDIN_FILENO)) {
      print_error(err, Diagnostic{.message = fmt::format(
                                      "this selects every node of the kitchen ({}) and there "
                                      "is no terminal to ask; nothing was deployed",
                                      plural(selection.nodes.size(), "node", "nodes")),
                                  .hint = "pass --yes to deploy the whole fleet (cron lines do)"});
      return kExitUsage;
    }
    if (!confirmed(selection.nodes.size(), err)) {
      print_error(err, Diagnostic{.message = "not confirmed; nothing was deployed",
                                  .hint = "pass --yes to deploy every node without asking"});
      return kExitUsage;
    }
  }

  auto converge = converge_pattern(kitchen.config, options);
  if (!converge) {
    print_error(err, converge.error());
    return kExitUsage;
  }
  auto data_bag_secret = read_data_bag_secret(kitchen.config);
  if (!data_bag_secret) {
    print_error(err, data_bag_secret.error());
    return kExitUsage;
  }
  auto sudo = sudo_settings(kitchen, options, *hosts, err);
  if (!sudo) {
    print_error(err, sudo.error());
    return kExitUsage;
  }

  const LogModes modes = LogModes::parse(options.log_mode).value();  // checked by fix()
  const std::filesystem::path log_root = log_root_for(kitchen, options);
  // One run at a time per log directory (the kitchen's logs/ by default): two runs would
  // converge the same nodes at once and fight over logs/latest.
  auto lock = lock_log_root(log_root, modes);
  if (!lock) {
    print_error(err, lock.error());
    return kExitUsage;
  }
  auto directory = create_run_directory_for(log_root, modes, err);
  if (!directory) {
    print_error(err, directory.error());
    return kExitUsage;
  }
  if (auto described =
          lock->describe(fmt::format("brigade fix, pid {}, run {}", ::getpid(), directory->run_id));
      !described) {
    print_warning(err, described.error());
  }
  const std::string& log_dir = directory->path;
  const RunPlan plan = plan_run(selection.nodes, hooks, sizes, batch_by_option(options));
  RunOptions run_options;
  run_options.parallel = parallel_within_fd_limit(
      std::min(options.parallel, selection.nodes.size()), kFdsPerDeployNode, err);
  run_options.max_fail = failures.budget;
  run_options.stop_after_failed_batch = failures.stop_after_failed_batch;
  run_options.timeout = options.timeout;
  run_options.batch_wait = options.batch_wait;
  run_options.log_dir = log_dir;
  run_options.log_modes = modes;
  run_options.node_log_limit = kitchen.config.log_limit;
  run_options.command_noun = kConvergeCommandNoun;
  run_options.hook_environment = {.kitchen = absolute_kitchen_root(kitchen),
                                  .run_id = directory->run_id,
                                  .environment = options.environment};

  SshSetup ssh(*hosts, warnings,
               jump_limits(kitchen.config, options.jump_max_channels, options.jump_max_sessions),
               max_startups(kitchen.config, options.max_startups));
  warnings.finish();
  SshDeploy action(
      selection.nodes, *hosts, *archive, *converge, kitchen.config.node_work_path, ssh.context(),
      DeploySettings{
          .sudo = std::move(*sudo),
          .data_bag_secret = std::move(*data_bag_secret),
          .chef_solo = !kitchen.config.deploy_command.has_value(),
          .chef_solo_log = !options.no_report,
          .run_list = options.run_list.empty() ? std::nullopt : std::optional(options.run_list),
          .deployer = fmt::format("{}, run {}", deployer_name(), directory->run_id),
          .lock_wait = options.lock_wait});
  // The live status line only when our output is the process's stdout and it is a terminal.
  // With --json, stdout carries the events alone: no status line, no progress lines there.
  const bool live = !options.json && &out == &std::cout && StatusLine(stdout).smart();
  std::cout.flush();
  const ColorChoice color = parse_color_choice(options.color).value();  // checked by fix()
  ProgressPrinter printer(out, live, options.quiet || options.json,
                          Palette::for_stream(color, stdout, &out == &std::cout));
  printer.set_verbose(options.verbose && !options.json);
  JsonEvents events(out, printer);
  RunLog run_log(std::move(directory->run_log),
                 options.json ? static_cast<RunObserver&>(events) : printer);
  if (options.json) {
    events.run_started(directory->run_id, selection.nodes.size(), plan.batches.size());
  }
  const nlohmann::json selection_record = selection_json(options);
  run_log.info(
      "run {} started: {} in {}, selectors {}, kitchen {} ({} files, "
      "digest {})",
      directory->run_id, plural(selection.nodes.size(), "node", "nodes"),
      plural(plan.batches.size(), "batch", "batches"),
      selection_record["selectors"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      display_path(kitchen.root.string()), archive->files, archive->digest);
  if (!selection.left_out.empty()) {
    run_log.info("left out (dummy, never deployed): {}",
                 join_shortened(names_of(selection.left_out), 20, "nodes"));
  }
  FleetRun run(selection.nodes, plan, std::move(run_options), action, run_log);
  const auto started_at = std::chrono::system_clock::now();
  const auto started = std::chrono::steady_clock::now();
  const DrivenRun driven = drive_fix_run(run, printer, run_log, ssh, live, err);

  // The report is written whatever happened, then the summary: failures first.
  RunReport report = make_report(run, driven, plan, selection.nodes);
  report.run_id = directory->run_id;
  report.started = started_at;
  report.finished = std::chrono::system_clock::now();
  report.selection = selection_record;
  for (const Node* node : selection.left_out) {
    report.left_out.push_back(node->name);
  }
  for (const auto& host : *hosts) {
    for (const auto& hop : host.jump_hosts) {
      report.jump_hosts[host.host].push_back(hop.host + " (" + ssh::jump_host_name(hop) + ")");
    }
  }
  if (run.aborted()) {
    run_log.info("run aborted: {}", run.abort_reason());
  }
  auto counts = count_statuses(report.nodes);
  run_log.info(
      "run {} finished with exit code {}: {} deployed, {} failed, {} skipped, {} "
      "cancelled, {} not started",
      report.run_id, report.exit_code, counts[NodeStatus::deployed], counts[NodeStatus::failed],
      counts[NodeStatus::skipped], counts[NodeStatus::cancelled], counts[NodeStatus::not_started]);
  // What could not be written is said at the end and, if the run went well otherwise, makes
  // its exit status (a run is never reported as fine with its record lost).
  std::vector<Diagnostic> unwritten;
  if (auto error = run_log.close()) {
    unwritten.push_back(
        Diagnostic{.file = log_dir + "/run.log", .message = "cannot write: " + *error});
  }
  for (const auto& node : report.nodes) {
    if (!node.log_error.empty()) {
      unwritten.push_back(Diagnostic{.file = node.log, .message = node.log_error});
    }
  }
  const std::string report_file = log_dir + "/report.json";
  for (auto& problem : write_reports(report, {report_file, options.report}, modes.file)) {
    unwritten.push_back(std::move(problem));
  }
  if (!options.metrics.empty()) {
    // Read by node_exporter's own user: world-readable (node names and times, no secrets). The
    // previous file holds the nodes' last successes; one that cannot be read starts afresh.
    std::string previous;
    std::error_code ec;
    constexpr std::uintmax_t kMaxPrevious = 64 << 20;  // 64 MiB: a million nodes' lines
    if (std::filesystem::is_regular_file(options.metrics, ec) &&
        std::filesystem::file_size(options.metrics, ec) <= kMaxPrevious && !ec) {
      if (auto text = read_text_file(options.metrics)) {
        previous = std::move(*text);
      }
    }
    constexpr mode_t kMetricsMode = 0644;
    if (auto written = write_file_atomically(options.metrics, prometheus_metrics(report, previous),
                                             kMetricsMode);
        !written) {
      unwritten.push_back(written.error());
    }
  }
  if (!options.junit.empty()) {
    if (auto written = write_file_atomically(options.junit, junit_xml(report), modes.file);
        !written) {
      unwritten.push_back(written.error());
    }
  }
  // Old runs go only once this one's record is complete, and never on a bug's way out.
  if (!driven.failure && options.keep_runs > 0) {
    const Pruned pruned = prune_runs(log_root, options.keep_runs, report.run_id);
    for (const auto& problem : pruned.problems) {
      print_warning(err, problem);
    }
  }
  if (driven.failure) {
    std::rethrow_exception(driven.failure);
  }
  if (options.json) {
    events.run_finished(report);
  }
  print_fix_summary(
      report, run,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
      Palette::for_stream(color, stderr, &err == &std::cerr), err);
  if (!report.left_out.empty() && !options.quiet) {
    err << "brigade: left out (dummy, never deployed): "
        << visible(join_shortened(report.left_out, 10, "nodes")) << '\n';
  }
  if (!options.quiet) {
    err << "brigade: logs in " << display_path(log_dir) << "/, report " << display_path(report_file)
        << '\n';
  }
  for (const auto& problem : unwritten) {
    print_error(err, problem);
  }
  if (!unwritten.empty() && report.exit_code == kExitSuccess) {
    return kExitWriteFailed;
  }
  return report.exit_code;
}

// The names of the nodes the latest run did not deploy, read from its report.
Result<std::vector<std::string>> nodes_to_rerun(const Kitchen& kitchen, const FixOptions& options) {
  const std::filesystem::path log_root = log_root_for(kitchen, options);
  const std::string file = (log_root / "latest" / "report.json").string();
  auto report = read_json_file(file);
  if (!report) {
    Diagnostic error = report.error();
    error.hint = "--rerun failed needs the report of an earlier run";
    return error;
  }
  if (!report->value.contains("nodes") || !report->value["nodes"].is_array()) {
    return report->error_at({"nodes"}, "expected the list of nodes of a run report");
  }
  std::vector<std::string> names;
  for (const auto& node : report->value["nodes"]) {
    if (node.value("status", "") != "deployed" && node.contains("name") &&
        node["name"].is_string()) {
      names.push_back(node["name"].get<std::string>());
    }
  }
  return names;
}

int fix(const FixOptions& given, std::ostream& out, std::ostream& err) {
  if (given.list_orders) {
    out << fix_orders_help();
    return kExitSuccess;
  }
  FixOptions options = given;
  if (options.no_color) {
    options.color = "never";
  }
  WarningPrinter warnings(err);
  auto kitchen = open_kitchen(options.kitchen, warnings);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  auto orders = parse_fix_orders(options.selectors, *kitchen);
  if (!orders) {
    print_error(err, orders.error());
    return kExitUsage;
  }
  if (orders->ssh) {
    // LittleChef's ssh:"CMD" is brigade exec on the same nodes.
    ExecOptions exec_options;
    exec_options.kitchen = options.kitchen;
    exec_options.selectors = orders->selectors;
    exec_options.environment = options.environment;
    exec_options.parallel = options.parallel;
    exec_options.timeout = options.timeout;
    exec_options.color = options.color;
    exec_options.command = {*orders->ssh};
    exec_options.jump_max_channels = options.jump_max_channels;
    exec_options.jump_max_sessions = options.jump_max_sessions;
    exec_options.max_startups = options.max_startups;
    return exec(exec_options, out, err);
  }
  std::vector<Selector> selectors;
  for (const auto& text : orders->selectors) {
    auto selector = parse_selector(text);
    if (!selector) {
      print_error(err, selector.error());
      return kExitUsage;
    }
    selectors.push_back(std::move(*selector));
  }
  if (!options.rerun.empty()) {
    if (!selectors.empty()) {
      print_error(err, Diagnostic{.message = "--rerun failed selects the nodes itself; give no "
                                             "selector with it"});
      return kExitUsage;
    }
    auto names = nodes_to_rerun(*kitchen, options);
    if (!names) {
      print_error(err, names.error());
      return kExitUsage;
    }
    if (names->empty()) {
      err << "brigade: nothing to rerun: the latest run deployed every node\n";
      return kExitSuccess;
    }
    // The names exactly as the report holds them: never read as globs.
    selectors = {Selector{.kind = Selector::Kind::node,
                          .patterns = std::move(*names),
                          .text = "--rerun failed",
                          .exact = true}};
  }
  if (auto modes = LogModes::parse(options.log_mode); !modes) {
    print_error(err, modes.error());
    return kExitUsage;
  }
  if (auto color = parse_color_choice(options.color); !color) {
    print_error(err, color.error());
    return kExitUsage;
  }
  // Output files are replaced at the end: one that cannot be (a device such as /dev/null, a
  // directory) is said now, before any node is touched, not after the run.
  for (const auto& [option, path] :
       {std::pair{"--report", &options.report}, std::pair{"--junit", &options.junit},
        std::pair{"--metrics", &options.metrics}}) {
    std::error_code ec;
    const auto status = std::filesystem::symlink_status(*path, ec);
    if (!path->empty() && !ec && std::filesystem::exists(status) &&
        !std::filesystem::is_regular_file(status) && !std::filesystem::is_symlink(status)) {
      print_error(err, Diagnostic{.message = fmt::format("{} {}: not a regular file; give the "
                                                         "path of a file to write",
                                                         option, display_path(*path))});
      return kExitUsage;
    }
  }
  // Hook definitions are validated with the kitchen, before anything else happens.
  auto hooks = open_hooks(*kitchen, warnings);
  if (!hooks) {
    print_error(err, hooks.error());
    return kExitUsage;
  }
  auto selection = select_nodes(*kitchen, selectors, options.environment);
  if (!selection) {
    print_error(err, selection.error());
    return kExitUsage;
  }
  std::vector<NodeCount> sizes;
  if (!options.batch_size.empty()) {
    auto parsed = parse_batch_sizes(options.batch_size);
    if (!parsed) {
      print_error(err, parsed.error());
      return kExitUsage;
    }
    sizes = std::move(*parsed);
  }
  if (!options.batch_by.empty()) {
    if (auto checked = check_batch_by(options.batch_by); !checked) {
      print_error(err, checked.error());
      return kExitUsage;
    }
  }
  auto failures = parse_failure_policy(options.max_fail, sizes.size() > 1);
  if (!failures) {
    print_error(err, failures.error());
    return kExitUsage;
  }
  if (!options.dry_run) {
    FixOptions resolved = options;
    resolved.run_list = orders->run_list;
    resolved.selectors.clear();  // as the report shows them: a rerun as the names it takes
    for (const auto& selector : selectors) {
      resolved.selectors.push_back(selector.exact
                                       ? fmt::format("node:{}", fmt::join(selector.patterns, ","))
                                       : selector.text);
    }
    return deploy(resolved, *kitchen, *selection, std::move(*hooks), std::move(sizes), *failures,
                  warnings, out, err);
  }
  warnings.finish();
  FixOptions planned = options;
  planned.run_list = orders->run_list;
  print_fix_plan(out, *selection,
                 plan_run(selection->nodes, *hooks, sizes, batch_by_option(options)), *failures,
                 planned);
  return kExitSuccess;
}

}  // namespace brigade
