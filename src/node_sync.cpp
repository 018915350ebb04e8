#include <brigade/node_sync.hpp>
#include <brigade/ssh/remote_command.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <fmt/format.h>

namespace brigade {

namespace {

constexpr const char* kDigestFile = ".brigade-digest";

// Forwards lines to the node's log and keeps them for an error message or a result.
class CapturingSink : public ssh::OutputSink {
 public:
  explicit CapturingSink(ssh::OutputSink* log) : log_(log) {}
  void on_line(ssh::OutputStream stream, std::string_view line) override {
    if (log_ != nullptr) {
      log_->on_line(stream, line);
    }
    (stream == ssh::OutputStream::out ? out : err).emplace_back(line);
  }
  std::vector<std::string> out;
  std::vector<std::string> err;

 private:
  ssh::OutputSink* log_;
};

// Runs a step of the sync; a non-zero exit fails the sync with the command's stderr. Output
// goes to `log` when there is one (not for the digest, which is data, not news).
asio::awaitable<std::vector<std::string>> run_step(ssh::Session& session, const char* what,
                                                   std::string command,
                                                   std::shared_ptr<const std::string> input,
                                                   ssh::OutputSink* log) {
  CapturingSink sink(log);
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
  co_return sink.out;
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

asio::awaitable<SyncResult> sync_node(ssh::Session& session, std::string work_path,
                                      const KitchenArchive& kitchen,
                                      const KitchenArchive& node_files, ssh::OutputSink& log) {
  const std::string work = ssh::shell_quote(work_path);
  const std::string fresh = ssh::shell_quote(work_path + ".brigade-new");
  SyncResult result;
  auto held = co_await run_step(session, "reading the kitchen digest on the node",
                                "cat " + work + "/" + kDigestFile + " 2>/dev/null || true", nullptr,
                                nullptr);
  if (held.empty() || held.front() != kitchen.digest) {
    // Unpack beside the old tree and swap: the work path then holds exactly the new content,
    // and an interrupted transfer leaves the old tree in place.
    co_await run_step(session, "unpacking the kitchen",
                      fmt::format("set -e; rm -rf {1}; mkdir -p {1}; tar -xzf - -C {1}; "
                                  "printf '%s\\n' {2} > {1}/{3}; rm -rf {0}; mv {1} {0}",
                                  work, fresh, kitchen.digest, kDigestFile),
                      kitchen.gzip, &log);
    result.transferred = true;
  }
  co_await run_step(session, "writing node.json and solo.rb",
                    "set -e; mkdir -p " + work + "; tar -xzf - -C " + work, node_files.gzip, &log);
  co_return result;
}

}  // namespace brigade
