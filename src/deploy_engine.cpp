#include "ssh/session_io.hpp"

#include <brigade/deploy_engine.hpp>
#include <brigade/node_sync.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <asio/experimental/as_tuple.hpp>
#include <fmt/format.h>

#include <deque>
#include <fstream>

namespace brigade {

namespace {

// A node's log file, and the last lines kept for the summary.
class NodeLog : public ssh::OutputSink {
 public:
  NodeLog(const std::string& path, std::vector<std::string>& tail) : file_(path), tail_(tail) {}

  void on_line(ssh::OutputStream stream, std::string_view line) override {
    if (stream == ssh::OutputStream::err) {
      file_ << "[stderr] ";
    }
    file_ << line << '\n';
    lines_.emplace_back(line);
    if (lines_.size() > kTail) {
      lines_.pop_front();
    }
  }
  void note(const std::string& text) { file_ << "# brigade: " << text << '\n' << std::flush; }
  void close() {
    tail_.assign(lines_.begin(), lines_.end());
    file_.close();
  }

 private:
  static constexpr std::size_t kTail = 10;
  std::ofstream file_;
  std::vector<std::string>& tail_;
  std::deque<std::string> lines_;
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

std::string render_command(const std::string& pattern, const std::string& node,
                           const std::string& work_path, const std::string& environment) {
  return replace_all(replace_all(replace_all(pattern, "{node}", node), "{work_path}", work_path),
                     "{environment}", environment);
}

DeployEngine::DeployEngine(std::vector<DeployTarget> targets, DeployOptions options,
                           const KitchenArchive& kitchen, ssh::SessionContext context,
                           DeployObserver& observer)
    : targets_(std::move(targets)),
      options_(std::move(options)),
      kitchen_(kitchen),
      context_(context),
      observer_(observer),
      batch_sizes_(plan_batches(targets_.size(), options_.batch_sizes)) {
  results_.resize(targets_.size());
  std::size_t index = 0;
  for (std::size_t b = 0; b < batch_sizes_.size(); ++b) {
    for (std::size_t i = 0; i < batch_sizes_[b]; ++i, ++index) {
      results_[index].name = targets_[index].node->name;
      results_[index].batch = b + 1;
    }
  }
}

std::vector<std::vector<std::string>> DeployEngine::batches() const {
  std::vector<std::vector<std::string>> out(batch_sizes_.size());
  for (const auto& result : results_) {
    out[result.batch - 1].push_back(result.name);
  }
  return out;
}

void DeployEngine::interrupt() {
  interrupted_ = true;
  if (current_ != nullptr) {
    current_->cancel();
  }
  if (pause_) {
    pause_->cancel();
  }
}

void DeployEngine::count_failure() {
  ++failures_;
  if (options_.max_fail && !aborted_ && failures_ > options_.max_fail->budget(targets_.size())) {
    aborted_ = true;
    abort_reason_ =
        fmt::format("{} failures exceed --max-fail {}", failures_, options_.max_fail->text());
    if (current_ != nullptr) {
      current_->stop();  // in-flight deploys finish; nothing new starts
    }
  }
}

asio::awaitable<void> DeployEngine::run() {
  auto executor = co_await asio::this_coro::executor;
  std::size_t first = 0;
  for (std::size_t b = 0; b < batch_sizes_.size() && !aborted_ && !interrupted_; ++b) {
    if (b > 0 && options_.batch_wait.count() > 0) {
      pause_.emplace(executor, options_.batch_wait);
      co_await pause_->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
      pause_.reset();
      if (interrupted_) {
        break;
      }
    }
    observer_.batch_started(b + 1, batch_sizes_.size(), batch_sizes_[b]);
    BoundedRunner runner(options_.parallel);
    current_ = &runner;
    co_await runner.run(batch_sizes_[b],
                        [this, first](std::size_t i) { return deploy_node(first + i); });
    current_ = nullptr;
    first += batch_sizes_[b];
  }
}

asio::awaitable<void> DeployEngine::deploy_node(std::size_t index) {
  const DeployTarget& target = targets_[index];
  NodeDeployResult& result = results_[index];
  const Node& node = *target.node;
  const auto started = std::chrono::steady_clock::now();
  result.started = std::chrono::system_clock::now();
  result.log = options_.log_dir + "/" + node.name + ".log";
  observer_.node_started(result);
  NodeLog log(result.log, result.tail);

  const std::string work_path = node_work_path(options_.work_path, node.name);
  const std::string command =
      render_command(options_.command, node.name, work_path, node.chef_environment);
  auto deploy = [&]() -> asio::awaitable<int> {
    log.note("connecting to " + target.host.host_name + " port " +
             std::to_string(target.host.port));
    auto session = co_await ssh::Session::connect(target.host, context_);
    std::vector<ArchiveFile> node_files = {{"node.json", node_json(node)},
                                           {"solo.rb", solo_rb(work_path, node.chef_environment)}};
    log.note("running: " + command);
    auto converged = co_await sync_and_converge(*session, work_path, kitchen_,
                                                std::move(node_files), command, log);
    result.transferred = converged.transferred;
    log.note(converged.transferred ? fmt::format("the kitchen was sent to {} first ({} bytes)",
                                                 work_path, kitchen_.gzip->size())
                                   : "the kitchen was unchanged on the node, not sent");
    const ssh::ExecResult ended = converged.ended;
    co_await session->close();
    if (!ended.exit_signal.empty()) {
      throw ssh::SshError(ssh::FailureKind::protocol,
                          "the converge command was killed by signal " + ended.exit_signal);
    }
    co_return ended.exit_status;
  };
  try {
    int rc = options_.timeout
                 ? co_await ssh::within(*options_.timeout, deploy(),
                                        "timed out after " + ssh::seconds_text(*options_.timeout) +
                                            " (--timeout); the command was stopped")
                 : co_await deploy();
    result.rc = rc;
    result.status = rc == 0 ? NodeStatus::deployed : NodeStatus::failed;
    if (rc != 0) {
      result.error = "the converge command exited with " + std::to_string(rc);
    }
  } catch (const ssh::SshError& e) {
    result.status = NodeStatus::failed;
    result.error = std::string(ssh::failure_kind_name(e.kind())) + ": " + e.what();
  } catch (const std::system_error& e) {
    if (e.code() != asio::error::operation_aborted) {
      throw;
    }
    result.status = NodeStatus::cancelled;
    result.error = "cancelled; the command was stopped";
  }
  log.note(std::string("result: ") + node_status_name(result.status) +
           (result.error.empty() ? "" : " (" + result.error + ")"));
  log.close();
  result.finished = std::chrono::system_clock::now();
  result.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (result.status == NodeStatus::failed) {
    count_failure();
  }
  observer_.node_finished(result);
}

}  // namespace brigade
