#include "commands.hpp"

#include <brigade/batch_plan.hpp>
#include <brigade/deploy_engine.hpp>
#include <brigade/exit_status.hpp>
#include <brigade/hook_runner.hpp>
#include <brigade/hooks.hpp>
#include <brigade/json_file.hpp>
#include <brigade/kitchen_archive.hpp>
#include <brigade/selector.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>
#include <brigade/status_line.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>

#include <unistd.h>

#include <csignal>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>

namespace brigade {

namespace {

// "global pre hook", "post hook", … from the definition's type name.
std::string hook_kind(const std::string& type) {
  std::string kind = type.starts_with("global_") ? "global " : "";
  return kind + (type.ends_with("predeployhook") ? "pre hook" : "post hook");
}

std::string hook_arguments(const std::vector<std::string>& args) {
  if (args.size() > 6) {
    return fmt::format("({} … {} arguments)", fmt::join(args.begin(), args.begin() + 4, " "),
                       args.size());
  }
  return fmt::format("({})", fmt::join(args, " "));
}

// A global hook's node arguments, shortened for a plan.
std::string hook_arguments_preview(const std::vector<std::string>& names) {
  if (names.size() > 4) {
    return fmt::format("{} … ({} nodes)", fmt::join(names.begin(), names.begin() + 3, " "),
                       names.size());
  }
  return fmt::format("{}", fmt::join(names, " "));
}

std::string describe_result(const NodeDeployResult& node) {
  std::string text = node.name + ": ";
  switch (node.status) {
    case NodeStatus::deployed:
      text += "deployed";
      break;
    case NodeStatus::cancelled:
      text += "cancelled";
      break;
    case NodeStatus::skipped:
      text += "skipped: " + node.error;
      break;
    default:
      text += "FAILED: " + node.error;
  }
  return text + fmt::format(" ({:.1f} s{})", node.duration_s,
                            node.transferred || node.status != NodeStatus::deployed
                                ? ""
                                : ", kitchen unchanged");
}

// Progress: one line per event; on a terminal also a live status line under them (batch,
// deployed, failed, skipped, running, elapsed). Lines go to `out` when it is not the
// terminal's stdout (tests, pipes).
class ProgressPrinter : public DeployObserver {
 public:
  ProgressPrinter(std::ostream& out, bool live)
      : out_(out), live_(live), terminal_(stdout, live, live ? StatusLine(stdout).width() : 80) {}

  void batch_started(std::size_t batch, std::size_t batches, std::size_t nodes) override {
    batch_ = batch;
    batches_ = batches;
    line(
        fmt::format("Batch {} of {}: {} {}", batch, batches, nodes, nodes == 1 ? "node" : "nodes"));
  }
  void node_started(const NodeDeployResult&) override {
    ++running_;
    refresh();
  }
  void node_finished(const NodeDeployResult& node) override {
    --running_;
    ++counts_[node.status];
    line(describe_result(node));
  }
  void global_hook_started(const Hook& hook) override {
    activity_ = fmt::format("{} '{}' running", hook_kind(hook_type_name(hook.type)), hook.name);
    refresh();
  }
  void hook_finished(const std::string& node, const HookRecord& hook) override {
    if (node.empty()) {  // node hooks show in their node's line
      activity_.clear();
      line(fmt::format("{} '{}': {} ({:.1f} s)", hook_kind(hook.type), hook.name, hook.outcome(),
                       hook.duration_s));
    }
  }
  void refresh() {
    if (!live_) {
      return;
    }
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (!activity_.empty()) {  // a global hook: no node runs beside it
      terminal_.set_status(fmt::format("[{}] {:.1f} s", activity_, elapsed));
      return;
    }
    terminal_.set_status(
        fmt::format("[batch {}/{}] {} deployed, {} failed, {} skipped, {} "
                    "running, {:.1f} s",
                    batch_, batches_, counts_[NodeStatus::deployed], counts_[NodeStatus::failed],
                    counts_[NodeStatus::skipped], running_, elapsed));
  }
  void finish() { terminal_.finish(); }

 private:
  void line(const std::string& text) {
    if (live_) {
      terminal_.print_line(text);
      refresh();
    } else {
      out_ << text << '\n' << std::flush;
    }
  }

