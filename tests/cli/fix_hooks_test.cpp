// Hooks at work in real runs against a real sshd: hook scripts record their argv, environment
// and working directory into a file, one line per call, and the tests read it back.
#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <thread>
#include <tuple>

using brigade::test::latest_report;
using brigade::test::make_fleet_kitchen;
using brigade::test::run_brigade;
using brigade::test::run_shell;
using brigade::test::run_shell_ok;
using brigade::test::Sshd;
using brigade::test::TempDir;
using brigade::test::wait_for_file;
using brigade::test::write_script;

namespace {

// One recorded hook call.
struct Call {
  std::string type;
  std::string name;
  std::string args;  // "[a][b c]"
  std::string run_id;
  std::string kitchen;
  std::string environment;  // "unset" when absent
  std::string batch;        // "unset" when absent
  std::string cwd;
  std::string stdin_bytes;
};

// The body of a hook script that appends one line describing its call to `file` and prints a
// line to stdout and one to stderr. One printf per call: concurrent hooks do not interleave.
std::string recorder(const std::string& file) {
  return "args=$(printf '[%s]' \"$@\")\n"
         "stdin=$(wc -c)\n"
         "printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\\n' \"$BRIGADE_HOOK_TYPE\" \"$BRIGADE_HOOK_NAME\" "
         "\"$args\" \"$BRIGADE_RUN_ID\" \"$BRIGADE_KITCHEN\" \"${BRIGADE_ENVIRONMENT-unset}\" "
         "\"${BRIGADE_BATCH-unset}\" \"$(pwd -P)\" \"$stdin\" >> " +
         file +
         "\n"
         "echo \"hello from $BRIGADE_HOOK_NAME\"\n"
         "echo \"warning from $BRIGADE_HOOK_NAME\" >&2\n";
}

std::vector<Call> read_calls(const std::string& file) {
  std::vector<Call> calls;
  std::istringstream lines(run_shell("cat " + file + " 2>/dev/null").output);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::istringstream parts(line);
    for (std::string field; std::getline(parts, field, '|');) {
      fields.push_back(field);
    }
    REQUIRE(fields.size() == 9);
    calls.push_back({fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6],
                     fields[7], fields[8]});
  }
  return calls;
}

// "name [args]" of the calls whose args mention `node`, in order.
std::vector<std::string> calls_for(const std::vector<Call>& calls, const std::string& node) {
  std::vector<std::string> out;
  for (const auto& call : calls) {
    if (call.type.starts_with("global_")) {
      continue;
    }
    if (call.args.find("[" + node + "]") != std::string::npos) {
      out.push_back(call.name + " " + call.args);
    }
  }
  return out;
}

std::vector<std::string> hook_names(const nlohmann::json& hooks) {
  std::vector<std::string> names;
  for (const auto& hook : hooks) {
    names.push_back(hook["name"].get<std::string>());
  }
  return names;
}

std::map<std::string, std::string> statuses_of(const nlohmann::json& report) {
  std::map<std::string, std::string> statuses;
  for (const auto& node : report["nodes"]) {
    statuses[node["name"].get<std::string>()] = node["status"].get<std::string>();
  }
  return statuses;
}

bool process_gone(pid_t pid) {
  return ::kill(pid, 0) != 0 ||
         run_shell("grep -q '^State:.*Z' /proc/" + std::to_string(pid) + "/status").status == 0;
}

