#include "kitchen_exchange.hpp"

#include <brigade/run/node_script.hpp>
#include <brigade/run/node_sync.hpp>
#include <brigade/ssh/remote_command.hpp>
#include <brigade/ssh/ssh_error.hpp>
#include <brigade/util/last_lines.hpp>
#include <brigade/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace brigade {

std::string node_work_path(const std::string& pattern, const std::string& node) {
  return substitute_placeholders(pattern, {{"{node}", node}});
}

std::string node_json(const Node& node, const std::vector<RunListEntry>* run_list) {
  nlohmann::json data = node.data.is_object() ? node.data : nlohmann::json::object();
  data["name"] = node.name;
  data["chef_environment"] = node.chef_environment;
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& entry : run_list != nullptr ? *run_list : node.run_list) {
    entries.push_back(entry.text());
  }
  data["run_list"] = entries;
  return data.dump(2) + "\n";
}

std::string solo_rb(const std::string& work_path, const std::string& environment,
                    bool data_bag_secret) {
  // Ruby single-quoted strings: only \ and ' need escaping.
  auto quoted = [](const std::string& text) {
    std::string out = "'";
    for (char c : text) {
      if (c == '\\' || c == '\'') {
        out += '\\';
      }
      out += c;
    }
    return out + "'";
  };
  auto under = [&](const char* sub) { return quoted(work_path + "/" + sub); };
  return fmt::format(
      "# Written by brigade for chef-solo.\n"
      "file_cache_path {}\n"
      "cookbook_path [{}, {}]\n"
      "role_path {}\n"
      "data_bag_path {}\n"
      "environment_path {}\n"
      "environment {}\n{}",
      under("cache"), under("cookbooks"), under("site-cookbooks"), under("roles"),
      under("data_bags"), under("environments"), quoted(environment),
      data_bag_secret ? fmt::format("encrypted_data_bag_secret {}\n", quoted(kDataBagSecretPath))
                      : std::string());
}

namespace {

// The prompt sudo -S prints (-p) when it wants the password: a line of its own on stderr. Fixed,
// like the rest of the command line, which every user of the node can read.
constexpr const char* kSudoPrompt = "brigade-node: sudo password";

// Passes the node's lines to the log, except the script's own markers, which it notes; keeps
// the sync's stderr for an error message.
class ConvergeSink : public ssh::OutputSink {
 public:
  ConvergeSink(NodeOutput& log, const NodeMarkers& markers, const KitchenExchange& exchange)
      : markers_(markers), log_(log), exchange_(exchange) {}
  void on_line(ssh::OutputStream stream, std::string_view line) override {
    const bool ours = stream == ssh::OutputStream::out && line.starts_with(markers_.prefix);
    if (stream == ssh::OutputStream::out && !running && line == kNodeReady) {
      return;  // the bootstrap runs; its script is on its way
    }
    if (ours && !running && line == markers_.running()) {
      running = true;
      return;
    }
    if (stream == ssh::OutputStream::err && !running) {
      before_running.add(line);  // sudo's words, when it refuses
    }
    if (ours && line.starts_with(markers_.refuse())) {
      refusal = std::string(line.substr(markers_.refuse().size()));
      return;
    }
    if (ours && line.starts_with(markers_.waiting())) {
      log_.note("the node is locked by another deploy (" +
                std::string(line.substr(markers_.waiting().size())) + "); waiting for it");
      return;
    }
    if (ours && line.starts_with(markers_.edited())) {
      log_.note("the node's kitchen was changed since it was deployed (" +
                std::string(line.substr(markers_.edited().size())) +
                "): a change is not applied to it");
      return;
    }
    if (ours && line.starts_with(markers_.unlinked())) {
      log_.note("the node cannot copy its kitchen with links to its files (cp -al: " +
                std::string(line.substr(markers_.unlinked().size())) +
                "): a change cannot be applied there, the kitchen is sent whole");
      return;
    }
    if (ours && line == markers_.secret_failed()) {
      secret_failed = true;
      return;
    }
    if (stream == ssh::OutputStream::err && !secret_failed) {
      before_converge.add(line);  // the tools' words, when the secret cannot be put in place
    }
    if (ours && !syncing_over) {
      if (line == markers_.kitchen_unpacked()) {
        transferred = true;
        syncing_over = true;
        log_.note(exchange_.sent());
        return;
      }
      if (line == markers_.sync_failed()) {
        sync_failed = true;
        syncing_over = true;
        return;
      }
    }
    if (stream == ssh::OutputStream::err && (!syncing_over || sync_failed)) {
      // The tools' last words, for the error (bounded: with a current kitchen the sync never
      // says it is over, and this is the converge command's stderr). After a failure the node
      // runs nothing more, and stderr may still bring lines written before the marker (the two
      // streams are not ordered against each other).
      sync_errors.add(line);
    }
    log_.on_line(stream, line);
  }
  bool running = false;
  bool syncing_over = false;
  bool transferred = false;
  bool sync_failed = false;
  bool secret_failed = false;
  std::optional<std::string> refusal;  ///< "<kind> <text>"
  LastLines sync_errors{10};
  LastLines before_running{10};
  LastLines before_converge{10};