  std::ostream& out_;
  bool live_;
  StatusLine terminal_;
  std::size_t batch_ = 0;
  std::size_t batches_ = 0;
  std::size_t running_ = 0;
  std::map<NodeStatus, std::size_t> counts_;
  std::string activity_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// The run's own log, beside the nodes' logs: every event with a UTC time stamp. It decorates
// the terminal's observer, so the engine still reports to one.
class RunLog : public DeployObserver {
 public:
  RunLog(const std::string& file, DeployObserver& next)
      : logger_("run", std::make_shared<spdlog::sinks::basic_file_sink_st>(file, true)),
        next_(next) {
    logger_.set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
    logger_.flush_on(spdlog::level::info);
  }
  template <class... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) {
    logger_.info(format, std::forward<Args>(args)...);
  }
  void batch_started(std::size_t batch, std::size_t batches, std::size_t nodes) override {
    logger_.info("batch {} of {} started: {} nodes", batch, batches, nodes);
    next_.batch_started(batch, batches, nodes);
  }
  void node_started(const NodeDeployResult& node) override {
    logger_.info("{}: started (batch {})", node.name, node.batch);
    next_.node_started(node);
  }
  void node_finished(const NodeDeployResult& node) override {
    logger_.info("{}: {}{} in {:.3f} s, log {}", node.name, node_status_name(node.status),
                 node.error.empty() ? "" : " (" + node.error + ")", node.duration_s, node.log);
    next_.node_finished(node);
  }
  void hook_output(const std::string& node, const std::string& hook, bool is_stderr,
                   std::string_view line) override {
    logger_.info("{}[{}]{} {}", node.empty() ? "" : node + ": ", hook, is_stderr ? " [stderr]" : "",
                 line);
  }
  void global_hook_started(const Hook& hook) override {
    logger_.info("{} '{}' started", hook_kind(hook_type_name(hook.type)), hook.name);
    next_.global_hook_started(hook);
  }
  void hook_finished(const std::string& node, const HookRecord& hook) override {
    logger_.info("{}{} '{}' {}: {} in {:.3f} s", node.empty() ? "" : node + ": ",
                 hook_kind(hook.type), hook.name, hook_arguments(hook.args), hook.outcome(),
                 hook.duration_s);
    next_.hook_finished(node, hook);
  }

 private:
  spdlog::logger logger_;
  DeployObserver& next_;
};

// Where runs keep their logs: --log-dir, else logs/ in the kitchen.
std::filesystem::path log_root_for(const Kitchen& kitchen, const FixOptions& options) {
  return (options.log_dir.empty() ? kitchen.root / "logs" : std::filesystem::path(options.log_dir))
      .lexically_normal();
}

std::string new_run_id(const std::filesystem::path& log_root) {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &utc);
  std::string id = stamp;
  std::error_code ec;
  for (int n = 2; std::filesystem::exists(log_root / id, ec); ++n) {
    id = std::string(stamp) + "-" + std::to_string(n);
  }
  return id;
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
  RunReport report;
  report.run_id = new_run_id(log_root);
  const std::string log_dir = (log_root / report.run_id).string();
  std::error_code ec;
  std::filesystem::create_directories(log_dir, ec);
  if (ec) {
    print_error(err, Diagnostic{.file = log_dir,
                                .message = "cannot create the log directory: " + ec.message()});
    return kExitUsage;
  }
  std::filesystem::remove(log_root / "latest", ec);
  std::filesystem::create_directory_symlink(report.run_id, log_root / "latest", ec);

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
  deploy_options.parallel = options.parallel;
  deploy_options.batch_sizes = std::move(sizes);
  deploy_options.max_fail = max_fail;
  deploy_options.timeout = options.timeout;
  deploy_options.batch_wait = options.batch_wait;
  deploy_options.command = kitchen.config.deploy_command.value_or(kDefaultConvergeCommand);
  deploy_options.work_path = kitchen.config.node_work_path;
  deploy_options.log_dir = log_dir;
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
  ssh::Credentials credentials;
  prepare_credentials(credentials, *hosts);
  // The live status line only when our output is the process's stdout and it is a terminal.
  const bool live = &out == &std::cout && StatusLine(stdout).smart();
  std::cout.flush();
  ProgressPrinter printer(out, live);
  RunLog run_log(log_dir + "/run.log", printer);
  run_log.info(
      "run {} started: {} nodes in {} batches, selectors {}, kitchen {} ({} files, "
      "digest {})",
      report.run_id, selection.nodes.size(),
      plan_batches(selection.nodes.size(), deploy_options.batch_sizes).size(),
      report.selection["selectors"].dump(), display_path(kitchen.root.string()), archive->files,
      archive->digest);
  DeployEngine engine(std::move(targets), std::move(deploy_options), *archive,
                      ssh::SessionContext{&host_keys, &credentials}, run_log);

