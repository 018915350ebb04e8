#include <brigade/run/node_sync.hpp>
#include <brigade/ssh/remote_command.hpp>
#include <brigade/ssh/ssh_error.hpp>
#include <brigade/util/last_lines.hpp>
#include <brigade/util/strings.hpp>

#include <fmt/format.h>

#include <random>

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

// Lines the node's side of the deploy prints on stdout for Brigade alone. Each deploy's carry
// a random token of its own, so that no converge command (which never sees the token) can
// print one: a converge that prints "sync failed" is just output.
struct Markers {
  std::string send_kitchen;
  std::string kitchen_unpacked;
  std::string sync_failed;
  std::string send_files;     // the node files alone (when they travel on stdin)
  std::string root;           // sudo let the script run
  std::string sudo_prompt;    // sudo -S asks for the password (its own line on stderr)
  std::string send_secret;    // the data bag secret, on stdin
  std::string secret_failed;  // it could not be put in place

  static Markers fresh() {
    std::random_device random;
    const std::string prefix = fmt::format("brigade-{:08x}{:08x}: ", random(), random());
    return {prefix + "send the kitchen",
            prefix + "kitchen unpacked",
            prefix + "sync failed",
            prefix + "send the node files",
            prefix + "running as root",
            prefix + "sudo password",
            prefix + "send the data bag secret",
            prefix + "data bag secret failed"};
  }
};

// Takes the kitchen from stdin (exactly its size: the rest of stdin is the wrapper's). Over an
// existing work path it unpacks beside the old tree, then swaps: the work path then holds
// exactly the new content, and an interrupted transfer leaves the old tree in place. A node's
// first kitchen is unpacked where it belongs (no staging, no `mv`); a first transfer that fails
// (interrupted, or tar failing on a member but going on to the last) leaves a tree without a
// digest, which the next deploy replaces. The archive's last
// member is the digest file: finding it with the right digest proves the whole stream arrived
// (tar alone accepts a stream cut between two members), so gzip's exit status is not needed and
// gzip runs beside tar instead of under it (`tar -z` forks a relay process too).
std::string unpack_script(const std::string& work_path, const KitchenArchive& kitchen,
                          const Markers& markers) {
  const std::string work = ssh::shell_quote(work_path);
  const std::string fresh = ssh::shell_quote(work_path + ".brigade-new");
  const auto unpack_into = [&](const std::string& dir) {
    return fmt::format(
        "mkdir -p {0} && head -c {1} | gzip -dc | tar -xf - -C {0} && "
        "{{ {{ read -r got < {0}/{2}; }} 2>/dev/null && [ \"$got\" = {3} ] || "
        "{{ echo 'brigade: the kitchen arrived incomplete' >&2; false; }}; }}",
        dir, kitchen.gzip->size(), kKitchenDigestFile, kitchen.digest);
  };
  return fmt::format(
      "echo '{0}'; "
      "if [ -e {1} ] || [ -L {1} ]; then "
      "{{ [ ! -e {2} ] || rm -rf {2}; }} && {3} && rm -rf {1} && mv {2} {1}; "
      "else {4} || {{ r=$?; rm -f {1}/{7}; (exit $r); }}; fi || {{ r=$?; echo '{5}'; exit $r; }}; "
      "echo '{6}'; ",
      markers.send_kitchen, work, fresh, unpack_into(fresh), unpack_into(work), markers.sync_failed,
      markers.kitchen_unpacked, kKitchenDigestFile);
}