// Waits (bounded) until `pid` has gone.
bool wait_gone(pid_t pid) {
  for (int attempt = 0; attempt < 250; ++attempt) {
    if (process_gone(pid)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

TEST_CASE("hooks run: arguments, order, environment and output for all four types",
          "[sshd][hooks]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  TempDir elsewhere;
  const std::string record = sshd.path("calls");
  make_fleet_kitchen(kitchen, sshd, 4, "true");
  kitchen.write("environments/staging.json", "{}");
  kitchen.write("nodes/n04.fleet.test.json",
                R"({"chef_environment": "staging", "tags": ["canary"], "run_list": []})");
  write_script(kitchen, "hooks/record", recorder(record));
  const std::string absolute = write_script(elsewhere, "record-elsewhere", recorder(record));
  kitchen.write("hooks/a.json", R"([
    {"name": "announce", "type": "global_predeployhook",
     "exec": ["record", "--fixed", "two words"],
     "filters": {"chef_environment": ["production"]}},
    {"name": "never", "type": "global_predeployhook", "exec": "record",
     "filters": {"nodes": ["nothing*"]}},
    {"name": "summary", "type": "global_postdeployhook", "exec": "record"}
  ])");
  kitchen.write("hooks/b.json", fmt::format(R"([
    {{"name": "drain", "type": "predeployhook", "exec": "record",
     "filters": {{"chef_environment": ["production"], "nodes": ["n0[12]*"]}}}},
    {{"name": "restore", "type": "postdeployhook", "exec": "{}"}}
  ])",
                                            absolute));
  kitchen.write("hooks/c.json", R"([
    {"name": "second", "type": "predeployhook", "exec": "record"},
    {"name": "canary check", "type": "predeployhook", "exec": "record",
     "filters": {"tags": ["canary"], "chef_environment": ["staging"]}}
  ])");

  auto run = run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--batch-size", "2", "--parallel", "2"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto calls = read_calls(record);
  REQUIRE(calls.size() == 2 + 2 + 4 + 1 + 4);
  // Global pre first, with its fixed arguments and then the matching nodes in selection order;
  // global post last with the run's exit code; "never" matched no selected node.
  CHECK(calls.front().name == "announce");
  CHECK(calls.front().type == "global_predeployhook");
  CHECK(calls.front().args ==
        "[--fixed][two words][n01.fleet.test][n02.fleet.test][n03.fleet.test]");
  CHECK(calls.back().name == "summary");
  CHECK(calls.back().type == "global_postdeployhook");
  CHECK(calls.back().args == "[0][n01.fleet.test][n02.fleet.test][n03.fleet.test][n04.fleet.test]");
  CHECK(std::none_of(calls.begin(), calls.end(), [](const Call& c) { return c.name == "never"; }));
  // Node hooks: pre hooks by file, then position; the post hook gets the deploy's code first.
  CHECK(calls_for(calls, "n01.fleet.test") ==
        std::vector<std::string>{"drain [n01.fleet.test]", "second [n01.fleet.test]",
                                 "restore [0][n01.fleet.test]"});
  CHECK(calls_for(calls, "n03.fleet.test") ==
        std::vector<std::string>{"second [n03.fleet.test]", "restore [0][n03.fleet.test]"});
  CHECK(calls_for(calls, "n04.fleet.test") ==
        std::vector<std::string>{"second [n04.fleet.test]", "canary check [n04.fleet.test]",
                                 "restore [0][n04.fleet.test]"});
  auto report = latest_report(kitchen);
  const std::string kitchen_root = std::filesystem::canonical(kitchen.path()).string();
  for (const auto& call : calls) {
    CHECK(call.run_id == report["run_id"]);
    CHECK(call.kitchen == kitchen_root);
    CHECK(call.cwd == kitchen_root);
    CHECK(call.environment == "unset");
    CHECK(call.stdin_bytes == "0");
    const bool node_hook = !call.type.starts_with("global_");
    const bool first_batch =
        call.args.find("n01") != std::string::npos || call.args.find("n02") != std::string::npos;
    CHECK(call.batch == (node_hook ? (first_batch ? "1" : "2") : "unset"));
  }

  // The report: global hooks at run level, node hooks per node, with what Brigade added.
  REQUIRE(report["hooks"].size() == 2);
  const auto& announce = report["hooks"][0];
  CHECK(announce["name"] == "announce");
  CHECK(announce["type"] == "global_predeployhook");
  CHECK(announce["args"] == nlohmann::json({"n01.fleet.test", "n02.fleet.test", "n03.fleet.test"}));
  CHECK(announce["rc"] == 0);
  CHECK(announce["started"].is_string());
  CHECK(announce["duration_s"].is_number());
  CHECK(report["hooks"][1]["args"][0] == "0");
  CHECK(hook_names(report["nodes"][0]["hooks"]) ==
        std::vector<std::string>{"drain", "second", "restore"});
  CHECK(report["nodes"][0]["hooks"][2]["args"] == nlohmann::json({"0", "n01.fleet.test"}));
  CHECK(report["nodes"][0]["hooks"][2]["type"] == "postdeployhook");

  // Output: the run's log has every hook's lines, the node's log its own hooks' lines.
  const std::string run_log = run_shell_ok("cat " + kitchen.str() + "/logs/latest/run.log");
  CHECK(run_log.find(" global pre hook 'announce' started\n") != std::string::npos);
  CHECK(run_log.find(" [announce] hello from announce\n") != std::string::npos);
  CHECK(run_log.find(" [announce] [stderr] warning from announce\n") != std::string::npos);
  CHECK(run_log.find(" n01.fleet.test: [drain] hello from drain\n") != std::string::npos);
  const std::string stamped =
      run_shell_ok("cat " + kitchen.str() + "/logs/latest/nodes/n01.fleet.test.log");
  // Every line starts with its UTC time.
  for (const auto& line : brigade::test::lines_of(stamped)) {
    CHECK(std::regex_search(line, std::regex(R"(^\d{4}-\d\d-\d\dT[0-9:.]{12}Z )")));
  }
  const std::string node_log = brigade::test::without_time_stamps(stamped);
  CHECK(node_log.find("[drain] hello from drain\n") < node_log.find("# brigade: connecting"));
  CHECK(node_log.find("\n[stderr] [restore] warning from restore\n") != std::string::npos);
  CHECK(node_log.find("# brigade: predeployhook 'drain': exit 0") != std::string::npos);

  // With --env, hooks see it, and filters apply to the smaller selection.
  run_shell_ok("rm " + record);
  auto staging = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--env", "staging", "--yes"});
  INFO(staging.err);
  REQUIRE(staging.status == 0);
  const auto staged = read_calls(record);
  std::vector<std::string> names;
  for (const auto& call : staged) {
    names.push_back(call.name);
    CHECK(call.environment == "staging");
  }
  CHECK(names == std::vector<std::string>{"second", "canary check", "restore", "summary"});
}

