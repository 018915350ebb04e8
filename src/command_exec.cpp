#include "commands.hpp"
#include "interrupt_watch.hpp"

#include <brigade/exit_status.hpp>
#include <brigade/fd_budget.hpp>
#include <brigade/fleet_exec.hpp>
#include <brigade/selector.hpp>
#include <brigade/spellcheck.hpp>
#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>
#include <brigade/ssh/remote_command.hpp>
#include <brigade/ssh_settings.hpp>
#include <brigade/terminal_text.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <map>

namespace brigade {

namespace {

// Prints each line as `node: line` the moment it is complete, so lines of different nodes never
// mix mid-line; stderr lines go to stderr, marked.
class ExecPrinter : public FleetExecObserver {
 public:
  ExecPrinter(std::ostream& out, std::ostream& err, bool json)
      : out_(out), err_(err), json_(json) {}

  void on_line(const std::string& node, ssh::OutputStream stream, std::string_view line) override {
    if (json_) {
      return;
    }
    if (stream == ssh::OutputStream::out) {
      out_ << node << ": " << visible(line) << '\n';
    } else {
      err_ << node << " [stderr]: " << visible(line) << '\n';
    }
  }

  void on_finished(const NodeExecResult& result) override {
    if (!json_) {
      return;
    }
    nlohmann::ordered_json object = {
        {"name", result.name},
        {"rc", result.rc ? nlohmann::json(*result.rc) : nlohmann::json(nullptr)},
        {"signal", result.signal.empty() ? nlohmann::json(nullptr) : nlohmann::json(result.signal)},
        {"stdout", result.stdout_text},
        {"stderr", result.stderr_text},
        {"error", result.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(result.error)},
        {"duration_s", std::round(result.duration_s * 1000) / 1000},
    };
    // One object per line (JSON Lines): a consumer can act on each node as it finishes.
    out_ << object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }

 private:
  std::ostream& out_;
  std::ostream& err_;
  bool json_;
};

// Reads a passphrase from the terminal without echo; nullopt when there is no terminal.
std::optional<std::string> prompt_on_terminal(const std::string& prompt) {
  if (!::isatty(STDIN_FILENO)) {
    return std::nullopt;
  }
  int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) {
    return std::nullopt;
  }
  termios saved{};
  ::tcgetattr(tty, &saved);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(tty, TCSAFLUSH, &quiet);
  [[maybe_unused]] auto w = ::write(tty, prompt.data(), prompt.size());
  std::string answer;
  char c;
  while (::read(tty, &c, 1) == 1 && c != '\n') {
    answer += c;
  }
  ::tcsetattr(tty, TCSAFLUSH, &saved);
  w = ::write(tty, "\n", 1);
  ::close(tty);
  return answer;
}

std::string describe(const NodeExecResult& r) {
  if (!r.error.empty()) {
    return std::string(ssh::failure_kind_name(*r.failure)) + ": " + r.error;
  }
  if (!r.signal.empty()) {
    return "killed by signal " + r.signal;
  }
  if (!r.rc) {
    return "not started";
  }
  return "exit " + std::to_string(*r.rc);
}

}  // namespace

Result<std::vector<ssh::HostConfig>> resolve_hosts(const Kitchen& kitchen,
                                                   const SshSettings& settings,
                                                   const std::vector<const Node*>& nodes) {
  std::vector<ssh::HostConfig> hosts;
  for (const Node* node : nodes) {
    hosts.push_back(settings.resolve(node->name));
    if (!hosts.back().proxy_jump && kitchen.config.gateway) {
      hosts.back().proxy_jump = kitchen.config.gateway;
    }
    if (hosts.back().proxy_jump) {
      return Diagnostic{.message = "node '" + node->name + "' is reached through " +
                                   *hosts.back().proxy_jump +
                                   " (ProxyJump or littlechef.cfg gateway): jump hosts are not "
                                   "supported yet"};
    }
    // A host whose settings change the route or the host-key decision in a way Brigade does
    // not implement is refused here, before any node is contacted, never reached directly.
    if (const auto& unusable = hosts.back().unusable) {
      Diagnostic refused = *unusable;
      refused.message = "node '" + node->name + "': " + refused.message;
      return refused;
    }
  }
  return hosts;
}

void prepare_host_keys(ssh::HostKeyStore& host_keys, const std::vector<ssh::HostConfig>& hosts,
                       std::ostream& err) {
  for (const auto& warning : host_keys.preload(hosts)) {
    print_warning(err, warning);
  }
}

void prepare_credentials(ssh::Credentials& credentials, const std::vector<ssh::HostConfig>& hosts) {
  std::vector<std::string> identity_files;
  for (const auto& host : hosts) {
    identity_files.insert(identity_files.end(), host.identity_files.begin(),
                          host.identity_files.end());
  }
  credentials.prepare(identity_files, prompt_on_terminal);
  if (const char* agent_socket = std::getenv("SSH_AUTH_SOCK"); agent_socket && *agent_socket) {
    credentials.connect_agent(agent_socket);
  }
}