 private:
  const NodeMarkers& markers_;
  NodeOutput& log_;
  const KitchenExchange& exchange_;
};

// Why the node's script refused the node, in words that say what to do.
NodeError refusal_error(const std::string& refusal, const std::string& work_path,
                        const std::string& ssh_user) {
  const auto space = refusal.find(' ');
  const std::string kind = refusal.substr(0, space);
  std::string text = space == std::string::npos ? std::string() : refusal.substr(space + 1);
  if (kind == "unsafe") {
    std::string paths;
    std::vector<std::string> seen;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = std::min(text.find('\t', start), text.size());
      std::string path = text.substr(start, end - start);
      if (path.ends_with("/.")) {
        path.resize(path.size() - 2);  // the work path itself, as the check names it
      }
      if (!path.empty() && std::find(seen.begin(), seen.end(), path) == seen.end()) {
        paths += (paths.empty() ? "" : ", ") + path;
        seen.push_back(std::move(path));
      }
      start = end + 1;
    }
    return NodeError(
        FailureKind::unsafe,
        fmt::format("refused to deploy into {}: {} must be a directory (not a link) owned by {} "
                    "and writable by no one else (a sticky directory such as /tmp may be "
                    "writable by all above the work path); another user of the node could "
                    "otherwise replace the kitchen that the converge runs. Remove it, make it "
                    "so (chown root, chmod go-w: a directory LittleChef made under a umask of "
                    "002 is group-writable), or set node_work_path to a safe place",
                    work_path, paths.empty() ? "a directory on the way" : paths,
                    ssh_user == "root" ? std::string("root") : "root or " + ssh_user));
  }
  if (kind == "busy") {
    return NodeError(FailureKind::busy,
                     fmt::format("another deploy holds the node's lock on {}{} (--lock-wait S "
                                 "waits for it)",
                                 work_path, text.empty() ? "" : ": " + text));
  }
  if (kind == "missing") {
    return NodeError(FailureKind::sync,
                     fmt::format("the node has no {} program (needed to {}); install {}", text,
                                 text == "flock" ? "lock the node against concurrent deploys"
                                                 : "check the work path",
                                 text == "flock" ? "util-linux" : "findutils"));
  }
  return NodeError(FailureKind::sync, text);
}