TEST_CASE("hooks run: a failing global pre hook deploys nothing, global post hooks get 3",
          "[sshd][hooks]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::string record = sshd.path("calls");
  make_fleet_kitchen(kitchen, sshd, 3, "touch " + sshd.path("converged-{node}"));
  write_script(kitchen, "hooks/record", recorder(record));
  write_script(kitchen, "hooks/refuse", "echo 'the checkout is not clean' >&2\nexit 1\n");
  write_script(kitchen, "hooks/undo", recorder(record) + "exit 9\n");
  kitchen.write("hooks/10-pre.json", R"([
    {"name": "clean checkout", "type": "global_predeployhook", "exec": "refuse"},
    {"name": "downtime", "type": "global_predeployhook", "exec": "record"}
  ])");
  kitchen.write("hooks/20-post.json", R"([
    {"name": "end downtime", "type": "global_postdeployhook", "exec": "undo"},
    {"name": "notify", "type": "global_postdeployhook", "exec": "record"},
    {"name": "drain", "type": "predeployhook", "exec": "record"}
  ])");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  INFO(run.err);
  // 3 whatever the global post hooks return (one of them exits 9).
  CHECK(run.status == 3);
  CHECK(run.err.find("FAILED global pre hook 'clean checkout': exit 1\n"
                     "    the checkout is not clean\n"
                     "FAILED global post hook 'end downtime': exit 9\n") != std::string::npos);
  CHECK(run.err.find("brigade: run aborted: global pre hook 'clean checkout' failed (exit 1): no "
                     "node was deployed\n") != std::string::npos);
  // The first failure decided: "downtime" did not run; both post hooks ran and got 3.
  std::vector<std::string> seen;
  for (const auto& call : read_calls(record)) {
    seen.push_back(call.name + " " + call.args);
  }
  CHECK(seen ==
        std::vector<std::string>{"end downtime [3][n01.fleet.test][n02.fleet.test][n03.fleet.test]",
                                 "notify [3][n01.fleet.test][n02.fleet.test][n03.fleet.test]"});
  for (int i = 1; i <= 3; ++i) {
    CHECK_FALSE(std::filesystem::exists(sshd.path(fmt::format("converged-n{:02}.fleet.test", i))));
  }
  auto report = latest_report(kitchen);
  CHECK(report["exit_code"] == 3);
  CHECK(report["aborted"] == true);
  CHECK(report["abort_reason"] ==
        "global pre hook 'clean checkout' failed (exit 1): no node was deployed");
  CHECK(hook_names(report["hooks"]) ==
        std::vector<std::string>{"clean checkout", "end downtime", "notify"});
  CHECK(report["hooks"][0]["rc"] == 1);
  CHECK(report["hooks"][1]["rc"] == 9);
  for (const auto& node : report["nodes"]) {
    CHECK(node["status"] == "not_started");
    CHECK(node["hooks"].empty());
  }
  CHECK(run_shell_ok("cat " + kitchen.str() + "/logs/latest/run.log")
            .find("[clean checkout] [stderr] the checkout is not clean") != std::string::npos);
}

