// The run's rules with a fake node action and no network: the window, batches, the failure
// budget, the abort through a node post hook, interruption, exit codes and the records the
// report is made of. Hooks are real local processes; the nodes are not.
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/run/fleet_run.hpp>
#include <brigade/run/run_plan.hpp>
#include <brigade/util/exit_status.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace brigade;
using brigade::test::TempDir;
using brigade::test::write_script;

namespace {

// A node action that does nothing but count and wait: a node "runs" until the test releases it
// (or at once, with `instant`), then ends as `outcomes` says (rc 0 by default). It records the
// order of events and the most nodes ever in flight — the parallel bound, counted, not timed.
class FakeAction : public NodeAction {
 public:
  struct Script {
    std::optional<int> rc = 0;
    std::string signal;
    std::optional<FailureKind> failure;  ///< Thrown as a NodeError.
    std::size_t lines = 1;               ///< Lines of output it prints.

    static Script exits(int rc, std::size_t lines = 1) {
      Script script;
      script.rc = rc;
      script.lines = lines;
      return script;
    }
    static Script killed(std::string signal) {
      Script script;
      script.rc = std::nullopt;
      script.signal = std::move(signal);
      return script;
    }
    static Script fails(FailureKind kind) {
      Script script;
      script.failure = kind;
      return script;
    }
  };

  bool instant = false;
  std::map<std::size_t, Script> outcomes;
  std::vector<std::string> events;
  std::size_t max_in_flight = 0;

  asio::awaitable<NodeOutcome> run(std::size_t node, NodeOutput& output) override {
    events.push_back(fmt::format("start {}", node));
    // No temporaries in this coroutine's expressions: g++ 12 mis-destroys some of them.
    Script script;
    if (auto found = outcomes.find(node); found != outcomes.end()) {
      script = found->second;
    }
    for (std::size_t i = 0; i < script.lines; ++i) {
      output.on_line(OutputStream::out, fmt::format("node {} line {}", node, i + 1));
    }
    ++in_flight_;
    max_in_flight = std::max(max_in_flight, in_flight_);
    bool released = true;
    if (instant) {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    } else {
      auto& timer = waiting_[node] = std::make_unique<asio::steady_timer>(
          co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
      co_await timer->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
      released = released_.count(node) != 0;
      waiting_.erase(node);
    }
    --in_flight_;
    if (!released) {  // the run's cancellation reached the wait
      events.push_back(fmt::format("cancelled {}", node));
      throw std::system_error(asio::error::operation_aborted);
    }
    events.push_back(fmt::format("end {}", node));
    if (script.failure) {
      throw NodeError(*script.failure, fmt::format("node {} failed", node));
    }
    NodeOutcome outcome;
    outcome.rc = script.rc;
    outcome.signal = script.signal;
    outcome.transferred = node % 2 == 0;
    co_return outcome;
  }

  void release(std::size_t node) {
    released_.insert(node);
    waiting_.at(node)->cancel();
  }
  std::size_t in_flight() const { return in_flight_; }
  std::vector<std::size_t> waiting() const {
    std::vector<std::size_t> nodes;
    for (const auto& [node, timer] : waiting_) {
      nodes.push_back(node);
    }
    return nodes;
  }
  bool started(std::size_t node) const {
    return std::find(events.begin(), events.end(), fmt::format("start {}", node)) != events.end();
  }

 private:
  std::size_t in_flight_ = 0;
  std::map<std::size_t, std::unique_ptr<asio::steady_timer>> waiting_;
  std::set<std::size_t> released_;
};

// Records what the observer is told.
struct Recorder : RunObserver {
  std::vector<std::string> events;
  std::map<std::string, std::vector<std::string>> output;
  void batch_started(std::size_t batch, std::size_t batches, std::size_t nodes) override {
    events.push_back(fmt::format("batch {}/{} ({})", batch, batches, nodes));
  }
  void node_started(const NodeResult& node) override { events.push_back("started " + node.name); }
  void node_output(const NodeResult& node, OutputStream, std::string_view line) override {
    output[node.name].emplace_back(line);
  }
  void node_finished(const NodeResult& node) override { events.push_back("finished " + node.name); }
  void global_hook_started(const Hook& hook) override { events.push_back("hook " + hook.name); }
};

// A fleet of `count` nodes n00, n01, … and a run over them, driven step by step.
struct Fixture {
  explicit Fixture(std::size_t count, std::vector<NodeCount> sizes = {},
                   std::vector<Hook> hook_list = {})
      : nodes(count), hooks(std::move(hook_list)) {
    for (std::size_t i = 0; i < count; ++i) {
      nodes[i].name = fmt::format("n{:02}", i);
      selection.push_back(&nodes[i]);
    }
    plan = plan_run(selection, hooks, sizes);
    options.hook_environment.kitchen = kitchen.str();
    options.hook_environment.run_id = "test-run";
  }

