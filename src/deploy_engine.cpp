#include "ssh/session_io.hpp"

#include <brigade/deploy_engine.hpp>
#include <brigade/exit_status.hpp>
#include <brigade/node_sync.hpp>
#include <brigade/ssh/remote_command.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <fmt/format.h>

#include <csignal>
#include <deque>

namespace brigade {

// A node's log file, and the last lines kept for the summary. A log that cannot be created or
// written does not stop the deploy; the reason is kept for the run's end.
class NodeLog : public ssh::OutputSink {
 public:
  NodeLog(const std::string& path, mode_t mode, std::vector<std::string>& tail, std::string& error)
      : tail_(tail), error_(error) {
    auto created = LogFile::create(path, mode);
    if (created) {
      file_ = std::move(*created);
    } else {
      error_ = created.error().message;
    }
  }

  void on_line(ssh::OutputStream stream, std::string_view line) override {
    if (stream == ssh::OutputStream::err) {
      file_.write("[stderr] ");
    }
    file_.write(line);
    file_.write("\n");
    lines_.emplace_back(line);
    if (lines_.size() > kTail) {
      lines_.pop_front();
    }
  }
  void hook_line(const std::string& hook, bool is_stderr, std::string_view line) {
    on_line(is_stderr ? ssh::OutputStream::err : ssh::OutputStream::out,
            fmt::format("[{}] {}", hook, line));
  }
  void note(const std::string& text) {
    file_.write("# brigade: " + text + "\n");
    file_.flush();
  }
  void close() {
    tail_.assign(lines_.begin(), lines_.end());
    file_.close();
    if (file_.error() && error_.empty()) {
      error_ = "cannot write: " + *file_.error();
    }
  }

