#include <brigade/run/fleet_run.hpp>
#include <brigade/util/deadline.hpp>
#include <brigade/util/exit_status.hpp>
#include <brigade/util/last_lines.hpp>
#include <brigade/util/strings.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <system_error>

namespace brigade {

// A node's log file, the last lines kept for the summary, and the observer's view of its
// output. A log that cannot be created or written does not stop the node; the reason is kept
// for the run's end.
class FleetRun::NodeLog : public NodeOutput {
 public:
  NodeLog(NodeResult& result, mode_t mode, std::uint64_t limit, RunObserver& observer)
      : result_(result), observer_(observer), limit_(limit) {
    if (result.log.empty()) {
      return;
    }
    auto created = LogFile::create(result.log, mode);
    if (created) {
      file_ = std::move(*created);
    } else {
      result_.log_error = created.error().message;
    }
  }

  void on_line(OutputStream stream, std::string_view line) override {
    observer_.node_output(result_, stream, line);
    keep(stream, line);
  }
  void hook_line(const std::string& hook, bool is_stderr, std::string_view line) {
    keep(is_stderr ? OutputStream::err : OutputStream::out, fmt::format("[{}] {}", hook, line));
  }
  void note(const std::string& text) override {
    stamp();
    file_.write("# brigade: " + text + "\n");
    file_.flush();
  }
  void caveat(const std::string& text) override {
    note(text);
    caveats_.push_back(text);
  }
  /// Said by the action for a node that did not end well.
  const std::vector<std::string>& caveats() const { return caveats_; }
  void close() {
    if (dropped_lines_ > 0) {
      note(
          fmt::format("{} {} of output ({} bytes) past the log's limit of {} ([deploy] "
                      "log_limit) were not kept",
                      dropped_lines_, dropped_lines_ == 1 ? "line" : "lines", dropped_bytes_,
                      size_text(limit_)));
    }
    result_.tail = tail_.lines();
    file_.close();
    if (file_.error() && result_.log_error.empty()) {
      result_.log_error = "cannot write: " + *file_.error();
    }
  }

 private:
  static constexpr std::size_t kTail = 10;
  static constexpr std::size_t kStampBytes = 25;  // "2026-12-07T19:01:45.317Z "

  // Each line of the log starts with its UTC time, as run.log's do.
  void stamp() {
    if (file_.is_open()) {
      file_.write(iso8601_utc(std::chrono::system_clock::now()));
      file_.write(" ");
    }
  }

  static std::string size_text(std::uint64_t bytes) {
    for (const auto& [shift, unit] : {std::pair{30, "GiB"}, {20, "MiB"}, {10, "KiB"}}) {
      if (bytes >= (std::uint64_t{1} << shift) && bytes % (std::uint64_t{1} << shift) == 0) {
        return std::to_string(bytes >> shift) + " " + unit;
      }
    }
    return std::to_string(bytes) + " bytes";
  }

  void keep(OutputStream stream, std::string_view line) {
    tail_.add(line);
    // What the line costs in the log: its time stamp, its stream, itself.
    const std::size_t size = kStampBytes + (stream == OutputStream::err ? 9 : 0) + line.size() + 1;
    if (limit_ != 0 && kept_ + size > limit_) {
      if (dropped_lines_ == 0) {
        note(
            fmt::format("the log holds {} of output ([deploy] log_limit): what follows is "
                        "counted, not kept",
                        size_text(limit_)));
      }
      ++dropped_lines_;
      dropped_bytes_ += line.size() + 1;
      return;
    }
    kept_ += size;
    stamp();
    if (stream == OutputStream::err) {
      file_.write("[stderr] ");
    }
    file_.write(line);
    file_.write("\n");
  }