int exec(const ExecOptions& options, std::ostream& out, std::ostream& err) {
  if (options.command.empty()) {
    print_error(err, Diagnostic{.message = "no command given",
                                .hint = "put it after '--': brigade exec node:all -- uptime"});
    return kExitUsage;
  }
  auto kitchen = open_kitchen(options.kitchen, err);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  auto selection = select_nodes(*kitchen, options.selectors, options.environment);
  if (!selection) {
    print_error(err, selection.error());
    return kExitUsage;
  }
  auto settings = open_ssh_settings(*kitchen, err);
  if (!settings) {
    print_error(err, settings.error());
    return kExitUsage;
  }
  auto hosts = resolve_hosts(*kitchen, *settings, selection->nodes);
  if (!hosts) {
    print_error(err, hosts.error());
    return kExitUsage;
  }
  std::string command;
  for (const auto& word : options.command) {
    command += (command.empty() ? "" : " ") + word;
  }
  if (const auto size = ssh::stoppable_command(command).size(); size > ssh::kMaxExecCommand) {
    print_error(err, Diagnostic{.message = fmt::format(
                                    "the command is {} bytes with Brigade's wrapper, more than "
                                    "one SSH exec request carries ({} bytes)",
                                    size, ssh::kMaxExecCommand),
                                .hint = "put it in a script on the nodes and run that"});
    return kExitUsage;
  }

  ssh::Libssh2Library library;
  ssh::HostKeyStore host_keys;
  prepare_host_keys(host_keys, *hosts, err);
  ssh::Credentials credentials;
  prepare_credentials(credentials, *hosts);

  const std::size_t parallel =
      parallel_within_fd_limit(std::min(options.parallel, hosts->size()), kFdsPerExecNode, err);
  asio::io_context context(1);
  BoundedRunner runner(parallel);
  InterruptWatch interrupt(context, [&](int) {
    err << "brigade: interrupted, stopping the commands in flight\n";
    runner.cancel();
  });

  ExecPrinter printer(out, err, options.json);
  FleetExecOptions fleet{command, parallel, options.timeout, options.json, options.pty};
  std::vector<NodeExecResult> results;
  std::exception_ptr failure;
  const auto started = std::chrono::steady_clock::now();
  asio::co_spawn(
      context,
      exec_on_fleet(*hosts, fleet, ssh::SessionContext{&host_keys, &credentials}, runner, printer),
      [&](std::exception_ptr e, std::vector<NodeExecResult> r) {
        failure = e;
        results = std::move(r);
        interrupt.stop();
      });
  context.run();
  if (failure) {
    std::rethrow_exception(failure);
  }
  out.flush();

  // Summary: failures first with their reasons, then one line of totals.
  std::size_t ok = 0;
  std::size_t not_started = 0;
  std::map<std::string, std::size_t> failed_by_kind;
  for (const auto& r : results) {
    if (r.ok()) {
      ++ok;
    } else if (!r.rc && r.error.empty() && r.signal.empty()) {
      ++not_started;
    } else {
      ++failed_by_kind[r.error.empty() ? (r.signal.empty() ? "exit status" : "signal")
                                       : ssh::failure_kind_name(*r.failure)];
    }
  }
  for (const auto& r : results) {
    if (!r.ok() && (r.rc || !r.error.empty() || !r.signal.empty())) {
      err << "FAILED " << r.name << ": " << visible(describe(r)) << '\n';
    }
  }
  std::string kinds;
  std::size_t failed = 0;
  for (const auto& [kind, count] : failed_by_kind) {
    kinds += (kinds.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
    failed += count;
  }
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  err << fmt::format("brigade: {} {}: {} ok, {} failed{}", results.size(),
                     results.size() == 1 ? "node" : "nodes", ok, failed,
                     kinds.empty() ? "" : " (" + kinds + ")");
  if (not_started > 0) {
    err << fmt::format(", {} not started", not_started);
  }
  err << fmt::format(" in {:.1f} s\n", elapsed);
  if (interrupt.signal() != 0) {
    return interrupt.exit_code();
  }
  return ok == results.size() ? kExitSuccess : kExitNodeFailed;
}

int ssh_config(const SshConfigOptions& options, std::ostream& out, std::ostream& err) {
  auto kitchen = open_kitchen(options.kitchen, err);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  auto settings = open_ssh_settings(*kitchen, err);
  if (!settings) {
    print_error(err, settings.error());
    return kExitUsage;
  }
  if (kitchen->find_node(options.node) == nullptr) {
    print_warning(
        err,
        Diagnostic{.message = "'" + options.node + "' is not a node of this kitchen",
                   .hint = did_you_mean(closest_matches(options.node, kitchen->node_names()))});
  }
  auto host = settings->resolve(options.node);
  if (!host.proxy_jump && kitchen->config.gateway) {
    host.proxy_jump = kitchen->config.gateway;
  }
  out << host.render();
  return kExitSuccess;
}

}  // namespace brigade