// Passes the node's lines to the log, except Brigade's own markers, which it notes; keeps the
// sync's stderr for an error message.
class ConvergeSink : public ssh::OutputSink {
 public:
  ConvergeSink(NodeOutput& log, const Markers& markers, std::string sent_note)
      : markers_(markers), log_(log), sent_note_(std::move(sent_note)) {}
  void on_line(ssh::OutputStream stream, std::string_view line) override {
    if (stream == ssh::OutputStream::out && !root && line == markers_.root) {
      root = true;
      return;
    }
    if (stream == ssh::OutputStream::err && !root) {
      before_root.add(line);  // sudo's words, when it refuses
    }
    if (stream == ssh::OutputStream::out && line == markers_.secret_failed) {
      secret_failed = true;
      return;
    }
    if (stream == ssh::OutputStream::err && !secret_failed) {
      before_converge.add(line);  // the tools' words, when the secret cannot be put in place
    }
    if (stream == ssh::OutputStream::out && !syncing_over) {
      if (line == markers_.kitchen_unpacked) {
        transferred = true;
        syncing_over = true;
        log_.note(sent_note_);
        return;
      }
      if (line == markers_.sync_failed) {
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
  bool syncing_over = false;
  bool transferred = false;
  bool sync_failed = false;
  bool root = false;
  bool secret_failed = false;
  LastLines sync_errors{10};
  LastLines before_root{10};
  LastLines before_converge{10};

 private:
  const Markers& markers_;
  NodeOutput& log_;
  std::string sent_note_;
};

// The data bag secret put in place for the converge and removed after it. It comes on stdin
// (a command line is visible to every user of the node), written with umask 077 beside its
// place and renamed into it, root's. The converge runs as a child, not in place of this shell,
// so that the removal follows it whatever it does: exits, fails, is stopped because the
// connection went (the wrapper stops only the converge), or this shell is signalled. A converge
// that ends by a signal is reported as one: the shell ends by the same signal after removing.
std::string secret_and_converge(const std::string& converge_wrapped, const std::string& secret,
                                const Markers& markers) {
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
      "{5}; r=$?; "
      "if [ $r -gt 128 ] && [ $r -lt 160 ]; then rm -f {0} {1}; trap - EXIT HUP INT TERM; "
      "kill -$((r-128)) $$; fi; exit $r",
      place, fresh, markers.send_secret, secret.size(), markers.secret_failed, body);
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
  const std::string work = ssh::shell_quote(work_path);
  // Only shell builtins unless the kitchen must be sent: every process started on the node is
  // paid for by every node of every run. One channel whatever happens: the node asks for the
  // kitchen when its digest differs, and Brigade streams it on the same channel's stdin.
  std::string writes;
  for (const auto& file : node_files) {
    writes += fmt::format("printf '%s' {} > {}/{} || exit; ", ssh::shell_quote(file.content), work,
                          ssh::shell_quote(file.name));
  }
  const Markers markers = Markers::fresh();
  ssh::ExecRequest request;
  request.stdin_offers = {{markers.send_kitchen, {kitchen.gzip}}};
  // Node files travel inside the command when it stays small enough for one exec request (no
  // process started on the node for them); larger ones — a node.json with many attributes — on
  // stdin.
  std::string converge_wrapped = ssh::stoppable_command(converge);
  std::vector<ssh::StdinOffer> secret_offer;
  if (extras.data_bag_secret) {
    converge_wrapped = secret_and_converge(converge_wrapped, *extras.data_bag_secret, markers);
    secret_offer.push_back({markers.send_secret, {extras.data_bag_secret}});
  }
  const std::string unpack = unpack_script(work_path, kitchen, markers);
  auto script = [&](const std::string& otherwise, const std::string& file_writes) {
    std::string text = fmt::format(
        "d=; {{ read -r d < {0}/{1}; }} 2>/dev/null; "
        "if [ \"$d\" != {2} ]; then {3}{4}fi; {5}{6}",
        work, kKitchenDigestFile, kitchen.digest, unpack, otherwise, file_writes, converge_wrapped);
    if (!sudo) {
      return text;
    }
    // The marker tells "sudo refused" from "the deploy failed" without another process.
    return sudo_command("echo '" + markers.root + "'; " + text, *sudo, markers.sudo_prompt);
  };
  request.stdin_offers.insert(request.stdin_offers.end(), secret_offer.begin(), secret_offer.end());
  request.command = script("", writes);
  if (request.command.size() > ssh::kMaxExecCommand) {
    // Too big for one exec request: the node files follow the kitchen on stdin, or come alone
    // when the kitchen is current; `head -c` reads exactly each file's size.
    auto files = std::make_shared<std::string>();
    writes.clear();
    for (const auto& file : node_files) {
      *files += file.content;
      writes += fmt::format("head -c {} > {}/{} || exit; ", file.content.size(), work,
                            ssh::shell_quote(file.name));
    }
    request.stdin_offers = {{markers.send_kitchen, {kitchen.gzip, files}},
                            {markers.send_files, {files}}};
    request.stdin_offers.insert(request.stdin_offers.end(), secret_offer.begin(),
                                secret_offer.end());
    request.command = script(fmt::format("else echo '{}'; ", markers.send_files), writes);
  }
  if (sudo && sudo->password) {
    request.stderr_prompt =
        ssh::StderrPrompt{.line = markers.sudo_prompt,
                          .answer = sudo->password,
                          .refused = "sudo on the node refused the password for " + sudo->user,
                          .kind = FailureKind::sudo};
  }
  ConvergeSink sink(
      log, markers,
      fmt::format("the kitchen was sent to {} first ({} bytes)", work_path, kitchen.gzip->size()));
  ConvergeResult result;
  result.ended = co_await session.exec(std::move(request), sink);
  result.transferred = sink.transferred;
  if (sudo && !sink.root) {
    throw NodeError(FailureKind::sudo, sudo_refusal(*sudo, result.ended, sink.before_root));
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
