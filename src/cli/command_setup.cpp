#include <brigade/cli/command_setup.hpp>
#include <brigade/cli/interrupt_watch.hpp>
#include <brigade/ssh/jump_hosts.hpp>
#include <brigade/ssh/proxy_command.hpp>
#include <brigade/util/fd.hpp>

#include <asio/co_spawn.hpp>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <set>

namespace brigade {

void print_error(std::ostream& err, const Diagnostic& diagnostic) {
  err << "brigade: error: " << diagnostic.render() << '\n';
  for (const auto& more : diagnostic.also) {
    print_error(err, more);
  }
}

void print_warning(std::ostream& err, const Diagnostic& diagnostic) {
  err << "brigade: warning: " << diagnostic.render() << '\n';
}

void WarningPrinter::print(const Diagnostic& warning) {
  if (++count_ <= shown_) {
    print_warning(err_, warning);
  }
}

void WarningPrinter::finish() {
  if (finished_ || count_ <= shown_) {
    return;
  }
  finished_ = true;
  const std::size_t held = count_ - shown_;
  err_ << "brigade: warning: " << held << " more " << (held == 1 ? "warning" : "warnings")
       << " not shown (" << count_ << " in all); 'brigade list warnings' shows them all\n";
}

Result<Kitchen> load_kitchen_in_effect(const std::string& kitchen_option) {
  std::filesystem::path root;
  if (!kitchen_option.empty()) {
    root = kitchen_option;
  } else if (auto found = find_kitchen_root(".")) {
    root = *found;
  } else {
    return Diagnostic{.message = std::string("no kitchen here: no ") + kKitchenMarker +
                                 " in this directory or any parent",
                      .hint = "pass -k DIR, or create a kitchen with 'brigade init'"};
  }
  return load_kitchen(root);
}

Result<Kitchen> open_kitchen(const std::string& kitchen_option, WarningPrinter& warnings) {
  auto kitchen = load_kitchen_in_effect(kitchen_option);
  if (kitchen) {
    for (const auto& warning : kitchen->warnings) {
      warnings.print(warning);
    }
  }
  return kitchen;
}

Result<SshSettings> open_ssh_settings(const Kitchen& kitchen, WarningPrinter& warnings) {
  auto settings = load_ssh_settings(kitchen);
  if (settings) {
    for (const auto& warning : settings->warnings) {
      warnings.print(warning);
    }
  }
  return settings;
}

Result<std::vector<Hook>> open_hooks(const Kitchen& kitchen, WarningPrinter& warnings) {
  std::vector<Diagnostic> found;
  auto hooks = load_hooks(kitchen.root, &found);
  for (const auto& warning : found) {
    warnings.print(warning);
  }
  return hooks;
}

ssh::HostConfig resolve_host(const Kitchen& kitchen, const SshSettings& settings,
                             const std::string& node) {
  auto host = settings.resolve(node);
  if (!host.route_configured && kitchen.config.gateway) {
    host.proxy_jump = kitchen.config.gateway;
  }
  if (host.unusable) {
    return host;
  }
  // A ProxyCommand that cannot be made (a bad token, a name a shell would read) is refused
  // before anything runs.
  auto check_command = [](ssh::HostConfig& config, ssh::HostConfig& node, const std::string& who) {
    if (!config.proxy_command) {
      return true;
    }
    auto line = ssh::proxy_command_line(config);
    if (line) {
      return true;
    }
    node.unusable = line.error();
    node.unusable->message = who + node.unusable->message;
    return false;
  };
  if (!check_command(host, host, "") || !host.proxy_jump) {
    return host;
  }
  auto hops = ssh::resolve_jump_hosts(*host.proxy_jump, settings.config, settings.defaults);
  if (!hops) {
    host.unusable = hops.error();
    if (!host.route_configured) {
      host.unusable->file = kitchen.config.file;
      host.unusable->field = "gateway";
    }
    return host;
  }
  // A jump host that cannot be reached as configured makes its nodes unreachable too.
  for (const auto& hop : *hops) {
    if (hop.unusable) {
      host.unusable = *hop.unusable;
      host.unusable->message = "jump host '" + hop.host + "': " + host.unusable->message;
      return host;
    }
  }
  if (!hops->empty() &&
      !check_command(hops->front(), host, "jump host '" + hops->front().host + "': ")) {
    return host;
  }
  host.jump_hosts = std::move(*hops);
  return host;
}

Result<std::vector<ssh::HostConfig>> resolve_hosts(const Kitchen& kitchen,
                                                   const SshSettings& settings,
                                                   const std::vector<const Node*>& nodes) {
  std::vector<ssh::HostConfig> hosts;
  hosts.reserve(nodes.size());  // a HostConfig is ~700 bytes: no doubling's slack at 10,000
  for (const Node* node : nodes) {
    hosts.push_back(resolve_host(kitchen, settings, node->name));
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

std::size_t max_startups(const LittleChefConfig& config, std::optional<std::size_t> option) {
  return option.value_or(config.max_startups.value_or(ssh::kDefaultMaxStartups));
}

ssh::JumpLimits jump_limits(const LittleChefConfig& config, std::optional<std::size_t> channels,
                            std::optional<std::size_t> sessions) {
  ssh::JumpLimits limits;
  limits.max_channels = channels.value_or(config.jump_max_channels.value_or(limits.max_channels));
  limits.max_sessions = sessions.value_or(config.jump_max_sessions.value_or(limits.max_sessions));
  return limits;
}

namespace {

// Reads a passphrase from the terminal without echo; nullopt when there is no terminal.
std::optional<std::string> prompt_on_terminal(const std::string& prompt) {
  if (!::isatty(STDIN_FILENO)) {
    return std::nullopt;
  }
  Fd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC));
  if (!tty) {
    return std::nullopt;
  }
  termios saved{};
  ::tcgetattr(tty.get(), &saved);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
  [[maybe_unused]] auto w = ::write(tty.get(), prompt.data(), prompt.size());
  std::string answer;
  char c;
  while (::read(tty.get(), &c, 1) == 1 && c != '\n') {
    answer += c;
  }
  ::tcsetattr(tty.get(), TCSAFLUSH, &saved);
  w = ::write(tty.get(), "\n", 1);
  return answer;
}

}  // namespace

SshSetup::SshSetup(const std::vector<ssh::HostConfig>& hosts, WarningPrinter& warnings,
                   ssh::JumpLimits jump_limits, std::size_t max_startups)
    : jump_hosts_(jump_limits), startups_(max_startups) {
  // The jump hosts are hosts too: their known_hosts and keys are made ready with the nodes'.
  std::vector<ssh::HostConfig> every_host = hosts;
  std::set<std::string> hops_seen;
  for (const auto& host : hosts) {
    for (const auto& hop : host.jump_hosts) {
      if (hops_seen.insert(hop.render()).second) {
        every_host.push_back(hop);
      }
    }
  }
  for (const auto& warning : host_keys_.preload(every_host)) {
    warnings.print(warning);
  }
  std::vector<std::string> identity_files;
  for (const auto& host : every_host) {
    identity_files.insert(identity_files.end(), host.identity_files.begin(),
                          host.identity_files.end());
  }
  credentials_.prepare(identity_files, prompt_on_terminal);
  if (const char* agent_socket = std::getenv("SSH_AUTH_SOCK"); agent_socket && *agent_socket) {
    credentials_.connect_agent(agent_socket);
  }
  jump_hosts_.set_context({&host_keys_, &credentials_, &jump_hosts_});
}

DrivenRun drive_run(asio::io_context& context, FleetRun& run,
                    const std::function<void(int signal)>& announce,
                    const std::function<void()>& ended) {
  DrivenRun driven;
  InterruptWatch interrupt(context, [&](int signal) {
    announce(signal);
    run.interrupt(signal);
  });
  asio::co_spawn(context, run.run(), [&](std::exception_ptr e) {
    driven.failure = e;
    interrupt.stop();
    if (ended) {
      ended();
    }
  });
  context.run();
  driven.signal = interrupt.signal();
  return driven;
}

}  // namespace brigade