TEST_CASE("hooks run: a failing node pre hook skips its node, post hooks follow every deploy",
          "[sshd][hooks]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::string record = sshd.path("calls");
  // n03's converge fails with 3.
  make_fleet_kitchen(
      kitchen, sshd, 4,
      "touch " + sshd.path("converged-{node}") + "; case {node} in n03.*) exit 3;; esac");
  write_script(kitchen, "hooks/record", recorder(record));
  write_script(
      kitchen, "hooks/gate",
      recorder(record) + "[ \"$1\" != n02.fleet.test ] || { echo 'n02 is busy'; exit 2; }\n");
  kitchen.write("hooks/node.json", R"([
    {"name": "gate", "type": "predeployhook", "exec": "gate"},
    {"name": "after gate", "type": "predeployhook", "exec": "record"},
    {"name": "restore", "type": "postdeployhook", "exec": "record"}
  ])");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  INFO(run.err);
  CHECK(run.status == 1);
  auto calls = read_calls(record);
  CHECK(calls_for(calls, "n02.fleet.test") == std::vector<std::string>{"gate [n02.fleet.test]"});
  CHECK(calls_for(calls, "n03.fleet.test") ==
        std::vector<std::string>{"gate [n03.fleet.test]", "after gate [n03.fleet.test]",
                                 "restore [3][n03.fleet.test]"});
  CHECK(calls_for(calls, "n04.fleet.test").back() == "restore [0][n04.fleet.test]");
  CHECK_FALSE(std::filesystem::exists(sshd.path("converged-n02.fleet.test")));
  CHECK(std::filesystem::exists(sshd.path("converged-n04.fleet.test")));
  auto report = latest_report(kitchen);
  CHECK(statuses_of(report) == std::map<std::string, std::string>{{"n01.fleet.test", "deployed"},
                                                                  {"n02.fleet.test", "skipped"},
                                                                  {"n03.fleet.test", "failed"},
                                                                  {"n04.fleet.test", "deployed"}});
  CHECK(report["nodes"][1]["error"] == "pre hook 'gate' failed (exit 2): not deployed");
  CHECK(report["nodes"][1]["rc"].is_null());
  CHECK(report["aborted"] == false);
  // The summary shows the reason, then the hook's last lines (stdout and stderr come through
  // two pipes: their relative order is not fixed).
  const auto skipped =
      run.err.find("SKIPPED n02.fleet.test: pre hook 'gate' failed (exit 2): not deployed\n");
  CHECK(skipped != std::string::npos);
  CHECK(run.err.find("    [gate] n02 is busy\n", skipped) < run.err.find("FAILED n03"));
  CHECK(run.err.find("brigade: 4 nodes: 2 deployed, 1 failed, 1 skipped, 0 cancelled, 0 not "
                     "started") != std::string::npos);
}