  FleetRun& start() {
    run.emplace(selection, plan, options, action, recorder);
    asio::co_spawn(context, run->run(), [this](std::exception_ptr e) {
      done = true;
      error = e;
    });
    settle();
    return *run;
  }
  // Runs every handler that is ready, and waits (bounded) for hook processes to end.
  void settle() {
    context.restart();
    context.poll();
  }
  // Runs until `predicate` holds or 30 s have passed (a bound on a hang, not a timing).
  bool run_until(const std::function<bool()>& predicate) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!predicate() && std::chrono::steady_clock::now() < deadline) {
      context.restart();
      context.run_one_for(std::chrono::milliseconds(50));
    }
    return predicate();
  }
  bool finish() {
    return run_until([this] { return done; }) && !error;
  }
  const NodeResult& result(std::size_t i) const { return run->results().at(i); }
  std::size_t count(NodeStatus status) const {
    return static_cast<std::size_t>(
        std::count_if(run->results().begin(), run->results().end(),
                      [status](const NodeResult& r) { return r.status == status; }));
  }

  TempDir kitchen;
  std::vector<Node> nodes;
  std::vector<const Node*> selection;
  std::vector<Hook> hooks;
  RunPlan plan;
  RunOptions options;
  FakeAction action;
  Recorder recorder;
  asio::io_context context{1};
  std::optional<FleetRun> run;
  bool done = false;
  std::exception_ptr error;
};

Hook hook(const std::string& name, HookType type, std::vector<std::string> exec,
          std::map<HookFilter, std::vector<std::string>> filters = {}) {
  Hook h;
  h.name = name;
  h.type = type;
  h.exec = std::move(exec);
  h.filters = std::move(filters);
  return h;
}

NodeCount count_of(std::size_t n) {
  return NodeCount{NodeCount::Kind::count, n};
}

}  // namespace

TEST_CASE("run: at most `parallel` nodes in flight, a freed slot refilled at once", "[run]") {
  Fixture f(10);
  f.options.parallel = 3;
  f.start();
  CHECK(f.action.in_flight() == 3);
  CHECK(f.action.waiting() == std::vector<std::size_t>{0, 1, 2});
  // Whichever node ends, the next one in order takes its slot before anything else happens.
  const std::vector<std::size_t> release_order = {1, 0, 2, 5, 3, 4, 6, 9, 7, 8};
  std::size_t next = 3;
  std::size_t ended = 0;
  for (std::size_t node : release_order) {
    f.action.release(node);
    f.settle();
    ++ended;
    if (next < 10) {
      CHECK(f.action.started(next));
      CHECK_FALSE(f.action.started(next + 1));
      ++next;
    }
    CHECK(f.action.in_flight() == std::min<std::size_t>(3, 10 - ended));
  }
  REQUIRE(f.finish());
  CHECK(f.action.max_in_flight == 3);
  CHECK(f.count(NodeStatus::deployed) == 10);
  CHECK(f.run->exit_code() == kExitSuccess);
}