  NodeResult& result_;
  RunObserver& observer_;
  LogFile file_;
  LastLines tail_{kTail};
  std::uint64_t limit_;
  std::uint64_t kept_ = 0;
  std::uint64_t dropped_lines_ = 0;
  std::uint64_t dropped_bytes_ = 0;
  std::vector<std::string> caveats_;
};

FleetRun::FleetRun(std::vector<const Node*> nodes, const RunPlan& plan, RunOptions options,
                   NodeAction& action, RunObserver& observer)
    : nodes_(std::move(nodes)),
      plan_(plan),
      options_(std::move(options)),
      action_(action),
      observer_(observer) {
  results_.resize(nodes_.size());
  for (std::size_t b = 0; b < plan_.batches.size(); ++b) {
    for (std::size_t index : plan_.batches[b]) {
      results_[index].name = nodes_[index]->name;
      results_[index].batch = b + 1;
    }
  }
}

void FleetRun::interrupt(int signal) {
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

void FleetRun::count_failure() {
  ++failures_;
  if (options_.max_fail && !aborted_ && failures_ > options_.max_fail->budget(nodes_.size())) {
    aborted_ = true;
    abort_reason_ =
        fmt::format("{} failures exceed --max-fail {}", failures_, options_.max_fail->text());
    if (current_ != nullptr) {
      current_->stop();  // in-flight nodes finish; nothing new starts
    }
  }
}

void FleetRun::abort_run(std::string reason) {
  if (aborted_ && node_post_failed_) {
    return;  // the first failure is the reason
  }
  aborted_ = true;
  node_post_failed_ = true;
  abort_reason_ = std::move(reason);
  if (current_ != nullptr) {
    current_->cancel();  // the run's cancellation: in-flight nodes and hooks are stopped
  }
}

int FleetRun::outcome_code() const {
  if (interrupted_by_ != 0) {
    return exit_code_for_signal(interrupted_by_);
  }
  if (global_pre_failed_) {
    return kExitGlobalPreHook;
  }
  if (aborted_) {
    return kExitAborted;
  }
  const bool all_succeeded = std::all_of(results_.begin(), results_.end(), [](const auto& r) {
    return r.status == NodeStatus::deployed;
  });
  return all_succeeded ? kExitSuccess : kExitNodeFailed;
}

asio::awaitable<std::optional<std::size_t>> FleetRun::run_global_hooks(std::vector<HookCall> calls,
                                                                       OnHookFailure on_failure) {
  if (calls.empty()) {
    co_return std::nullopt;
  }
  HookEvents events;
  events.started = [this](const Hook& hook) { observer_.global_hook_started(hook); };
  events.output = [this](const Hook& hook, bool is_stderr, std::string_view line) {
    observer_.hook_output("", hook.name, is_stderr, line);
  };
  events.finished = [this](const HookRecord& record) { observer_.hook_finished("", record); };
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

asio::awaitable<void> FleetRun::run() {
  auto executor = co_await asio::this_coro::executor;
  // Global pre hooks stop at the first failure, and then no node starts.
  if (auto failed = co_await run_global_hooks(plan_.global_pre, OnHookFailure::stop);
      failed && interrupted_by_ == 0) {
    const HookRecord& hook = global_hooks_[*failed];
    global_pre_failed_ = true;
    aborted_ = true;
    abort_reason_ = fmt::format("global pre hook '{}' failed ({}): no node was deployed", hook.name,
                                hook.outcome());
  }
  for (std::size_t b = 0; b < plan_.batches.size() && !aborted_ && interrupted_by_ == 0; ++b) {
    if (b > 0) {
      co_await between_batches(b - 1);
      if (aborted_ || interrupted_by_ != 0) {
        break;
      }
    }
    const auto& batch = plan_.batches[b];
    observer_.batch_started(b + 1, plan_.batches.size(), batch.size());
    BoundedRunner runner(options_.parallel);
    current_ = &runner;
    co_await runner.run(batch.size(), [this, &batch](std::size_t i) { return run_node(batch[i]); });
    current_ = nullptr;
  }
  // Global post hooks all run, as they undo and notify; they get the outcome before the nodes.
  const int outcome = outcome_code();
  const std::size_t post_from = global_hooks_.size();
  std::vector<HookCall> post = plan_.global_post;
  for (auto& call : post) {
    call.args.insert(call.args.begin(), std::to_string(outcome));
  }
  auto failed = co_await run_global_hooks(std::move(post), OnHookFailure::go_on);
  exit_code_ = outcome_code();  // a signal may have come while they ran
  // Unless a signal, a global pre hook, a node post hook or a stopped rollout decided, the
  // global post hooks do: the first failure in order, else 0.
  if (interrupted_by_ == 0 && !global_pre_failed_ && !node_post_failed_ && !rollout_stopped_ &&
      global_hooks_.size() > post_from) {
    exit_code_ = failed ? global_hooks_[*failed].exit_code() : kExitSuccess;
  }
}

void FleetRun::stop_rollout(std::string reason) {
  aborted_ = true;
  rollout_stopped_ = true;
  abort_reason_ = std::move(reason);
}

// Between batch `b` and the next: the failed-batch rule, the --batch-wait pause, then the gates.
asio::awaitable<void> FleetRun::between_batches(std::size_t b) {
  std::vector<std::string> not_deployed;
  for (std::size_t index : plan_.batches[b]) {
    if (results_[index].status != NodeStatus::deployed) {
      not_deployed.push_back(nodes_[index]->name);
    }
  }
  const std::size_t batches = plan_.batches.size();
  if (options_.stop_after_failed_batch && !not_deployed.empty()) {
    std::vector<std::string> shown(
        not_deployed.begin(),
        not_deployed.begin() +
            static_cast<std::ptrdiff_t>(std::min<std::size_t>(not_deployed.size(), 3)));
    stop_rollout(fmt::format(
        "batch {} of {} ended with {} {} not deployed ({}{}): the rollout stops before batch {} "
        "(--max-fail sets a budget, --max-fail none goes on regardless)",
        b + 1, batches, not_deployed.size(), not_deployed.size() == 1 ? "node" : "nodes",
        join(shown, ", "), not_deployed.size() > shown.size() ? ", …" : "", b + 2));
    co_return;
  }
  if (options_.batch_wait.count() > 0) {
    observer_.batch_wait_started(options_.batch_wait, b + 2);
    pause_.emplace(co_await asio::this_coro::executor, options_.batch_wait);
    co_await pause_->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    pause_.reset();
    if (interrupted_by_ != 0) {
      co_return;
    }
  }
  std::vector<HookCall> gates = plan_.gates[b];
  for (auto& call : gates) {
    call.args.insert(call.args.begin(),
                     {std::to_string(b + 1), std::to_string(not_deployed.size())});
  }
  if (auto failed = co_await run_global_hooks(std::move(gates), OnHookFailure::stop);
      failed && interrupted_by_ == 0) {
    const HookRecord& gate = global_hooks_[*failed];
    stop_rollout(
        fmt::format("gate '{}' failed after batch {} of {} ({}): the rollout stops "
                    "before batch {}",
                    gate.name, b + 1, batches, gate.outcome(), b + 2));
  }
}

asio::awaitable<void> FleetRun::act_on_node(std::size_t index, NodeLog& log) {
  NodeResult& result = results_[index];
  try {
    // An if, not ?: — g++ 12 frees a temporary of a co_await inside ?: twice.
    NodeOutcome outcome;
    if (options_.timeout) {
      std::string message = "timed out after " + seconds_text(*options_.timeout) +
                            " (--timeout); the command was stopped";
      outcome = co_await within(*options_.timeout, action_.run(index, log), std::move(message));
    } else {
      outcome = co_await action_.run(index, log);
    }
    result.rc = outcome.rc;
    result.signal = outcome.signal;
    result.transferred = outcome.transferred;
    result.status = outcome.rc == 0 ? NodeStatus::deployed : NodeStatus::failed;
  } catch (const NodeError& e) {
    result.status = NodeStatus::failed;
    result.failure = e.kind();
    result.error = e.what();
  } catch (const std::system_error& e) {
    if (e.code() != asio::error::operation_aborted) {
      throw;
    }
    result.status = NodeStatus::cancelled;
    result.failure = FailureKind::cancelled;
    result.error = "cancelled; the command was stopped";
  }
}

HookEvents FleetRun::node_hook_events(const std::string& node, NodeLog& log) {
  HookEvents events;
  events.output = [this, &log, &node](const Hook& hook, bool is_stderr, std::string_view line) {
    log.hook_line(hook.name, is_stderr, line);
    observer_.hook_output(node, hook.name, is_stderr, line);
  };
  events.finished = [this, &log, &node](const HookRecord& hook) {
    log.note(fmt::format("{} '{}': {} in {:.3f} s", hook_type_name(hook.type), hook.name,
                         hook.outcome(), hook.duration_s));
    observer_.hook_finished(node, hook);
  };
  return events;
}

asio::awaitable<void> FleetRun::run_node(std::size_t index) {
  NodeResult& result = results_[index];
  const std::string& name = nodes_[index]->name;
  const auto started = std::chrono::steady_clock::now();
  result.started = std::chrono::system_clock::now();
  if (!options_.log_dir.empty()) {
    // Under nodes/, where no node name can meet run.log or report.json.
    result.log = options_.log_dir + "/nodes/" + name + ".log";
  }
  observer_.node_started(result);
  NodeLog log(result, options_.log_modes.file, options_.node_log_limit, observer_);

  bool act = true;
  if (const auto& pre = plan_.node_pre[index]; !pre.empty()) {
    std::vector<HookCall> calls;
    for (const Hook* hook : pre) {
      calls.push_back({hook, {name}});
    }
    if (auto failed =
            co_await run_hooks(std::move(calls), options_.hook_environment, result.batch,
                               OnHookFailure::stop, node_hook_events(name, log), result.hooks)) {
      const HookRecord& hook = result.hooks[*failed];
      act = false;
      result.status = hook.cancelled ? NodeStatus::cancelled : NodeStatus::skipped;
      result.failure = hook.cancelled ? FailureKind::cancelled : FailureKind::hook;
      result.error =
          hook.cancelled
              ? fmt::format("cancelled {} its pre hook '{}' {}", hook.ran ? "while" : "before",
                            hook.name, hook.ran ? "ran" : "started")
              : fmt::format("pre hook '{}' failed ({}): not deployed", hook.name, hook.outcome());
    }
  }
  if (act) {
    co_await act_on_node(index, log);
  }
  // The post hooks close what the pre hooks opened (a node drained from its load balancer is
  // put back), so every node whose turn began gets them — its converge done, failed, or
  // cancelled by an abort or a signal (then with kCancelledDeployRc) — but not a node whose pre
  // hook failed (it was not deployed) or whose turn never began. They run shielded from the
  // run's cancellation, each bounded by its own timeout: a post hook already running when
  // another node aborts the run finishes.
  const bool attempted =
      act && (result.status == NodeStatus::deployed || result.status == NodeStatus::failed);
  const bool cancelled_in_turn =
      result.status == NodeStatus::cancelled &&
      (act || std::any_of(result.hooks.begin(), result.hooks.end(),
                          [](const HookRecord& hook) { return hook.ran; }));
  if (const auto& post = plan_.node_post[index];
      (attempted || cancelled_in_turn) && !post.empty()) {
    // A node whose work failed without an exit status of its own (connect, sync, timeout, a
    // signal) is 1.
    const std::string rc = std::to_string(cancelled_in_turn ? kCancelledDeployRc
                                          : result.status == NodeStatus::deployed ? 0
                                          : result.rc                             ? *result.rc
                                                                                  : 1);
    std::vector<HookCall> calls;
    for (const Hook* hook : post) {
      calls.push_back({hook, {rc, name}});
    }
    co_await asio::this_coro::reset_cancellation_state();
    auto failed = co_await asio::co_spawn(
        co_await asio::this_coro::executor,
        run_hooks(std::move(calls), options_.hook_environment, result.batch, OnHookFailure::stop,
                  node_hook_events(name, log), result.hooks),
        asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
    if (failed) {
      const HookRecord& hook = result.hooks[*failed];
      if (cancelled_in_turn) {
        result.error += fmt::format("; its post hook '{}' failed ({})", hook.name, hook.outcome());
      } else {
        result.status = NodeStatus::failed;
        result.failure = FailureKind::hook;
        result.error = fmt::format("post hook '{}' failed ({})", hook.name, hook.outcome());
        abort_run(fmt::format("post hook '{}' failed on {} ({})", hook.name, name, hook.outcome()));
      }
    } else if (cancelled_in_turn) {
      result.error += fmt::format("; its post hooks ran (deploy code {})", kCancelledDeployRc);
    }
  }
  if (result.status != NodeStatus::deployed) {
    for (const auto& caveat : log.caveats()) {
      result.error += (result.error.empty() ? "" : "; ") + caveat;
    }
  }
  const std::string reason = result.reason(options_.command_noun);
  log.note(std::string("result: ") + node_status_name(result.status) +
           (reason.empty() ? "" : " (" + reason + ")"));
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
