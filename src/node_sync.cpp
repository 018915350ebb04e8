#include <brigade/node_sync.hpp>
#include <brigade/ssh/remote_command.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <fmt/format.h>

namespace brigade {

namespace {

constexpr const char* kDigestFile = ".brigade-digest";

// Forwards lines to the node's log and keeps stderr for an error message.
class StepSink : public ssh::OutputSink {
 public:
  explicit StepSink(ssh::OutputSink& log) : log_(log) {}
  void on_line(ssh::OutputStream stream, std::string_view line) override {
    log_.on_line(stream, line);
    if (stream == ssh::OutputStream::err) {
      err.emplace_back(line);
    }
  }
  std::vector<std::string> err;

 private:
  ssh::OutputSink& log_;
};

// Runs a step of the sync; a non-zero exit fails the sync with the command's stderr.
asio::awaitable<void> run_step(ssh::Session& session, const char* what, std::string command,
                               std::shared_ptr<const std::string> input, ssh::OutputSink& log) {
  StepSink sink(log);
  ssh::ExecRequest request{std::move(command), false, std::move(input)};
  auto result = co_await session.exec(std::move(request), sink);
  if (result.exit_status != 0) {
    std::string detail;
    for (const auto& line : sink.err) {
      detail += (detail.empty() ? "" : "; ") + line;
    }
    throw ssh::SshError(
        ssh::FailureKind::channel,
        fmt::format("sync failed while {}: {}{}", what,
                    result.exit_signal.empty() ? "exit " + std::to_string(result.exit_status)
                                               : "signal " + result.exit_signal,
                    detail.empty() ? "" : " (" + detail + ")"));
  }
}

}  // namespace

std::string node_work_path(const std::string& pattern, const std::string& node) {
  std::string path = pattern;
  for (auto at = path.find("{node}"); at != std::string::npos; at = path.find("{node}", at)) {
    path.replace(at, 6, node);
    at += node.size();
  }
  return path;
}

std::string node_json(const Node& node) {
  nlohmann::json data = node.data.is_object() ? node.data : nlohmann::json::object();
  data["name"] = node.name;
  data["chef_environment"] = node.chef_environment;
  nlohmann::json run_list = nlohmann::json::array();
  for (const auto& entry : node.run_list) {
    run_list.push_back(entry.text());
  }
  data["run_list"] = run_list;
  return data.dump(2) + "\n";
}

std::string solo_rb(const std::string& work_path, const std::string& environment) {
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
      "environment {}\n",
      under("cache"), under("cookbooks"), under("site-cookbooks"), under("roles"),
      under("data_bags"), under("environments"), quoted(environment));
}

namespace {

constexpr std::string_view kSyncNeeded = "brigade: kitchen out of date";
constexpr int kSyncNeededStatus = 97;

std::string unpack_command(const std::string& work_path, const std::string& digest) {
  const std::string work = ssh::shell_quote(work_path);
  const std::string fresh = ssh::shell_quote(work_path + ".brigade-new");
  // Unpack beside the old tree and swap: the work path then holds exactly the new content,
  // and an interrupted transfer leaves the old tree in place.
  return fmt::format(
      "set -e; rm -rf {1}; mkdir -p {1}; tar -xzf - -C {1}; "
      "printf '%s\\n' {2} > {1}/{3}; rm -rf {0}; mv {1} {0}",
      work, fresh, digest, kDigestFile);
}

// Passes the node's lines to the log, except the "out of date" marker, which it notes.
class ConvergeSink : public ssh::OutputSink {
 public:
  explicit ConvergeSink(ssh::OutputSink& log) : log_(log) {}
  void on_line(ssh::OutputStream stream, std::string_view line) override {
    if (stream == ssh::OutputStream::out && line == kSyncNeeded) {
      sync_needed = true;
      return;
    }
    log_.on_line(stream, line);
  }
  bool sync_needed = false;

 private:
  ssh::OutputSink& log_;
};

}  // namespace

asio::awaitable<ConvergeResult> sync_and_converge(ssh::Session& session, std::string work_path,
                                                  const KitchenArchive& kitchen,
                                                  std::vector<ArchiveFile> node_files,
                                                  std::string converge, ssh::OutputSink& log) {
  const std::string work = ssh::shell_quote(work_path);
  // Only shell builtins before the converge command: every process started on the node is
  // paid for by every node of every run.
  std::string writes;
  for (const auto& file : node_files) {
    writes += fmt::format("printf '%s' {} > {}/{} || exit; ", ssh::shell_quote(file.content), work,
                          ssh::shell_quote(file.name));
  }
  const std::string script = fmt::format(
      "d=; {{ read -r d < {0}/{1}; }} 2>/dev/null; "
      "if [ \"$d\" != {2} ]; then echo '{3}'; exit {4}; fi; {5}{6}",
      work, kDigestFile, kitchen.digest, kSyncNeeded, kSyncNeededStatus, writes, converge);
  ConvergeResult result;
  for (int attempt = 0;; ++attempt) {
    ConvergeSink sink(log);
    ssh::ExecRequest request{script};
    result.ended = co_await session.exec(std::move(request), sink);
    if (!(sink.sync_needed && result.ended.exit_status == kSyncNeededStatus)) {
      co_return result;
    }
    if (attempt > 0) {
      throw ssh::SshError(ssh::FailureKind::channel,
                          "sync failed: the kitchen was sent but the node still reports it out "
                          "of date (is " +
                              work_path + " writable?)");
    }
    co_await run_step(session, "unpacking the kitchen", unpack_command(work_path, kitchen.digest),
                      kitchen.gzip, log);
    result.transferred = true;
  }
}

}  // namespace brigade