TEST_CASE("run: staged batches start in order, each after the previous one has ended", "[run]") {
  // 1, 2, then 50% (of 9: 5) repeating: 1 + 2 + 5 + 1.
  Fixture f(9, {count_of(1), count_of(2), NodeCount{NodeCount::Kind::percent, 50}});
  f.options.parallel = 4;
  f.action.instant = true;
  f.start();
  REQUIRE(f.finish());
  REQUIRE(f.plan.batches.size() == 4);
  CHECK(f.plan.batch_names(f.selection) ==
        std::vector<std::vector<std::string>>{
            {"n00"}, {"n01", "n02"}, {"n03", "n04", "n05", "n06", "n07"}, {"n08"}});
  // Every node of a batch ends before the first node of the next starts.
  auto position = [&](const std::string& event) {
    return std::find(f.action.events.begin(), f.action.events.end(), event) -
           f.action.events.begin();
  };
  for (std::size_t b = 0; b + 1 < f.plan.batches.size(); ++b) {
    for (std::size_t node : f.plan.batches[b]) {
      CHECK(position(fmt::format("end {}", node)) <
            position(fmt::format("start {}", f.plan.batches[b + 1].front())));
    }
  }
  CHECK(f.action.max_in_flight == 4);  // the third batch, 5 nodes, 4 at a time
  for (std::size_t i = 0; i < 9; ++i) {
    CHECK(f.result(i).batch == (i == 0 ? 1 : i < 3 ? 2 : i < 8 ? 3 : 4));
  }
  CHECK(f.recorder.events.front() == "batch 1/4 (1)");
  CHECK(std::count(f.recorder.events.begin(), f.recorder.events.end(), "batch 3/4 (5)") == 1);
}

TEST_CASE("run: --max-fail is exact at the boundary", "[run]") {
  auto failing_first = [](std::size_t failures, NodeCount max_fail) {
    auto f = std::make_unique<Fixture>(10);
    f->options.parallel = 1;
    f->options.max_fail = max_fail;
    f->action.instant = true;
    for (std::size_t i = 0; i < failures; ++i) {
      f->action.outcomes[i] = FakeAction::Script::exits(3);
    }
    f->start();
    REQUIRE(f->finish());
    return f;
  };
  SECTION("as many failures as the budget: every node runs, exit 1") {
    auto f = failing_first(2, count_of(2));
    CHECK(f->count(NodeStatus::failed) == 2);
    CHECK(f->count(NodeStatus::deployed) == 8);
    CHECK_FALSE(f->run->aborted());
    CHECK(f->run->exit_code() == kExitNodeFailed);
  }
  SECTION("one more: nothing new starts, exit 4 with the reason") {
    auto f = failing_first(3, count_of(2));
    CHECK(f->count(NodeStatus::failed) == 3);
    CHECK(f->count(NodeStatus::not_started) == 7);
    CHECK_FALSE(f->action.started(3));
    CHECK(f->run->aborted());
    CHECK(f->run->abort_reason() == "3 failures exceed --max-fail 2");
    CHECK(f->run->exit_code() == kExitAborted);
  }
  SECTION("a percentage rounds down: 25% of 10 allows 2") {
    auto f = failing_first(3, NodeCount{NodeCount::Kind::percent, 25});
    CHECK(f->count(NodeStatus::not_started) == 7);
    CHECK(f->run->abort_reason() == "3 failures exceed --max-fail 25%");
  }
  SECTION("0: the first failure stops the run") {
    auto f = failing_first(1, count_of(0));
    CHECK(f->count(NodeStatus::not_started) == 9);
    CHECK(f->run->exit_code() == kExitAborted);
  }
}

TEST_CASE("run: the budget lets the nodes in flight finish, and counts them", "[run]") {
  Fixture f(6);
  f.options.parallel = 3;
  f.options.max_fail = count_of(0);
  f.action.outcomes[1] = FakeAction::Script::fails(FailureKind::connect);
  f.start();
  f.action.release(1);
  f.settle();
  CHECK(f.run->aborted());
  CHECK_FALSE(f.action.started(3));  // its slot is not refilled
  CHECK(f.action.in_flight() == 2);  // the others go on
  f.action.release(0);
  f.action.release(2);
  REQUIRE(f.finish());
  CHECK(f.result(0).status == NodeStatus::deployed);
  CHECK(f.result(1).status == NodeStatus::failed);
  CHECK(f.result(2).status == NodeStatus::deployed);
  CHECK(f.count(NodeStatus::not_started) == 3);
}

