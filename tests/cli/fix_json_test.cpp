// fix --json: the run as JSON events on stdout, one a line, and nothing else there; every line
// valid against docs/fix-events.schema.json, and every field one the schema documents.

#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>

using brigade::test::lines_of;
using brigade::test::run_brigade;
using brigade::test::run_shell;
using brigade::test::Sshd;
using brigade::test::TempDir;

TEST_CASE("fix --json: run, batch, node and hook events, one JSON object a line",
          "[sshd][deploy][json]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(
      kitchen, sshd, 3,
      "if [ {node} = n02.fleet.test ]; then printf 'bad \\377\\n'; exit 4; fi; echo ok");
  brigade::test::write_script(kitchen, "hooks/notify", "exit 0\n");
  kitchen.write("hooks/notify.json",
                R"({"name": "notify", "type": "global_predeployhook", "exec": ["notify"]})");
  kitchen.write("hooks/check.json",
                R"({"name": "check", "type": "postdeployhook", "exec": ["notify"]})");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "-y", "--json", "--batch-size",
                          "1,2", "--max-fail", "none"});
  INFO(run.out);
  INFO(run.err);
  CHECK(run.status == 1);
  std::vector<nlohmann::json> events;
  for (const auto& line : lines_of(run.out)) {
    INFO(line);
    auto event = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_FALSE(event.is_discarded());  // stdout holds events alone
    events.push_back(event);
  }
  REQUIRE(events.size() >= 2);
  CHECK(events.front()["event"] == "run_started");
  CHECK(events.front()["nodes"] == 3);
  CHECK(events.front()["batches"] == 2);
  CHECK(events.back()["event"] == "run_finished");
  CHECK(events.back()["exit_code"] == 1);
  CHECK(events.back()["nodes"]["deployed"] == 2);
  CHECK(events.back()["nodes"]["failed"] == 1);
  std::map<std::string, int> kinds;
  for (const auto& event : events) {
    kinds[event["event"].get<std::string>()]++;
    if (event["event"] == "node_finished" && event["node"] == "n02.fleet.test") {
      CHECK(event["status"] == "failed");
      CHECK(event["rc"] == 4);
      CHECK(event["reason"] == "the converge command exited with 4");
    }
    if (event["event"] == "hook_finished") {
      CHECK(event["node"].is_null() == (event["hook"] == "notify"));
      CHECK(event["succeeded"] == true);
    }
  }
  CHECK(kinds["batch_started"] == 2);
  CHECK(kinds["node_started"] == 3);
  CHECK(kinds["node_finished"] == 3);
  CHECK(kinds["hook_finished"] == 4);  // notify, and check after each node, the failed one too

  // The schema a wrapper would validate against, checked by a real validator.
  if (run_shell("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null").status != 0) {
    WARN("python3-jsonschema is not installed (scripts/setup installs it): schema not checked");
  } else {
    kitchen.write("events.jsonl", run.out);
    auto checked = run_shell("/usr/bin/python3 " + std::string(BRIGADE_TESTS) +
                             "/support/check_json_lines.py " + BRIGADE_DOCS +
                             "/fix-events.schema.json " + kitchen.str() + "/events.jsonl 2>&1");
    INFO(checked.output);
    CHECK(checked.status == 0);
  }
  // The summary is still there, on stderr.
  CHECK(run.err.find("FAILED n02.fleet.test") != std::string::npos);
}
