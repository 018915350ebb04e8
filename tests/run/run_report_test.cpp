#include <brigade/run/run_report.hpp>

#include <catch2/catch.hpp>

using namespace brigade;

TEST_CASE("run report: a node's reason, a hook's outcome, times in UTC", "[report]") {
  NodeResult node;
  node.name = "web01";
  CHECK(node.reason("the converge command").empty());  // not started, nothing to say
  node.rc = 0;
  CHECK(node.reason("the converge command").empty());
  node.rc = 2;
  CHECK(node.reason("the converge command") == "the converge command exited with 2");
  node.rc.reset();
  node.signal = "KILL";
  CHECK(node.reason("the command") == "the command was killed by signal KILL");
  node.failure = FailureKind::host_key;
  node.error = "the host key changed";
  CHECK(node.reason("x") == "host key: the host key changed");  // the failure comes first
  node.failure = FailureKind::cancelled;
  node.error = "cancelled; the command was stopped";
  CHECK(node.reason("x") == "cancelled; the command was stopped");

  HookRecord hook;
  hook.rc = 3;
  CHECK(hook.outcome() == "exit 3");
  CHECK(hook.exit_code() == 3);
  hook.timed_out = true;
  CHECK(hook.outcome() == "timed out");
  CHECK(hook.exit_code() == 1);
  hook = HookRecord{};
  hook.cancelled = true;
  hook.ran = false;
  CHECK(hook.outcome() == "cancelled before it started");
  CHECK_FALSE(hook.succeeded());

  CHECK(iso8601_utc(std::chrono::system_clock::time_point(
            std::chrono::milliseconds(1764067500123))) == "2025-11-25T10:45:00.123Z");
}

TEST_CASE("run report: the JSON has every documented field", "[report]") {
  RunReport report;
  report.run_id = "20261201T000000Z";
  report.exit_code = 4;
  report.aborted = true;
  report.abort_reason = "3 failures exceed --max-fail 2";
  report.batches = {{"a"}, {"b"}};
  NodeResult a;
  a.name = "a";
  a.status = NodeStatus::failed;
  a.failure = FailureKind::auth;
  a.error = "no key accepted";
  a.batch = 1;
  report.nodes = {a};
  HookRecord hook;
  hook.name = "notify";
  hook.type = HookType::global_postdeployhook;
  hook.args = {"4", "a", "b"};
  hook.rc = 0;
  report.hooks = {hook};
  const auto json = report.to_json();
  for (const char* field : {"run_id", "started", "finished", "exit_code", "aborted", "abort_reason",
                            "selection", "batches", "nodes", "hooks"}) {
    CHECK(json.contains(field));
  }
  CHECK(json["abort_reason"] == "3 failures exceed --max-fail 2");
  const auto& node = json["nodes"][0];
  CHECK(node["status"] == "failed");
  CHECK(node["error"] == "auth: no key accepted");
  CHECK(node["rc"].is_null());
  CHECK(node["log"].is_null());
  CHECK(node["started"].is_null());
  CHECK(json["hooks"][0]["type"] == "global_postdeployhook");
  CHECK(json["hooks"][0]["args"] == nlohmann::json::parse(R"(["4","a","b"])"));
}

TEST_CASE("run report: the text written node by node is to_json().dump(2), byte for byte",
          "[report]") {
  const auto dumped = [](const RunReport& report) {
    return report.to_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  };
  RunReport empty;
  empty.run_id = "20261202T000000Z";
  CHECK(empty.to_json_text() == dumped(empty));

  RunReport report = empty;
  report.aborted = true;
  report.abort_reason = "a node post hook failed";
  report.selection = {{"selectors", {"node:all"}}, {"env", nullptr}};
  report.left_out = {"dummy"};
  report.batches = {{"a"}, {"b", "c\xff"}};
  for (const char* name : {"a", "b", "c\xff"}) {  // a name that is not UTF-8 is replaced alike
    NodeResult node;
    node.name = name;
    node.status = NodeStatus::deployed;
    node.rc = 0;
    node.started = std::chrono::system_clock::time_point{};
    node.duration_s = 1.23456;
    node.log = std::string("logs/") + name + ".log";
    report.nodes.push_back(node);
  }
  report.nodes[1].status = NodeStatus::failed;
  report.nodes[1].error = "multi\nline \"quoted\"";
  report.nodes[1].failure = FailureKind::sync;
  HookRecord hook;
  hook.name = "check";
  hook.type = HookType::postdeployhook;
  hook.args = {"x", "y"};
  report.nodes[2].hooks = {hook, hook};
  report.hooks = {hook};
  report.jump_hosts["b"] = {"bastion (admin@10.0.0.1 port 22)"};
  CHECK(report.to_json_text() == dumped(report));
}