TEST_CASE("run: a failing node post hook aborts the run, cancelling every node in flight",
          "[run][hooks]") {
  Fixture f(12, {},
            {hook("gate", HookType::postdeployhook, {"/bin/sh", "-c", "exit 2"},
                  {{HookFilter::nodes, {"n00"}}}),
             hook("notify", HookType::global_postdeployhook, {"/bin/true"})});
  f.options.parallel = 5;
  f.start();
  CHECK(f.action.in_flight() == 5);
  f.action.release(0);
  REQUIRE(f.run_until([&] { return f.done; }));
  CHECK_FALSE(f.error);
  CHECK(f.result(0).status == NodeStatus::failed);
  CHECK(f.result(0).failure == FailureKind::hook);
  CHECK(f.result(0).rc == 0);  // its own deploy went well; the hook failed it
  CHECK(f.result(0).reason("the converge command") == "post hook 'gate' failed (exit 2)");
  for (std::size_t i = 1; i < 5; ++i) {
    INFO("node " << i);
    CHECK(f.result(i).status == NodeStatus::cancelled);
    CHECK(f.result(i).failure == FailureKind::cancelled);
  }
  // Node 0 held its slot while its post hook ran: nothing started after the first five.
  CHECK(f.count(NodeStatus::not_started) == 7);
  CHECK(f.run->abort_reason() == "post hook 'gate' failed on n00 (exit 2)");
  // The global post hooks still ran, with the run's outcome, and do not decide its code.
  REQUIRE(f.run->global_hooks().size() == 1);
  CHECK(f.run->global_hooks()[0].args.front() == std::to_string(kExitAborted));
  CHECK(f.run->exit_code() == kExitAborted);
}

TEST_CASE(
    "run: SIGINT mid-batch cancels the nodes in flight, starts none, global post hooks "
    "run",
    "[run][hooks]") {
  for (int signal : {SIGINT, SIGTERM}) {
    INFO("signal " << signal);
    Fixture f(6, {count_of(3)}, {hook("undo", HookType::global_postdeployhook, {"/bin/true"})});
    f.options.parallel = 2;
    f.start();
    f.action.release(0);
    f.settle();
    CHECK(f.action.in_flight() == 2);  // nodes 1 and 2
    f.run->interrupt(signal);
    REQUIRE(f.finish());
    CHECK(f.result(0).status == NodeStatus::deployed);
    CHECK(f.result(1).status == NodeStatus::cancelled);
    CHECK(f.result(2).status == NodeStatus::cancelled);
    CHECK(f.result(2).reason("the command") == "cancelled; the command was stopped");
    CHECK(f.count(NodeStatus::not_started) == 3);  // the second batch never started
    CHECK(std::count(f.recorder.events.begin(), f.recorder.events.end(), "batch 2/2 (3)") == 0);
    const int code = signal == SIGINT ? kExitInterrupted : kExitTerminated;
    REQUIRE(f.run->global_hooks().size() == 1);
    CHECK(f.run->global_hooks()[0].args ==
          std::vector<std::string>{std::to_string(code), "n00", "n01", "n02", "n03", "n04", "n05"});
    CHECK(f.run->exit_code() == code);
  }
}