TEST_CASE("hooks run: the global post hooks' result is the run's exit code", "[sshd][hooks]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  write_script(kitchen, "hooks/exit-with", "exit $1\n");
  const std::string record = sshd.path("calls");
  write_script(kitchen, "hooks/record", recorder(record));
  SECTION("a node failed and the hooks succeed: 0") {
    make_fleet_kitchen(kitchen, sshd, 2, "case {node} in n02.*) exit 5;; esac");
    kitchen.write("hooks/post.json",
                  R"({"name": "tests", "type": "global_postdeployhook", "exec": "record"})");
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    CHECK(run.status == 0);
    CHECK(read_calls(record).at(0).args == "[1][n01.fleet.test][n02.fleet.test]");
    CHECK(latest_report(kitchen)["exit_code"] == 0);
  }
  SECTION("every node deployed, the first failing hook in order decides, the others still run") {
    make_fleet_kitchen(kitchen, sshd, 2, "true");
    kitchen.write("hooks/post.json", R"([
      {"name": "fine", "type": "global_postdeployhook", "exec": ["exit-with", "0"]},
      {"name": "tests failed", "type": "global_postdeployhook", "exec": ["exit-with", "7"]},
      {"name": "also failed", "type": "global_postdeployhook", "exec": ["exit-with", "8"]},
      {"name": "last", "type": "global_postdeployhook", "exec": "record"}
    ])");
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    CHECK(run.status == 7);
    CHECK(read_calls(record).at(0).args == "[0][n01.fleet.test][n02.fleet.test]");
    auto report = latest_report(kitchen);
    CHECK(report["exit_code"] == 7);
    CHECK(hook_names(report["hooks"]) ==
          std::vector<std::string>{"fine", "tests failed", "also failed", "last"});
  }
}

TEST_CASE("hooks run: a hook past its timeout is stopped, one killed by a signal fails",
          "[sshd][hooks]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 3, "true");
  const std::string pid_file = sshd.path("slow-pid");
  write_script(kitchen, "hooks/check",
               "case $1 in\n"
               "  n01.*) echo $$ > " +
                   pid_file +
                   "; exec sleep 60;;\n"
                   "  n02.*) kill -KILL $$;;\n"
                   "esac\n");
  kitchen.write("hooks/check.json",
                R"({"name": "check", "type": "predeployhook", "exec": "check", "timeout": 1})");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  INFO(run.err);
  CHECK(run.status == 1);
  auto report = latest_report(kitchen);
  CHECK(statuses_of(report) == std::map<std::string, std::string>{{"n01.fleet.test", "skipped"},
                                                                  {"n02.fleet.test", "skipped"},
                                                                  {"n03.fleet.test", "deployed"}});
  const auto& slow = report["nodes"][0]["hooks"][0];
  CHECK(slow["timed_out"] == true);
  CHECK(slow["rc"].is_null());
  CHECK(slow["signal"] == "TERM");
  CHECK(report["nodes"][0]["error"] == "pre hook 'check' failed (timed out): not deployed");
  CHECK(wait_gone(std::stoi(run_shell_ok("cat " + pid_file))));
  const auto& killed = report["nodes"][1]["hooks"][0];
  CHECK(killed["signal"] == "KILL");
  CHECK(killed["timed_out"] == false);
  CHECK(report["nodes"][1]["error"] ==
        "pre hook 'check' failed (killed by signal KILL): not deployed");
}

