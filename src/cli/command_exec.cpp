#include <brigade/cli/command_setup.hpp>
#include <brigade/cli/commands.hpp>
#include <brigade/cli/palette.hpp>
#include <brigade/kitchen/selector.hpp>
#include <brigade/run/fleet_run.hpp>
#include <brigade/run/run_plan.hpp>
#include <brigade/run/ssh_exec.hpp>
#include <brigade/ssh/remote_command.hpp>
#include <brigade/util/exit_status.hpp>
#include <brigade/util/fd_budget.hpp>
#include <brigade/util/strings.hpp>
#include <brigade/util/terminal_text.hpp>

#include <asio/io_context.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <iostream>
#include <map>

namespace brigade {

namespace {

// Prints each line as `node: line` the moment it is complete, so lines of different nodes never
// mix mid-line; stderr lines go to stderr, marked. With --json, one object per node as it
// finishes: its output is kept until then, up to `max_output` bytes a stream (whole lines, the
// first ones; 0: no bound), so memory is bounded by the nodes in flight, not by the fleet.
class ExecPrinter : public RunObserver {
 public:
  ExecPrinter(std::ostream& out, std::ostream& err, bool json, std::size_t max_output)
      : out_(out), err_(err), json_(json), max_output_(max_output) {}

  void node_output(const NodeResult& node, OutputStream stream, std::string_view line) override {
    if (json_) {
      auto& kept = output_[node.name];
      keep(stream == OutputStream::out ? kept.out : kept.err, line);
    } else if (stream == OutputStream::out) {
      out_ << node.name << ": " << visible(line) << '\n';
    } else {
      err_ << node.name << " [stderr]: " << visible(line) << '\n';
    }
  }

  void node_finished(const NodeResult& node) override {
    if (!json_) {
      return;
    }
    auto kept = output_.extract(node.name);
    print(node, true, kept.empty() ? Output{} : std::move(kept.mapped()));
  }

  /// A node the run never reached (interrupted, or aborted) still gets its line.
  void node_not_started(const NodeResult& node) {
    if (json_) {
      print(node, false, Output{});
    }
  }

 private:
  struct Stream {
    std::string text;
    std::size_t omitted = 0;  ///< bytes past the bound, not kept
  };
  struct Output {
    Stream out;
    Stream err;
  };

  void keep(Stream& stream, std::string_view line) const {
    const std::size_t size = line.size() + 1;
    if (stream.omitted == 0 && (max_output_ == 0 || stream.text.size() + size <= max_output_)) {
      stream.text.append(line);
      stream.text += '\n';
    } else {
      stream.omitted += size;  // once a line is left out, so is the rest: the text is a prefix
    }
  }

  void print(const NodeResult& node, bool started, const Output& output) {
    nlohmann::ordered_json object = {
        {"name", node.name},
        {"started", started},
        {"rc", node.rc ? nlohmann::json(*node.rc) : nlohmann::json(nullptr)},
        {"signal", node.signal.empty() ? nlohmann::json(nullptr) : nlohmann::json(node.signal)},
        {"stdout", output.out.text},
        {"stderr", output.err.text},
        {"stdout_omitted", output.out.omitted},
        {"stderr_omitted", output.err.omitted},
        {"error", node.failure ? nlohmann::json(node.error)
                  : started    ? nlohmann::json(nullptr)
                               : nlohmann::json("not started: the run was stopped first")},
        {"duration_s", std::round(node.duration_s * 1000) / 1000},
    };
    // One object per line (JSON Lines): a consumer can act on each node as it finishes.
    out_ << object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }

  std::ostream& out_;
  std::ostream& err_;
  bool json_;
  std::size_t max_output_;
  std::map<std::string, Output> output_;
};

// Why a node did not return 0, as the summary says it.
std::string describe(const NodeResult& node) {
  if (node.failure) {
    return std::string(failure_kind_name(*node.failure)) + ": " + node.error;
  }
  if (!node.signal.empty()) {
    return "killed by signal " + node.signal;
  }
  return "exit " + std::to_string(node.rc.value_or(-1));
}

// The summary: failures first with their reasons, then one line of totals.
void print_exec_summary(const std::vector<NodeResult>& results, double elapsed,
                        const Palette& palette, std::ostream& err) {
  std::size_t ok = 0;
  std::size_t not_started = 0;
  std::map<std::string, std::size_t> failed_by_kind;
  for (const auto& node : results) {
    if (node.status == NodeStatus::deployed) {
      ++ok;
    } else if (node.status == NodeStatus::not_started) {
      ++not_started;
    } else {
      ++failed_by_kind[node.failure          ? failure_kind_name(*node.failure)
                       : node.signal.empty() ? "exit status"
                                             : "signal"];
      err << palette.failed("FAILED") << " " << visible(node.name) << ": "
          << visible(describe(node)) << '\n';
    }
  }
  std::string kinds;
  std::size_t failed = 0;
  for (const auto& [kind, count] : failed_by_kind) {
    kinds += (kinds.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
    failed += count;
  }
  err << fmt::format("brigade: {} {}: {} ok, {} failed{}", results.size(),
                     results.size() == 1 ? "node" : "nodes", ok, failed,
                     kinds.empty() ? "" : " (" + kinds + ")");
  if (not_started > 0) {
    err << fmt::format(", {} not started", not_started);
  }
  err << fmt::format(" in {:.1f} s\n", elapsed);
}

}  // namespace

int exec(const ExecOptions& options, std::ostream& out, std::ostream& err) {
  if (options.command.empty()) {
    print_error(err, Diagnostic{.message = "no command given",
                                .hint = "put it after '--': brigade exec node:all -- uptime"});
    return kExitUsage;
  }
  WarningPrinter warnings(err);
  auto color = parse_color_choice(options.color);
  if (!color) {
    print_error(err, color.error());
    return kExitUsage;
  }
  auto kitchen = open_kitchen(options.kitchen, warnings);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  auto selection = select_nodes(*kitchen, options.selectors, options.environment, "nothing to run");
  if (!selection) {
    print_error(err, selection.error());
    return kExitUsage;
  }
  auto settings = open_ssh_settings(*kitchen, warnings);
  if (!settings) {
    print_error(err, settings.error());
    return kExitUsage;
  }
  auto hosts = resolve_hosts(*kitchen, *settings, selection->nodes);
  if (!hosts) {
    print_error(err, hosts.error());
    return kExitUsage;
  }
  const std::string command = join(options.command, " ");
  if (const auto size = ssh::stoppable_command(command).size(); size > ssh::kMaxExecCommand) {
    print_error(err, Diagnostic{.message = fmt::format(
                                    "the command is {} bytes with Brigade's wrapper, more than "
                                    "one SSH exec request carries ({} bytes)",
                                    size, ssh::kMaxExecCommand),
                                .hint = "put it in a script on the nodes and run that"});
    return kExitUsage;
  }

  SshSetup ssh(*hosts, warnings,
               jump_limits(kitchen->config, options.jump_max_channels, options.jump_max_sessions),
               max_startups(kitchen->config, options.max_startups));
  warnings.finish();
  RunOptions run_options;
  run_options.parallel =
      parallel_within_fd_limit(std::min(options.parallel, hosts->size()), kFdsPerExecNode, err);
  run_options.timeout = options.timeout;
  const std::vector<Hook> no_hooks;
  const RunPlan plan = plan_run(selection->nodes, no_hooks, {});
  SshExec action(*hosts, command, options.pty, ssh.context());
  ExecPrinter printer(out, err, options.json, options.json_max_output);
  FleetRun run(selection->nodes, plan, run_options, action, printer);

  asio::io_context context(1);
  const auto started = std::chrono::steady_clock::now();
  const DrivenRun driven = drive_run(
      context, run, [&](int) { err << "brigade: interrupted, stopping the commands in flight\n"; },
      [&] { ssh.close(); });
  if (driven.failure) {
    std::rethrow_exception(driven.failure);
  }
  for (const auto& node : run.results()) {
    if (node.status == NodeStatus::not_started) {
      printer.node_not_started(node);
    }
  }
  out.flush();
  print_exec_summary(
      run.results(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
      Palette::for_stream(*color, stderr, &err == &std::cerr), err);
  return run.exit_code();
}

}  // namespace brigade