TEST_CASE("run: exit codes as the README states them", "[run][hooks]") {
  SECTION("every node succeeded: 0") {
    Fixture f(3);
    f.action.instant = true;
    f.start();
    REQUIRE(f.finish());
    CHECK(f.run->exit_code() == kExitSuccess);
  }
  SECTION("a node failed, by exit status, signal or failure: 1") {
    Fixture f(4);
    f.action.instant = true;
    f.action.outcomes[1] = FakeAction::Script::exits(7);
    f.action.outcomes[2] = FakeAction::Script::killed("KILL");
    f.action.outcomes[3] = FakeAction::Script::fails(FailureKind::auth);
    f.start();
    REQUIRE(f.finish());
    CHECK(f.run->exit_code() == kExitNodeFailed);
    CHECK(f.result(1).reason("the converge command") == "the converge command exited with 7");
    CHECK(f.result(2).reason("the converge command") ==
          "the converge command was killed by signal KILL");
    CHECK(f.result(2).status == NodeStatus::failed);
    CHECK(f.result(3).reason("the converge command") == "auth: node 3 failed");
    CHECK(f.result(3).failure == FailureKind::auth);
    CHECK(f.result(3).error == "node 3 failed");
  }
  SECTION("a global pre hook failed: 3, no node started, global post hooks get 3") {
    Fixture f(3, {},
              {hook("check", HookType::global_predeployhook, {"/bin/false"}),
               hook("notify", HookType::global_postdeployhook, {"/bin/true"})});
    f.start();
    REQUIRE(f.finish());
    CHECK(f.action.events.empty());
    CHECK(f.count(NodeStatus::not_started) == 3);
    CHECK(f.run->abort_reason() == "global pre hook 'check' failed (exit 1): no node was deployed");
    CHECK(f.run->global_hooks().back().args.front() == "3");
    CHECK(f.run->exit_code() == kExitGlobalPreHook);
  }
  SECTION("global post hooks decide: the first failing one's code, a passed-on code too") {
    for (int failing_rc : {0, 9}) {
      INFO("the failing node exits " << failing_rc);
      Fixture f(2, {},
                {hook("pass-on", HookType::global_postdeployhook, {"/bin/sh", "-c", "exit $0"}),
                 hook("late", HookType::global_postdeployhook, {"/bin/sh", "-c", "exit 6"})});
      f.action.instant = true;
      f.action.outcomes[1] = FakeAction::Script::exits(failing_rc);
      f.start();
      REQUIRE(f.finish());
      // All deployed: the first hook passes 0 on, the second one's 6 decides. A node failed:
      // the first hook passes 1 on and is the first failure.
      CHECK(f.run->exit_code() == (failing_rc == 0 ? 6 : kExitNodeFailed));
    }
  }
  SECTION("global post hooks that succeed make 0 even after a node failure") {
    Fixture f(2, {}, {hook("forgive", HookType::global_postdeployhook, {"/bin/true"})});
    f.action.instant = true;
    f.action.outcomes[0] = FakeAction::Script::exits(9);
    f.start();
    REQUIRE(f.finish());
    CHECK(f.run->exit_code() == kExitSuccess);
  }
  SECTION("a node pre hook failed: the node is skipped, not acted on, exit 1") {
    Fixture f(
        2, {},
        {hook("ready", HookType::predeployhook, {"/bin/false"}, {{HookFilter::nodes, {"n01"}}})});
    f.action.instant = true;
    f.start();
    REQUIRE(f.finish());
    CHECK_FALSE(f.action.started(1));
    CHECK(f.result(1).status == NodeStatus::skipped);
    CHECK(f.result(1).failure == FailureKind::hook);
    CHECK(f.result(1).reason("x") == "pre hook 'ready' failed (exit 1): not deployed");
    CHECK(f.run->exit_code() == kExitNodeFailed);
  }
}

TEST_CASE("run: --timeout ends a node's action as a timeout failure", "[run]") {
  Fixture f(2);
  f.options.timeout = std::chrono::seconds(1);
  f.start();
  f.action.release(0);
  REQUIRE(f.finish());  // node 1 is never released: its deadline ends it
  CHECK(f.result(0).status == NodeStatus::deployed);
  CHECK(f.result(1).status == NodeStatus::failed);
  CHECK(f.result(1).failure == FailureKind::timeout);
  CHECK(f.result(1).reason("x") ==
        "timeout: timed out after 1 s (--timeout); the command was stopped");
  CHECK(f.action.events.back() == "cancelled 1");  // the action saw the cancellation
}