TEST_CASE("hooks run: a failing node post hook aborts the run, cancelling 50 deploys in flight",
          "[sshd][hooks][cancel]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::string pids = sshd.path("pids");
  std::filesystem::create_directories(pids);
  // n01 converges at once; the 50 others record their pid and hang.
  make_fleet_kitchen(
      kitchen, sshd, 51,
      "case {node} in n01.*) true;; *) echo $$ > " + pids + "/{node}; exec sleep 300;; esac");
  const std::string record = sshd.path("calls");
  write_script(kitchen, "hooks/record", recorder(record));
  // n01's post hook fails once the 50 others are converging (bounded: 60 s).
  write_script(kitchen, "hooks/verify",
               "[ \"$2\" = n01.fleet.test ] || exit 0\n"
               "for i in $(seq 600); do\n"
               "  [ $(ls " +
                   pids +
                   " | wc -l) -ge 50 ] && break\n"
                   "  sleep 0.1\n"
                   "done\n"
                   "echo 'health check failed' >&2\n"
                   "exit 1\n");
  kitchen.write("hooks/hooks.json", R"([
    {"name": "verify", "type": "postdeployhook", "exec": "verify"},
    {"name": "notify", "type": "global_postdeployhook", "exec": "record"}
  ])");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes", "--parallel", "64"});
  INFO(run.err);
  // 4 whatever the global post hook returns (it exits 0), and it got 4.
  CHECK(run.status == 4);
  auto calls = read_calls(record);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].args.starts_with("[4][n01.fleet.test][n02.fleet.test]"));
  CHECK(run.err.find(
            "brigade: run aborted: post hook 'verify' failed on n01.fleet.test (exit 1)\n") !=
        std::string::npos);
  auto report = latest_report(kitchen);
  CHECK(report["exit_code"] == 4);
  CHECK(report["aborted"] == true);
  CHECK(report["abort_reason"] == "post hook 'verify' failed on n01.fleet.test (exit 1)");
  const auto& first = report["nodes"][0];
  CHECK(first["status"] == "failed");
  CHECK(first["rc"] == 0);
  CHECK(first["error"] == "post hook 'verify' failed (exit 1)");
  // Every other node was in flight and is cancelled soon after the failure: a bound on a hang
  // (their commands sleep 600 s), generous for a loaded machine, not a speed figure.
  const std::string failed_at = first["finished"].get<std::string>();
  auto seconds_of = [](const std::string& iso) {  // 2026-11-25T10:45:00.123Z
    return std::stoi(iso.substr(11, 2)) * 3600 + std::stoi(iso.substr(14, 2)) * 60 +
           std::stod(iso.substr(17, 6));
  };
  std::size_t cancelled = 0;
  for (std::size_t i = 1; i < report["nodes"].size(); ++i) {
    const auto& node = report["nodes"][i];
    CHECK(node["status"] == "cancelled");
    cancelled += node["status"] == "cancelled";
    CHECK(seconds_of(node["finished"].get<std::string>()) - seconds_of(failed_at) < 15.0);
  }
  CHECK(cancelled == 50);
  // And their remote commands were stopped.
  for (const auto& entry : std::filesystem::directory_iterator(pids)) {
    CHECK(wait_gone(std::stoi(run_shell_ok("cat " + entry.path().string()))));
  }
}