// The data bag secret put in place for the converge and removed after it. It comes on stdin
// (a command line is visible to every user of the node), written with umask 077 beside its
// place and renamed into it, root's. The converge runs as a child, not in place of this shell,
// so that the removal follows it whatever it does: exits, fails, is stopped because the
// connection went (the wrapper stops only the converge), or this shell is signalled. A converge
// that ends by a signal is reported as one: the shell ends by the same signal after removing.
// The shell's own output goes nowhere once the converge runs (the converge keeps the channel's,
// through a subshell: dash applies a simple command's redirections in the shell itself while
// it waits): dash reports a child stopped by a signal ("Terminated"), and written to a channel
// already closed that report killed it by SIGPIPE before its EXIT trap removed the secret.
std::string secret_and_converge(const std::string& converge_wrapped, const std::string& secret,
                                const NodeMarkers& markers) {
  const std::string place = ssh::shell_quote(kDataBagSecretPath);
  const std::string fresh = ssh::shell_quote(std::string(kDataBagSecretPath) + ".brigade-new");
  std::string body = converge_wrapped;
  if (body.starts_with("exec ")) {
    body.erase(0, 5);
  }
  return fmt::format(
      "trap 'rm -f {0} {1}' EXIT; trap 'rm -f {0} {1}; trap - EXIT; exit 129' HUP; "
      "trap 'rm -f {0} {1}; trap - EXIT; exit 130' INT; "
      "trap 'rm -f {0} {1}; trap - EXIT; exit 143' TERM; "
      "{{ mkdir -p /etc/chef && echo '{2}' && ( umask 077 && exec head -c {3} > {1} ) && "
      "chown 0:0 {1} && mv -f {1} {0}; }} || {{ echo '{4}'; exit 1; }}; "
      "exec 6>&1 7>&2 >/dev/null 2>&1; ( exec {5} ) >&6 2>&7 6>&- 7>&-; r=$?; "
      "if [ $r -gt 128 ] && [ $r -lt 160 ]; then rm -f {0} {1}; trap - EXIT HUP INT TERM; "
      "kill -$((r-128)) $$; fi; exit $r",
      place, fresh, markers.send_secret(), secret.size(), markers.secret_failed(), body);
}

// What a sudo that did not run the script said, as a reason that says what to do.
std::string sudo_refusal(const Sudo& sudo, const ssh::ExecResult& ended, const LastLines& said) {
  const std::string words = said.joined("; ");
  auto saying = [&](std::string_view text) { return words.find(text) != std::string::npos; };
  if (ended.exit_status == 127 && (saying("not found") || saying("No such file"))) {
    return "sudo is not installed on the node (" + words + "); the SSH user " + sudo.user +
           " is not root";
  }
  if (saying("a password is required")) {
    return "sudo on the node wants a password for " + sudo.user +
           " and none is configured: set [userinfo] password in littlechef.cfg or pass "
           "--ask-sudo-pass, or give " +
           sudo.user + " passwordless sudo";
  }
  if (saying("incorrect password")) {
    return "sudo on the node refused the password for " + sudo.user;
  }
  if (saying("not in the sudoers file") || saying("not allowed to") || saying("may not run")) {
    return sudo.user + " may not run commands as root through sudo on the node (" + words + ")";
  }
  if (!ended.exit_signal.empty()) {
    return "sudo was killed by signal " + ended.exit_signal + " before the deploy started";
  }
  return fmt::format("sudo did not run the deploy (exit {}{})", ended.exit_status,
                     words.empty() ? "" : ": " + words);
}

// The script for stdin. Not in the coroutine itself: g++ 12 destroys an aggregate built with
// designated initializers in a coroutine frame twice.
std::shared_ptr<const std::string> script_input(
    const std::string& work_path, const std::string& ssh_user, const KitchenArchive& kitchen,
    std::vector<ArchiveFile> node_files, const std::string& converge, const DeployExtras& extras,
    const NodeMarkers& markers) {
  NodeScript script;
  script.work_path = work_path;
  script.ssh_user = ssh_user;
  script.synced_names = kitchen.synced_names;
  script.kitchen = &kitchen;
  script.node_files = std::move(node_files);
  script.holder = extras.holder;
  script.lock_wait = extras.lock_wait;
  script.converge = converge;
  return std::make_shared<const std::string>(node_script_input(script, markers));
}

}  // namespace

