#include "commands.hpp"
#include "fix_plan.hpp"
#include "fix_progress.hpp"
#include "interrupt_watch.hpp"

#include <brigade/batch_plan.hpp>
#include <brigade/deploy_engine.hpp>
#include <brigade/exit_status.hpp>
#include <brigade/fd_budget.hpp>
#include <brigade/hooks.hpp>
#include <brigade/json_file.hpp>
#include <brigade/kitchen_archive.hpp>
#include <brigade/log_file.hpp>
#include <brigade/selector.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>
#include <brigade/ssh/remote_command.hpp>
#include <brigade/status_line.hpp>
#include <brigade/terminal_text.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

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

bool confirmed(std::size_t count, std::ostream& err) {
  err << "Deploy to all " << count << " nodes? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace

int deploy(const FixOptions& options, const Kitchen& kitchen, const Selection& selection,
           std::vector<Hook> hooks, std::vector<NodeCount> sizes, std::optional<NodeCount> max_fail,
           std::ostream& out, std::ostream& err) {
  auto settings = open_ssh_settings(kitchen, err);
  if (!settings) {
    print_error(err, settings.error());
    return kExitUsage;
  }
  auto hosts = resolve_hosts(kitchen, *settings, selection.nodes);
  if (!hosts) {
    print_error(err, hosts.error());
    return kExitUsage;
  }
  // Everything that can be wrong is checked before the first node is touched.
  const std::string converge = kitchen.config.deploy_command.value_or(kDefaultConvergeCommand);
  // Room for the sync script and the node's work path around it in one exec request.
  constexpr std::size_t kSyncScriptRoom = 4096;
  if (ssh::stoppable_command(converge).size() + kSyncScriptRoom > ssh::kMaxExecCommand) {
    print_error(err,
                Diagnostic{.file = kitchen.config.file,
                           .field = "command",
                           .message = fmt::format(
                               "the converge command is {} bytes, more than fits in one SSH exec "
                               "request beside the sync ({} bytes)",
                               converge.size(), ssh::kMaxExecCommand - kSyncScriptRoom - 700),
                           .hint = "put it in a script in the kitchen and run that"});
    return kExitUsage;
  }
  auto archive = build_kitchen_archive(kitchen.root, kitchen.config.deploy_sync);
  if (!archive) {
    print_error(err, archive.error());
    return kExitUsage;
  }
  const bool all = std::find(options.selectors.begin(), options.selectors.end(), "node:all") !=
                   options.selectors.end();
  if (all && !options.yes && ::isatty(STDIN_FILENO) && !confirmed(selection.nodes.size(), err)) {
    print_error(err, Diagnostic{.message = "not confirmed; nothing was deployed",
                                .hint = "pass --yes to deploy every node without asking"});
    return kExitUsage;
  }

  const std::filesystem::path log_root = log_root_for(kitchen, options);
  const LogModes modes = LogModes::parse(options.log_mode).value();  // checked by fix()
  RunReport report;
  auto run_id = create_run_directory(log_root, run_stamp(), modes.directory);
  if (!run_id) {
    print_error(err, run_id.error());
    return kExitUsage;
  }
  report.run_id = *run_id;
  const std::string log_dir = (log_root / report.run_id).string();
  if (::mkdir((log_dir + "/nodes").c_str(), modes.directory) != 0) {
    print_error(err, Diagnostic{.file = log_dir + "/nodes",
                                .message = std::string("cannot create: ") + std::strerror(errno)});
    return kExitUsage;
  }
  ::chmod((log_dir + "/nodes").c_str(), modes.directory);
  auto run_log_file = LogFile::create(log_dir + "/run.log", modes.file);
  if (!run_log_file) {
    print_error(err, run_log_file.error());
    return kExitUsage;
  }
  if (auto linked = replace_symlink(log_root / "latest", report.run_id); !linked) {
    print_warning(err, linked.error());
  }

  report.started = std::chrono::system_clock::now();
  report.selection = {
      {"selectors", options.selectors},
      {"environment",
       options.environment ? nlohmann::json(*options.environment) : nlohmann::json(nullptr)},
      {"parallel", options.parallel},
      {"batch_size",
       options.batch_size.empty() ? nlohmann::json(nullptr) : nlohmann::json(options.batch_size)},
      {"max_fail",
       options.max_fail.empty() ? nlohmann::json(nullptr) : nlohmann::json(options.max_fail)},
      {"timeout_s",
       options.timeout ? nlohmann::json(options.timeout->count()) : nlohmann::json(nullptr)}};

  DeployOptions deploy_options;
  deploy_options.parallel = parallel_within_fd_limit(
      std::min(options.parallel, selection.nodes.size()), kFdsPerDeployNode, err);
  deploy_options.batch_sizes = std::move(sizes);
  deploy_options.max_fail = max_fail;
  deploy_options.timeout = options.timeout;
  deploy_options.batch_wait = options.batch_wait;
  deploy_options.command = kitchen.config.deploy_command.value_or(kDefaultConvergeCommand);
  deploy_options.work_path = kitchen.config.node_work_path;
  deploy_options.log_dir = log_dir;
  deploy_options.log_modes = modes;
  deploy_options.hooks = std::move(hooks);
  std::filesystem::path kitchen_root = std::filesystem::absolute(kitchen.root).lexically_normal();
  if (!kitchen_root.has_filename()) {
    kitchen_root = kitchen_root.parent_path();  // given as "kitchen/"
  }
  deploy_options.hook_environment = {.kitchen = kitchen_root.string(),
                                     .run_id = report.run_id,
                                     .environment = options.environment};
  std::vector<DeployTarget> targets;
  for (std::size_t i = 0; i < selection.nodes.size(); ++i) {
    targets.push_back({selection.nodes[i], (*hosts)[i]});
  }

  ssh::Libssh2Library library;
  ssh::HostKeyStore host_keys;
  prepare_host_keys(host_keys, *hosts, err);
  ssh::Credentials credentials;
  prepare_credentials(credentials, *hosts);
  // The live status line only when our output is the process's stdout and it is a terminal.
  const bool live = &out == &std::cout && StatusLine(stdout).smart();
  std::cout.flush();
  ProgressPrinter printer(out, live);
  RunLog run_log(std::move(*run_log_file), printer);
  run_log.info(
      "run {} started: {} nodes in {} batches, selectors {}, kitchen {} ({} files, "
      "digest {})",
      report.run_id, selection.nodes.size(),
      plan_batches(selection.nodes.size(), deploy_options.batch_sizes).size(),
      report.selection["selectors"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      display_path(kitchen.root.string()), archive->files, archive->digest);
  DeployEngine engine(std::move(targets), std::move(deploy_options), *archive,
                      ssh::SessionContext{&host_keys, &credentials}, run_log);

  asio::io_context context(1);
  InterruptWatch interrupt(context, [&](int signal) {
    err << "brigade: interrupted, stopping the deploys and hooks in flight (global post hooks "
           "still run; interrupt again to end at once)\n";
    run_log.info(
        "interrupted by signal {}: no node starts any more, deploys and hooks in flight are "
        "cancelled",
        signal);
    engine.interrupt(signal);
  });
  std::exception_ptr failure;
  const auto started = std::chrono::steady_clock::now();
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
  asio::co_spawn(context, engine.run(), [&](std::exception_ptr e) {
    failure = e;
    running = false;
    tick.cancel();
    interrupt.stop();
  });
  context.run();
  printer.finish();

  // The report is written whatever happened, then the summary: failures first.
  report.finished = std::chrono::system_clock::now();
  report.batches = engine.batches();
  report.nodes = engine.results();
  report.hooks = engine.global_hooks();
  report.aborted = engine.aborted() || interrupt.signal() != 0 || failure != nullptr;
  report.abort_reason = engine.aborted()                ? engine.abort_reason()
                        : interrupt.signal() == SIGTERM ? "interrupted by SIGTERM"
                        : interrupt.signal() != 0       ? "interrupted by SIGINT"
                                                        : (failure ? "internal error" : "");
  std::map<NodeStatus, std::size_t> counts;
  for (const auto& node : report.nodes) {
    ++counts[node.status];
  }
  report.exit_code = failure ? kExitAborted : engine.exit_code();
  if (engine.aborted()) {
    run_log.info("run aborted: {}", engine.abort_reason());
  }
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
  // Bytes that are not UTF-8 (node output in an error, a --log-dir) become U+FFFD: a report is
  // always written, never lost to an exception.
  const std::string report_text =
      report.to_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::string report_file = log_dir + "/report.json";
  for (const auto& file : {report_file, options.report}) {
    if (file.empty()) {
      continue;
    }
    if (auto written = write_file_atomically(file, report_text, modes.file); !written) {
      unwritten.push_back(written.error());
    }
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  for (const auto& node : report.nodes) {
    if (node.status != NodeStatus::failed && node.status != NodeStatus::skipped) {
      continue;
    }
    err << (node.status == NodeStatus::failed ? "FAILED " : "SKIPPED ") << node.name << ": "
        << visible(node.error) << '\n';
    for (const auto& line : node.tail) {
      err << "    " << visible(line) << '\n';
    }
  }
  for (const auto& hook : report.hooks) {
    // A global post hook that returns the code it was given passes it on; it did not fail.
    const bool passed_on = hook.type == hook_type_name(HookType::global_postdeployhook) &&
                           hook.rc && !hook.args.empty() &&
                           hook.args.front() == std::to_string(*hook.rc);
    if (!hook.succeeded() && !passed_on) {
      err << "FAILED " << hook_kind(hook.type) << " '" << hook.name << "': " << hook.outcome()
          << '\n';
      for (const auto& line : hook.tail) {
        err << "    " << visible(line) << '\n';
      }
    }
  }
  if (engine.aborted()) {
    err << "brigade: run aborted: " << engine.abort_reason() << '\n';
  }
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  err << fmt::format(
      "brigade: {} nodes: {} deployed, {} failed, {} skipped, {} cancelled, {} not "
      "started in {:.1f} s\n",
      report.nodes.size(), counts[NodeStatus::deployed], counts[NodeStatus::failed],
      counts[NodeStatus::skipped], counts[NodeStatus::cancelled], counts[NodeStatus::not_started],
      elapsed);
  err << "brigade: logs in " << display_path(log_dir) << "/, report " << display_path(report_file)
      << '\n';
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

int fix(const FixOptions& options, std::ostream& out, std::ostream& err) {
  auto kitchen = open_kitchen(options.kitchen, err);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  std::vector<Selector> selectors;
  for (const auto& text : options.selectors) {
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
  // Hook definitions are validated with the kitchen, before anything else happens.
  auto hooks = open_hooks(*kitchen, err);
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
  std::optional<NodeCount> max_fail;
  if (!options.max_fail.empty()) {
    auto parsed = parse_max_fail(options.max_fail);
    if (!parsed) {
      print_error(err, parsed.error());
      return kExitUsage;
    }
    max_fail = *parsed;
  }
  if (!options.dry_run) {
    FixOptions resolved = options;
    resolved.selectors.clear();  // as the report shows them: a rerun as the names it takes
    for (const auto& selector : selectors) {
      resolved.selectors.push_back(selector.exact
                                       ? fmt::format("node:{}", fmt::join(selector.patterns, ","))
                                       : selector.text);
    }
    return deploy(resolved, *kitchen, *selection, std::move(*hooks), std::move(sizes), max_fail,
                  out, err);
  }
  print_fix_plan(out, *selection, *hooks, sizes, max_fail, options);
  return kExitSuccess;
}

}  // namespace brigade