TEST_CASE(
    "hooks run: SIGINT stops running hooks, global post hooks still run, a second SIGINT "
    "ends Brigade at once",
    "[sshd][hooks]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 1, "true");
  const std::string record = sshd.path("calls");
  const std::string pid_file = sshd.path("hook-pid");
  write_script(kitchen, "hooks/record", recorder(record));
  kitchen.write("hooks/hooks.json", R"([
    {"name": "hold", "type": "predeployhook", "exec": "hold"},
    {"name": "notify", "type": "global_postdeployhook", "exec": "record"}
  ])");
  // SIGHUP (the terminal closed) stops the run as SIGINT does, with its own exit status.
  for (const auto& [signal, code, name] :
       {std::tuple{SIGINT, 130,
                   "one SIGINT: the hook is stopped and reported cancelled, global "
                   "post hooks get 130"},
        std::tuple{SIGHUP, 129, "SIGHUP: the same, exit 129"}}) {
    SECTION(name) {
      write_script(kitchen, "hooks/hold",
                   "echo $$ > " + pid_file + ".tmp; mv " + pid_file + ".tmp " + pid_file +
                       "; exec sleep 300\n");
      int child = brigade::test::spawn_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"},
                                               kitchen.str() + "/out", kitchen.str() + "/err");
      REQUIRE(wait_for_file(pid_file));
      ::kill(child, signal);
      CHECK(brigade::test::wait_for_exit(child, 20000) == code);
      CHECK(wait_gone(std::stoi(run_shell_ok("cat " + pid_file))));
      auto calls = read_calls(record);
      REQUIRE(calls.size() == 1);
      CHECK(calls[0].args == "[" + std::to_string(code) + "][n01.fleet.test]");
      auto report = latest_report(kitchen);
      CHECK(report["exit_code"] == code);
      CHECK(report["abort_reason"] == (signal == SIGHUP
                                           ? "interrupted by SIGHUP (the terminal closed)"
                                           : "interrupted by SIGINT"));
      CHECK(report["nodes"][0]["status"] == "cancelled");
      CHECK(report["nodes"][0]["error"] == "cancelled while its pre hook 'hold' ran");
      CHECK(report["nodes"][0]["hooks"][0]["cancelled"] == true);
      CHECK(report["hooks"][0]["name"] == "notify");
    }
  }
  SECTION("started with SIGHUP ignored (nohup): a hang-up does not stop the run") {
    write_script(kitchen, "hooks/hold",
                 "echo $$ > " + pid_file + ".tmp; mv " + pid_file + ".tmp " + pid_file +
                     "; exec sleep 300\n");
    const pid_t brigade = std::stoi(run_shell_ok(
        "(trap '' HUP; exec '" + std::string(BRIGADE_BINARY) + "' fix -k '" + kitchen.str() +
        "' node:all --yes) > '" + kitchen.str() + "/out' 2>&1 & echo $!"));
    REQUIRE(wait_for_file(pid_file));
    ::kill(brigade, SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK_FALSE(process_gone(brigade));
    CHECK_FALSE(process_gone(std::stoi(run_shell_ok("cat " + pid_file))));
    // (SIGINT too is ignored by a background job of a non-interactive shell.)
    ::kill(brigade, SIGTERM);
    CHECK(wait_gone(brigade));
    CHECK(latest_report(kitchen)["exit_code"] == 143);
  }
  SECTION("a hook that ignores TERM: the second SIGINT does not wait for its 5 s") {
    write_script(kitchen, "hooks/hold",
                 "trap '' TERM\necho $$ > " + pid_file + ".tmp; mv " + pid_file + ".tmp " +
                     pid_file + "\nfor i in $(seq 600); do sleep 0.1; done\n");
    int child = brigade::test::spawn_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"},
                                             kitchen.str() + "/out", kitchen.str() + "/err");
    REQUIRE(wait_for_file(pid_file));
    const pid_t hook = std::stoi(run_shell_ok("cat " + pid_file));
    ::kill(child, SIGINT);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK_FALSE(process_gone(hook));  // it ignored TERM and Brigade waits for it
    ::kill(child, SIGINT);
    // Ended by the signal itself, well before the 5 s after which KILL would have come.
    CHECK(brigade::test::wait_for_exit(child, 3000) == -SIGINT);
    ::kill(-hook, SIGKILL);  // the hook's process group, left behind on purpose by the test
    CHECK(wait_gone(hook));
  }
}

TEST_CASE("hooks run: the demo kitchen's hooks drain and restore, and notify with the run's code",
          "[sshd][hooks]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::filesystem::path demo = std::filesystem::path(BRIGADE_CONF_DIR) / "demo";
  for (const char* part : {"hooks", "site-cookbooks", "roles", "environments"}) {
    std::filesystem::copy(demo / part, kitchen.path() / part,
                          std::filesystem::copy_options::recursive);
  }
  kitchen.write("littlechef.cfg",
                fmt::format("[userinfo]\nssh-config = {}\n[kitchen]\nnode_work_path = {}/work/"
                            "{{node}}\n",
                            sshd.ssh_config_file(), sshd.dir().str()) +
                    run_shell_ok("cat " + (demo / "littlechef.cfg.deploy").string()));
  // node0013 is the demo's failing node.
  for (int i = 11; i <= 14; ++i) {
    kitchen.write(fmt::format("nodes/node{:04}.fleet.test.json", i),
                  R"({"chef_environment": "production", "run_list": ["role[web]"]})");
  }
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes", "--parallel", "2"});
  INFO(run.err);
  CHECK(run.status == 1);  // the notification passes the run's code on
  CHECK(run.err.find("FAILED global post hook") == std::string::npos);  // it did not fail
  const auto report = latest_report(kitchen);
  const std::string id = report["run_id"];
  CHECK(run_shell_ok("cat " + kitchen.str() + "/notifications.log") ==
        "#ops run " + id + ": deploying 4 nodes\n#ops run " + id +
            ": finished with exit code 1 on 4 nodes\n");
  CHECK(run_shell_ok("ls " + kitchen.str() + "/lb-pool") ==
        "node0011.fleet.test\nnode0012.fleet.test\nnode0014.fleet.test\n");
  CHECK(report["nodes"][2]["hooks"][1]["args"] == nlohmann::json({"1", "node0013.fleet.test"}));
}