 private:
  static constexpr std::size_t kTail = 10;
  LogFile file_;
  std::vector<std::string>& tail_;
  std::string& error_;
  std::deque<std::string> lines_;
};

std::string render_command(const std::string& pattern, const std::string& node,
                           const std::string& work_path, const std::string& environment) {
  // Each value becomes one shell word, quoted where needed: a node or environment name from
  // the kitchen never runs as shell code on the node. One pass, so that a value holding
  // "{environment}" is not itself replaced.
  const std::pair<std::string_view, std::string> values[] = {
      {"{node}", ssh::shell_word(node)},
      {"{work_path}", ssh::shell_word(work_path)},
      {"{environment}", ssh::shell_word(environment)},
  };
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    bool replaced = false;
    for (const auto& [placeholder, value] : values) {
      if (std::string_view(pattern).substr(i).starts_with(placeholder)) {
        out += value;
        i += placeholder.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      out += pattern[i++];
    }
  }
  return out;
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

void DeployEngine::interrupt(int signal) {
  interrupted_by_ = signal;
  if (current_ != nullptr) {
    current_->cancel();
  }
  if (pause_) {
    pause_->cancel();
  }
  if (in_global_hooks_) {
    global_hooks_cancel_.emit(asio::cancellation_type::terminal);
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

void DeployEngine::abort_run(std::string reason) {
  if (aborted_ && node_post_failed_) {
    return;  // the first failure is the reason
  }
  aborted_ = true;
  node_post_failed_ = true;
  abort_reason_ = std::move(reason);
  if (current_ != nullptr) {
    current_->cancel();  // the run's cancellation: in-flight deploys and hooks are stopped
  }
}

int DeployEngine::outcome_code() const {
  if (interrupted_by_ != 0) {
    return interrupted_by_ == SIGTERM ? kExitTerminated : kExitInterrupted;
  }
  if (global_pre_failed_) {
    return kExitGlobalPreHook;
  }
  if (aborted_) {
    return kExitAborted;
  }
  const bool all_deployed = std::all_of(results_.begin(), results_.end(), [](const auto& r) {
    return r.status == NodeStatus::deployed;
  });
  return all_deployed ? kExitSuccess : kExitNodeFailed;
}

asio::awaitable<std::optional<std::size_t>> DeployEngine::run_global_hooks(
    HookType type, std::vector<std::string> leading) {
  std::vector<const Node*> nodes;
  for (const auto& target : targets_) {
    nodes.push_back(target.node);
  }
  std::vector<HookCall> calls;
  for (const auto& hook : options_.hooks) {
    if (hook.type != type) {
      continue;
    }
    auto names = matching_node_names(hook, nodes);
    if (names.empty()) {
      continue;  // a global hook runs only when a selected node matches its filters
    }
    HookCall call{&hook, leading};
    call.args.insert(call.args.end(), names.begin(), names.end());
    calls.push_back(std::move(call));
  }
  if (calls.empty()) {
    co_return std::nullopt;
  }
  HookEvents events;
  events.started = [this](const Hook& hook) { observer_.global_hook_started(hook); };
  events.output = [this](const Hook& hook, bool is_stderr, std::string_view line) {
    observer_.hook_output("", hook.name, is_stderr, line);
  };
  events.finished = [this](const HookRecord& record) { observer_.hook_finished("", record); };
  // Global post hooks all run, as they undo and notify; pre hooks stop at the first failure.
  const OnHookFailure on_failure =
      type == HookType::global_postdeployhook ? OnHookFailure::go_on : OnHookFailure::stop;
  // Their own cancellation signal, so that interrupt() reaches them.
  auto executor = co_await asio::this_coro::executor;
  in_global_hooks_ = true;
  auto failed = co_await asio::co_spawn(
      executor,
      run_hooks(std::move(calls), options_.hook_environment, std::nullopt, on_failure,
                std::move(events), global_hooks_),
      asio::bind_cancellation_slot(global_hooks_cancel_.slot(), asio::use_awaitable));
  in_global_hooks_ = false;
  co_return failed;
}

asio::awaitable<void> DeployEngine::run() {
  auto executor = co_await asio::this_coro::executor;
  // Named first: GCC 12 mishandles braced temporaries passed to a coroutine.
  std::vector<std::string> no_leading_arguments;
  if (auto failed = co_await run_global_hooks(HookType::global_predeployhook,
                                              std::move(no_leading_arguments));
      failed && interrupted_by_ == 0) {
    const HookRecord& hook = global_hooks_[*failed];
    global_pre_failed_ = true;
    aborted_ = true;
    abort_reason_ = fmt::format("global pre hook '{}' failed ({}): no node was deployed", hook.name,
                                hook.outcome());
  }
  std::size_t first = 0;
  for (std::size_t b = 0; b < batch_sizes_.size() && !aborted_ && interrupted_by_ == 0; ++b) {
    if (b > 0 && options_.batch_wait.count() > 0) {
      pause_.emplace(executor, options_.batch_wait);
      co_await pause_->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
      pause_.reset();
      if (interrupted_by_ != 0) {
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
  const int outcome = outcome_code();
  const std::size_t post_from = global_hooks_.size();
  std::vector<std::string> outcome_argument = {std::to_string(outcome)};
  auto failed =
      co_await run_global_hooks(HookType::global_postdeployhook, std::move(outcome_argument));
  exit_code_ = outcome_code();  // a signal may have come while they ran
  // Unless a signal, a global pre hook or a node post hook decided, the global post hooks do:
  // the first failure in order, else 0.
  if (interrupted_by_ == 0 && !global_pre_failed_ && !node_post_failed_ &&
      global_hooks_.size() > post_from) {
    exit_code_ = failed ? global_hooks_[*failed].exit_code() : kExitSuccess;
  }
}

asio::awaitable<void> DeployEngine::converge_node(const DeployTarget& target,
                                                  NodeDeployResult& result, NodeLog& log) {
  const Node& node = *target.node;
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
}

asio::awaitable<void> DeployEngine::deploy_node(std::size_t index) {
  const DeployTarget& target = targets_[index];
  NodeDeployResult& result = results_[index];
  const Node& node = *target.node;
  const auto started = std::chrono::steady_clock::now();
  result.started = std::chrono::system_clock::now();
  // Under nodes/, where no node name can meet run.log or report.json.
  result.log = options_.log_dir + "/nodes/" + node.name + ".log";
  observer_.node_started(result);
  NodeLog log(result.log, options_.log_modes.file, result.tail, result.log_error);

  HookEvents events;
  events.output = [this, &log, &node](const Hook& hook, bool is_stderr, std::string_view line) {
    log.hook_line(hook.name, is_stderr, line);
    observer_.hook_output(node.name, hook.name, is_stderr, line);
  };
  events.finished = [this, &log, &node](const HookRecord& hook) {
    log.note(fmt::format("{} '{}': {} in {:.3f} s", hook.type, hook.name, hook.outcome(),
                         hook.duration_s));
    observer_.hook_finished(node.name, hook);
  };
  bool converge = true;
  if (auto pre = node_hooks(options_.hooks, HookType::predeployhook, node); !pre.empty()) {
    std::vector<HookCall> calls;
    for (const Hook* hook : pre) {
      calls.push_back({hook, {node.name}});
    }
    if (auto failed = co_await run_hooks(std::move(calls), options_.hook_environment, result.batch,
                                         OnHookFailure::stop, events, result.hooks)) {
      const HookRecord& hook = result.hooks[*failed];
      converge = false;
      result.status = hook.cancelled ? NodeStatus::cancelled : NodeStatus::skipped;
      result.error =
          hook.cancelled
              ? fmt::format("cancelled {} its pre hook '{}' {}", hook.ran ? "while" : "before",
                            hook.name, hook.ran ? "ran" : "started")
              : fmt::format("pre hook '{}' failed ({}): not deployed", hook.name, hook.outcome());
    }
  }
  if (converge) {
    co_await converge_node(target, result, log);
  }
  const bool attempted =
      converge && (result.status == NodeStatus::deployed || result.status == NodeStatus::failed);
  if (auto post = node_hooks(options_.hooks, HookType::postdeployhook, node);
      attempted && !post.empty()) {
    // A deploy that failed without an exit status of its own (connect, sync, timeout) is 1.
    const std::string rc =
        std::to_string(result.rc && result.status == NodeStatus::failed ? *result.rc
                       : result.status == NodeStatus::deployed          ? 0
                                                                        : 1);
    std::vector<HookCall> calls;
    for (const Hook* hook : post) {
      calls.push_back({hook, {rc, node.name}});
    }
    if (auto failed = co_await run_hooks(std::move(calls), options_.hook_environment, result.batch,
                                         OnHookFailure::stop, events, result.hooks)) {
      const HookRecord& hook = result.hooks[*failed];
      if (hook.cancelled) {
        result.status = NodeStatus::cancelled;
        result.error =
            fmt::format("cancelled {} its post hook '{}' {}", hook.ran ? "while" : "before",
                        hook.name, hook.ran ? "ran" : "started");
      } else {
        result.status = NodeStatus::failed;
        result.error = fmt::format("post hook '{}' failed ({})", hook.name, hook.outcome());
        abort_run(
            fmt::format("post hook '{}' failed on {} ({})", hook.name, node.name, hook.outcome()));
      }
    }
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