TEST_CASE("run: each node's record holds what the report needs", "[run][hooks]") {
  Fixture f(3, {count_of(2)},
            {hook("before", HookType::predeployhook, {"/bin/sh", "-c", "echo before $0"}),
             hook("after", HookType::postdeployhook,
                  {"/bin/sh", "-c", "echo \"after $0 $1 $BRIGADE_BATCH\""})});
  f.action.instant = true;
  f.action.outcomes[0] = FakeAction::Script::exits(0, 12);
  f.action.outcomes[2] = FakeAction::Script::exits(4);
  f.options.log_dir = f.kitchen.str();
  std::filesystem::create_directories(f.kitchen.path() / "nodes");
  f.start();
  REQUIRE(f.finish());

  const NodeResult& first = f.result(0);
  CHECK(first.name == "n00");
  CHECK(first.batch == 1);
  CHECK(first.status == NodeStatus::deployed);
  CHECK(first.rc == 0);
  CHECK(first.transferred);
  CHECK(first.started.has_value());
  CHECK(first.finished >= first.started);
  CHECK(first.log == f.kitchen.str() + "/nodes/n00.log");
  CHECK(first.log_error.empty());
  // The last 10 lines of the node and its hooks, in order.
  REQUIRE(first.tail.size() == 10);
  CHECK(first.tail.front() == "node 0 line 4");
  CHECK(first.tail[8] == "node 0 line 12");
  CHECK(first.tail.back() == "[after] after 0 n00 1");
  REQUIRE(first.hooks.size() == 2);
  CHECK(first.hooks[0].name == "before");
  CHECK(first.hooks[0].args == std::vector<std::string>{"n00"});
  CHECK(first.hooks[1].args == std::vector<std::string>{"0", "n00"});
  // The observer saw the node's own lines, not the hooks'.
  CHECK(f.recorder.output["n00"].size() == 12);

  const NodeResult& third = f.result(2);
  CHECK(third.batch == 2);
  CHECK(third.status == NodeStatus::failed);
  CHECK_FALSE(third.failure.has_value());
  CHECK(third.hooks[1].args == std::vector<std::string>{"4", "n02"});  // its exit status
  CHECK(third.tail.back() == "[after] after 4 n02 2");

  // The node log holds the same lines and the result.
  const std::string log = brigade::test::file_text(third.log);
  CHECK(log.find("node 2 line 1\n") != std::string::npos);
  CHECK(log.find("[before] before n02\n") != std::string::npos);
  CHECK(log.find("# brigade: result: failed (the command exited with 4)\n") != std::string::npos);

  RunReport report;
  report.nodes = f.run->results();
  report.batches = f.plan.batch_names(f.selection);
  const auto json = report.to_json();
  CHECK(json["batches"] == nlohmann::json::parse(R"([["n00","n01"],["n02"]])"));
  CHECK(json["nodes"][2]["error"] == "the converge command exited with 4");
  CHECK(json["nodes"][2]["rc"] == 4);
  CHECK(json["nodes"][0]["error"].is_null());
  CHECK(json["nodes"][0]["kitchen_transferred"] == true);
  CHECK(json["nodes"][1]["kitchen_transferred"] == false);
}