TEST_CASE(
    "hooks run: on an abort every node whose turn began gets its post hooks, and one "
    "already running finishes, before the global post hooks",
    "[sshd][hooks]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::string pids = sshd.path("pids");
  std::filesystem::create_directories(pids);
  const std::string record = sshd.path("calls");
  const std::string restoring = sshd.path("restoring-n04");
  // n01 and n04 converge at once; n02 and n03 hang in their converge.
  make_fleet_kitchen(
      kitchen, sshd, 4,
      "case {node} in n02.*|n03.*) echo $$ > " + pids + "/{node}; exec sleep 300;; *) true;; esac");
  write_script(kitchen, "hooks/drain", recorder(record));
  // n04's restore takes a while: it is running when n01's verify fails.
  write_script(kitchen, "hooks/restore",
               "if [ \"$2\" = n04.fleet.test ]; then touch " + restoring + "; sleep 2; fi\n" +
                   recorder(record));
  write_script(kitchen, "hooks/verify",
               "for i in $(seq 600); do\n"
               "  [ $(ls " +
                   pids + " | wc -l) -ge 2 ] && [ -e " + restoring +
                   " ] && break\n  sleep 0.1\ndone\nexit 1\n");
  write_script(kitchen, "hooks/notify", recorder(record));
  kitchen.write("hooks/hooks.json", R"([
    {"name": "drain", "type": "predeployhook", "exec": "drain"},
    {"name": "verify", "type": "postdeployhook", "exec": "verify",
     "filters": {"nodes": ["n01.fleet.test"]}},
    {"name": "restore", "type": "postdeployhook", "exec": "restore",
     "filters": {"nodes": ["n02*", "n03*", "n04*"]}},
    {"name": "notify", "type": "global_postdeployhook", "exec": "notify"}
  ])");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes", "--parallel", "4"});
  INFO(run.err);
  CHECK(run.status == 4);
  auto calls = read_calls(record);
  std::vector<std::string> restores;
  for (const auto& call : calls) {
    if (call.name == "restore") {
      restores.push_back(call.args);
    }
  }
  std::sort(restores.begin(), restores.end());
  // Every node that was drained is restored: the two cancelled ones with the cancelled code,
  // n04 (whose restore was running) with its own 0.
  CHECK(restores == std::vector<std::string>{"[-1][n02.fleet.test]", "[-1][n03.fleet.test]",
                                             "[0][n04.fleet.test]"});
  REQUIRE_FALSE(calls.empty());
  CHECK(calls.back().name == "notify");  // after every restore
  CHECK(run.err.find("brigade: cancelled after their turn began, post hooks run with deploy code "
                     "-1: n02.fleet.test n03.fleet.test\n") != std::string::npos);
  const auto report = latest_report(kitchen);
  CHECK(report["nodes"][0]["status"] == "failed");
  for (int node : {1, 2}) {
    INFO(node);
    CHECK(report["nodes"][node]["status"] == "cancelled");
    CHECK(report["nodes"][node]["error"] ==
          "cancelled; the command was stopped; its post hooks ran (deploy code -1)");
  }
  CHECK(report["nodes"][3]["status"] == "deployed");
  CHECK(report["nodes"][3]["hooks"][1]["name"] == "restore");
  CHECK(report["nodes"][3]["hooks"][1]["cancelled"] == false);
  CHECK(report["nodes"][3]["hooks"][1]["rc"] == 0);
}