std::string sudo_command(const std::string& command, const Sudo& sudo, const std::string& prompt) {
  // -n: never a prompt where no password is configured. -S with -p: the prompt a line of its
  // own on stderr (the newline is part of it), the password read from stdin. `--`: the rest
  // is the command. sudo's own environment rules hold (env_reset, secure_path).
  if (!sudo.password) {
    return "sudo -n -- sh -c " + ssh::shell_quote(command);
  }
  return "sudo -S -p " + ssh::shell_quote(prompt + "\n") + " -- sh -c " + ssh::shell_quote(command);
}

asio::awaitable<ConvergeResult> sync_and_converge(ssh::Session& session, std::string work_path,
                                                  const KitchenArchive& kitchen,
                                                  std::vector<ArchiveFile> node_files,
                                                  std::string converge, NodeOutput& log,
                                                  DeployExtras extras) {
  const std::optional<Sudo>& sudo = extras.sudo;
  const NodeMarkers markers = NodeMarkers::fresh();
  std::string converge_wrapped = ssh::stoppable_command(converge);
  ssh::ExecRequest request;
  KitchenExchange exchange(kitchen, markers, extras.delta_cache, work_path);
  request.responder = &exchange;
  if (extras.data_bag_secret) {
    converge_wrapped = secret_and_converge(converge_wrapped, *extras.data_bag_secret, markers);
    request.stdin_offers.push_back({markers.send_secret(), {extras.data_bag_secret}});
  }
  auto input = script_input(work_path, session.config().user, kitchen, std::move(node_files),
                            converge_wrapped, extras, markers);
  // The command is the bootstrap alone, the same for every deploy; the script follows on stdin
  // at once, or — when sudo may ask for a password first, on the same stdin — once the
  // bootstrap says it runs.
  request.command = node_bootstrap_command();
  if (sudo && sudo->password) {
    request.command = sudo_command(kNodeBootstrap, *sudo, kSudoPrompt);
    request.stdin_offers.insert(request.stdin_offers.begin(), {kNodeReady, {input}});
    request.stderr_prompt =
        ssh::StderrPrompt{.line = kSudoPrompt,
                          .answer = sudo->password,
                          .refused = "sudo on the node refused the password for " + sudo->user,
                          .kind = FailureKind::sudo,
                          .closed_by = kNodeReady};
  } else {
    if (sudo) {
      request.command = sudo_command(kNodeBootstrap, *sudo, kSudoPrompt);
    }
    request.stdin_at_start = {input};
  }
  ConvergeSink sink(log, markers, exchange);
  ConvergeResult result;
  result.ended = co_await session.exec(std::move(request), sink);
  result.transferred = sink.transferred;
  result.delta = sink.transferred && exchange.delta_sent();
  if (sudo && !sink.running) {
    throw NodeError(FailureKind::sudo, sudo_refusal(*sudo, result.ended, sink.before_running));
  }
  if (!sink.running) {
    const std::string detail = sink.before_running.joined("; ");
    throw NodeError(FailureKind::sync,
                    fmt::format("the deploy's script did not start on the node (exit {}{})",
                                result.ended.exit_status, detail.empty() ? "" : ": " + detail));
  }
  if (sink.refusal) {
    throw refusal_error(*sink.refusal, work_path, session.config().user);
  }
  if (sink.secret_failed) {
    const std::string detail = sink.before_converge.joined("; ");
    throw NodeError(FailureKind::sync,
                    fmt::format("the data bag secret could not be put in {}{}", kDataBagSecretPath,
                                detail.empty() ? "" : " (" + detail + ")"));
  }
  if (sink.sync_failed) {
    const std::string detail = sink.sync_errors.joined("; ");
    throw NodeError(FailureKind::sync, fmt::format("failed while unpacking the kitchen: exit {}{}",
                                                   result.ended.exit_status,
                                                   detail.empty() ? "" : " (" + detail + ")"));
  }
  co_return result;
}

}  // namespace brigade