TEST_CASE("run: a staged rollout stops after a batch with a failure, unless told otherwise",
          "[run][rollout]") {
  auto rollout = [](bool stop_after_failed_batch, std::optional<NodeCount> budget) {
    // 1 canary, then 2, then the rest 2 at a time; the canary fails.
    auto f = std::make_unique<Fixture>(7, std::vector<NodeCount>{count_of(1), count_of(2)});
    f->options.stop_after_failed_batch = stop_after_failed_batch;
    f->options.max_fail = budget;
    f->action.instant = true;
    f->action.outcomes[0] = FakeAction::Script::exits(1);
    f->start();
    REQUIRE(f->finish());
    return f;
  };
  SECTION("by default: no next batch, exit 4, the reason names the batch and the node") {
    auto f = rollout(true, std::nullopt);
    CHECK(f->count(NodeStatus::failed) == 1);
    CHECK(f->count(NodeStatus::not_started) == 6);
    CHECK_FALSE(f->action.started(1));
    CHECK(f->run->aborted());
    CHECK(f->run->abort_reason() ==
          "batch 1 of 4 ended with 1 node not deployed (n00): the rollout stops before batch 2 "
          "(--max-fail sets a budget, --max-fail none goes on regardless)");
    CHECK(f->run->exit_code() == kExitAborted);
  }
  SECTION("--max-fail none: every batch runs, exit 1") {
    auto f = rollout(false, std::nullopt);
    CHECK(f->count(NodeStatus::deployed) == 6);
    CHECK_FALSE(f->run->aborted());
    CHECK(f->run->exit_code() == kExitNodeFailed);
  }
  SECTION("--max-fail 1: the budget counts across batches instead") {
    auto f = rollout(false, count_of(1));
    CHECK(f->count(NodeStatus::deployed) == 6);
    CHECK(f->run->exit_code() == kExitNodeFailed);
  }
  SECTION("a global post hook does not turn a stopped rollout into success") {
    auto f = std::make_unique<Fixture>(
        3, std::vector<NodeCount>{count_of(1)},
        std::vector<Hook>{hook("notify", HookType::global_postdeployhook, {"/bin/true"})});
    f->options.stop_after_failed_batch = true;
    f->action.instant = true;
    f->action.outcomes[0] = FakeAction::Script::exits(2);
    f->start();
    REQUIRE(f->finish());
    CHECK(f->run->global_hooks().back().args.front() == "4");
    CHECK(f->run->exit_code() == kExitAborted);
  }
}

TEST_CASE("run: gates between batches get the batch, its failures and its nodes",
          "[run][rollout][hooks]") {
  // The gate records its arguments, and fails after the batch that holds n03.
  Fixture f(
      6, {count_of(2)},
      {hook("smoke", HookType::postbatchhook,
            {"/bin/sh", "-c", "echo \"$@\" >> \"$BRIGADE_KITCHEN/gate.log\"; [ \"$0\" != 2 ]"}),
       hook("edge only", HookType::postbatchhook, {"/bin/true"}, {{HookFilter::nodes, {"n05"}}})});
  f.action.instant = true;
  f.action.outcomes[1] = FakeAction::Script::exits(3);  // a failure the gate is told about
  f.options.max_fail = std::nullopt;  // the gate, not the batch rule, decides here
  f.start();
  REQUIRE(f.finish());
  // $0 is the batch number, then the failures and the nodes.
  CHECK(brigade::test::file_text(f.kitchen.str() + "/gate.log") == "1 n00 n01\n0 n02 n03\n");
  REQUIRE(f.plan.gates.size() == 2);
  CHECK(f.plan.gates[0].size() == 1);            // "edge only" matches no node of batches 1 and 2
  CHECK(f.count(NodeStatus::not_started) == 2);  // batch 3 never started
  CHECK(f.run->abort_reason() ==
        "gate 'smoke' failed after batch 2 of 3 (exit 1): the rollout stops before batch 3");
  CHECK(f.run->exit_code() == kExitAborted);
  // The gates are in the run's hook records, with their arguments.
  REQUIRE(f.run->global_hooks().size() == 2);
  CHECK(f.run->global_hooks()[0].type == HookType::postbatchhook);
  CHECK(f.run->global_hooks()[0].args == std::vector<std::string>{"1", "1", "n00", "n01"});
}

TEST_CASE("run: --batch-wait comes before the gate, and SIGINT during it starts nothing",
          "[run][rollout][hooks]") {
  Fixture f(4, {count_of(2)}, {hook("gate", HookType::postbatchhook, {"/bin/true"})});
  f.action.instant = true;
  f.options.batch_wait = std::chrono::seconds(600);
  f.start();
  REQUIRE(f.run_until([&] { return f.action.events.size() == 4; }));  // batch 1 is done
  f.settle();
  CHECK(f.run->global_hooks().empty());  // waiting, the gate not yet run
  f.run->interrupt(SIGINT);
  REQUIRE(f.finish());
  CHECK(f.run->global_hooks().empty());
  CHECK(f.count(NodeStatus::not_started) == 2);
  CHECK(f.run->exit_code() == kExitInterrupted);
}