  asio::io_context context(1);
  int interrupted_by = 0;
  asio::signal_set signals(context, SIGINT, SIGTERM);
  auto on_signal = [&](const asio::error_code& e, int signal) {
    if (e) {
      return;
    }
    interrupted_by = signal;
    // A second signal must end Brigade at once even if something holds the io thread (a wedged
    // ssh-agent, or a hook that ignores TERM for its 5 s): the default action does not wait for
    // this handler to run again.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    err << "brigade: interrupted, stopping the deploys and hooks in flight (global post hooks "
           "still run; interrupt again to end at once)\n";
    run_log.info(
        "interrupted by signal {}: no node starts any more, deploys and hooks in flight are "
        "cancelled",
        signal);
    engine.interrupt(signal);
  };
  signals.async_wait(on_signal);
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
    signals.cancel();
  });
  context.run();
  printer.finish();

  // The report is written whatever happened, then the summary: failures first.
  report.finished = std::chrono::system_clock::now();
  report.batches = engine.batches();
  report.nodes = engine.results();
  report.hooks = engine.global_hooks();
  report.aborted = engine.aborted() || interrupted_by != 0 || failure != nullptr;
  report.abort_reason = engine.aborted()            ? engine.abort_reason()
                        : interrupted_by == SIGTERM ? "interrupted by SIGTERM"
                        : interrupted_by != 0       ? "interrupted by SIGINT"
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
  const std::string report_text = report.to_json().dump(2) + "\n";
  const std::string report_file = log_dir + "/report.json";
  for (const auto& file : {report_file, options.report}) {
    if (file.empty()) {
      continue;
    }
    if (auto written = write_file_atomically(file, report_text); !written) {
      print_error(err, written.error());
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
        << node.error << '\n';
    for (const auto& line : node.tail) {
      err << "    " << line << '\n';
    }
  }
  for (const auto& hook : report.hooks) {
    if (!hook.succeeded()) {
      err << "FAILED " << hook_kind(hook.type) << " '" << hook.name << "': " << hook.outcome()
          << '\n';
      for (const auto& line : hook.tail) {
        err << "    " << line << '\n';
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
  std::vector<std::string> selectors = options.selectors;
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
    std::string selector = "node:";
    for (const auto& name : *names) {
      selector += (selector.size() > 5 ? "," : "") + name;
    }
    selectors = {selector};
  }
  // Hook definitions are validated with the kitchen, before anything else happens.
  auto hooks = load_hooks(kitchen->root);
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
    resolved.selectors = selectors;
    return deploy(resolved, *kitchen, *selection, std::move(*hooks), std::move(sizes), max_fail,
                  out, err);
  }
  const auto& nodes = selection->nodes;
  const auto batches = plan_batches(nodes.size(), sizes);
  auto plural = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  out << "Plan: " << plural(nodes.size(), "node", "nodes");
  if (options.environment) {
    out << " in environment " << *options.environment;
  }
  out << ", " << plural(batches.size(), "batch", "batches") << ", at most " << options.parallel
      << " in flight";
  if (max_fail) {
    out << ", stop after more than "
        << plural(max_fail->budget(nodes.size()), "failure", "failures");
  }
  out << " (dry run, nothing is touched)\n";
  // The hooks that would run, in their order: global ones with the nodes they would be given,
  // node ones beside each node.
  auto global_hooks = [&](HookType type, const char* title, const char* leading) {
    bool first = true;
    for (const auto& hook : *hooks) {
      if (hook.type != type) {
        continue;
      }
      auto names = matching_node_names(hook, nodes);
      if (names.empty()) {
        continue;
      }
      if (std::exchange(first, false)) {
        out << title << ":\n";
      }
      out << "  " << hook.name << ": " << fmt::format("{}", fmt::join(hook.exec, " ")) << leading
          << " " << hook_arguments_preview(names) << '\n';
    }
  };
  auto node_hook_names = [&](HookType type, const Node& node) {
    std::vector<std::string> names;
    for (const Hook* hook : node_hooks(*hooks, type, node)) {
      names.push_back("'" + hook->name + "'");
    }
    return names;
  };
  global_hooks(HookType::global_predeployhook, "Global pre hooks, in order", "");
  std::size_t next = 0;
  for (std::size_t b = 0; b < batches.size(); ++b) {
    out << "Batch " << b + 1 << " of " << batches.size() << " ("
        << plural(batches[b], "node", "nodes") << "):\n";
    for (std::size_t i = 0; i < batches[b]; ++i) {
      const Node& node = *nodes[next++];
      out << "  " << node.name;
      auto pre = node_hook_names(HookType::predeployhook, node);
      auto post = node_hook_names(HookType::postdeployhook, node);
      if (!pre.empty()) {
        out << fmt::format("  pre hooks {}", fmt::join(pre, ", "));
      }
      if (!post.empty()) {
        out << fmt::format("{} post hooks {}", pre.empty() ? " " : ";", fmt::join(post, ", "));
      }
      out << '\n';
    }
  }
  global_hooks(HookType::global_postdeployhook, "Global post hooks, in order", " <exit code>");
  if (!selection->left_out.empty()) {
    out << "Left out (dummy):\n";
    for (const Node* node : selection->left_out) {
      out << "  " << node->name << '\n';
    }
  }
  return kExitSuccess;
}

}  // namespace brigade
