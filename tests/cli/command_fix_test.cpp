#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <brigade/cli/cli.hpp>
#include <brigade/util/file_lock.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

using brigade::test::run_shell_ok;
using brigade::test::Sshd;
using brigade::test::TempDir;

using brigade::test::latest_report;
using brigade::test::make_fleet_kitchen;

namespace {

// A converge command that runs `work` between two lines of `times` on the node's side:
// "{node} start NS" and "{node} end NS".
std::string timed_converge(const std::string& times, const std::string& work) {
  return "echo {node} start $(date +%s%N) >> " + times + "; " + work +
         "; echo {node} end $(date +%s%N) >> " + times;
}

// Each node's (start, end) from the lines timed_converge wrote.
std::map<std::string, std::pair<long long, long long>> read_spans(const std::string& times) {
  std::map<std::string, std::pair<long long, long long>> spans;
  std::istringstream lines(run_shell_ok("cat " + times));
  for (std::string node, what; lines >> node >> what;) {
    long long at = 0;
    lines >> at;
    (what == "start" ? spans[node].first : spans[node].second) = at;
  }
  return spans;
}

}  // namespace

TEST_CASE("deploy: batches run in order, the parallel bound holds, slots are refilled",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::string times = sshd.path("times");
  // The converge step records when it starts and ends, on the node's side; a few are slower.
  make_fleet_kitchen(
      kitchen, sshd, 20,
      timed_converge(times, "case {node} in n0[2468]*) sleep 0.6;; *) sleep 0.2;; esac"));
  auto run = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes",
                                         "--batch-size", "1,4,50%", "--parallel", "3"});
  INFO(run.err);
  CHECK(run.status == 0);

  auto spans = read_spans(times);
  REQUIRE(spans.size() == 20);

  auto report = latest_report(kitchen);
  REQUIRE(report["batches"].size() == 4);  // 1, 4, 10, 5
  CHECK(report["batches"][0] == nlohmann::json({"n01.fleet.test"}));
  CHECK(report["batches"][1].size() == 4);
  CHECK(report["batches"][2].size() == 10);
  CHECK(report["batches"][3].size() == 5);
  // Every node of a batch ends before any node of the next batch starts.
  for (std::size_t b = 0; b + 1 < report["batches"].size(); ++b) {
    long long last_end = 0;
    for (const auto& node : report["batches"][b]) {
      last_end = std::max(last_end, spans[node.get<std::string>()].second);
    }
    for (const auto& node : report["batches"][b + 1]) {
      CHECK(spans[node.get<std::string>()].first > last_end);
    }
  }
  // Never more than 3 converging at once, and 3 at once did happen (the window was used).
  std::vector<std::pair<long long, int>> events;
  for (const auto& [node, span] : spans) {
    events.emplace_back(span.first, +1);
    events.emplace_back(span.second, -1);
  }
  std::sort(events.begin(), events.end());
  int running = 0;
  int most = 0;
  for (const auto& [at, delta] : events) {
    running += delta;
    most = std::max(most, running);
  }
  CHECK(most <= 3);
  CHECK(most == 3);
  for (const auto& node : report["nodes"]) {
    CHECK(node["status"] == "deployed");
    CHECK(node["rc"] == 0);
  }
}

TEST_CASE("deploy: the report holds every field, an unreachable node fails, others deploy",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 4,
                     "test -f {work_path}/cookbooks/demo/recipes/default.rb && "
                     "grep -q '\"recipe\\[demo\\]\"' {work_path}/node.json");
  // n04 points at a closed port.
  const brigade::test::ClosedPort closed_port;
  const auto closed = closed_port.port();
  kitchen.write("ssh_config", fmt::format("Host n04.fleet.test\n  Port {}\nHost *\nInclude {}\n",
                                          closed, sshd.ssh_config_file()));
  std::string cfg = run_shell_ok("cat " + kitchen.str() + "/littlechef.cfg");
  kitchen.write("littlechef.cfg",
                cfg.replace(cfg.find(sshd.ssh_config_file()), sshd.ssh_config_file().size(),
                            kitchen.str() + "/ssh_config"));
  auto run = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--report", kitchen.str() + "/copy.json"});
  INFO(run.err);
  CHECK(run.status == 1);
  CHECK(run.err.find(fmt::format("FAILED n04.fleet.test: unreachable: connect to 127.0.0.1 port "
                                 "{}: Connection refused\n",
                                 closed)) != std::string::npos);
  auto report = latest_report(kitchen);
  CHECK(report == nlohmann::json::parse(run_shell_ok("cat " + kitchen.str() + "/copy.json")));
  for (const char* field : {"run_id", "started", "finished", "exit_code", "aborted", "abort_reason",
                            "selection", "batches", "nodes"}) {
    CHECK(report.contains(field));
  }
  CHECK(report["exit_code"] == 1);
  CHECK(report["aborted"] == false);
  CHECK(report["selection"]["selectors"] == nlohmann::json({"node:all"}));
  REQUIRE(report["nodes"].size() == 4);
  for (const auto& node : report["nodes"]) {
    for (const char* field : {"name", "status", "rc", "error", "started", "finished", "duration_s",
                              "batch", "log", "hooks"}) {
      CHECK(node.contains(field));
    }
    if (node["name"] == "n04.fleet.test") {
      CHECK(node["status"] == "failed");
      CHECK(node["rc"].is_null());
    } else {
      CHECK(node["status"] == "deployed");
      CHECK(node["rc"] == 0);
      CHECK(std::filesystem::exists(node["log"].get<std::string>()));
    }
  }
}

TEST_CASE("deploy: 300 nodes end with the right statuses, the run log beside their logs",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 0,
                     "case {node} in n1[0-4]?.fleet.test) exit 7;; *) true;; esac");
  for (int i = 1; i <= 300; ++i) {
    kitchen.write(fmt::format("nodes/n{:03}.fleet.test.json", i),
                  "{\"chef_environment\": \"production\", \"run_list\": [\"recipe[demo]\"]}");
  }
  kitchen.write("ssh_config",
                "Host *\n  ConnectTimeout 60\nInclude " + sshd.ssh_config_file() + "\n");
  std::string cfg = run_shell_ok("cat " + kitchen.str() + "/littlechef.cfg");
  kitchen.write("littlechef.cfg",
                cfg.replace(cfg.find(sshd.ssh_config_file()), sshd.ssh_config_file().size(),
                            kitchen.str() + "/ssh_config"));
  auto run = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--parallel", "32", "--batch-size", "10%"});
  INFO(run.err.substr(0, 2000));
  CHECK(run.status == 1);
  auto report = latest_report(kitchen);
  CHECK(report["batches"].size() == 10);
  std::map<std::string, int> statuses;
  for (const auto& node : report["nodes"]) {
    const std::string name = node["name"];
    const bool should_fail = name >= "n100" && name < "n150";
    CHECK(node["status"] == (should_fail ? "failed" : "deployed"));
    CHECK(node["rc"] == (should_fail ? 7 : 0));
    ++statuses[node["status"].get<std::string>()];
  }
  CHECK(statuses == std::map<std::string, int>{{"deployed", 250}, {"failed", 50}});
  CHECK(run.err.find("brigade: 300 nodes: 250 deployed, 50 failed, 0 skipped, 0 cancelled, 0 "
                     "not started") != std::string::npos);
  auto run_log = run_shell_ok("cat " + kitchen.str() + "/logs/latest/run.log");
  CHECK(run_log.find(" started: 300 nodes in 10 batches") != std::string::npos);
  CHECK(run_log.find("n120.fleet.test: failed (the converge command exited with 7)") !=
        std::string::npos);
  CHECK(run_log.find("finished with exit code 1: 250 deployed, 50 failed") != std::string::npos);
}

TEST_CASE("deploy: --max-fail stops new starts exactly when the budget is exceeded",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 10, "exit 3");
  auto run = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--parallel", "1", "--max-fail", "2"});
  CHECK(run.status == 4);
  CHECK(run.err.find("brigade: run aborted: 3 failures exceed --max-fail 2\n") !=
        std::string::npos);
  auto report = latest_report(kitchen);
  CHECK(report["aborted"] == true);
  CHECK(report["abort_reason"] == "3 failures exceed --max-fail 2");
  std::map<std::string, int> statuses;
  for (const auto& node : report["nodes"]) {
    ++statuses[node["status"].get<std::string>()];
  }
  CHECK(statuses == std::map<std::string, int>{{"failed", 3}, {"not_started", 7}});
}

TEST_CASE("deploy: a failed canary stops a staged rollout, --max-fail none goes on",
          "[sshd][deploy][rollout]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  // The canary (n01, alone in batch 1) fails; every other node would deploy.
  make_fleet_kitchen(kitchen, sshd, 5, "[ {node} != n01.fleet.test ]");
  auto stopped = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--batch-size", "1,2"});
  CHECK(stopped.status == 4);
  const std::string reason =
      "batch 1 of 3 ended with 1 node not deployed (n01.fleet.test): the rollout stops before "
      "batch 2 (--max-fail sets a budget, --max-fail none goes on regardless)";
  CHECK(stopped.err.find("brigade: run aborted: " + reason + "\n") != std::string::npos);
  auto report = latest_report(kitchen);
  CHECK(report["abort_reason"] == reason);
  CHECK(report["nodes"][0]["status"] == "failed");
  for (std::size_t i = 1; i < 5; ++i) {
    CHECK(report["nodes"][i]["status"] == "not_started");
  }

  auto regardless = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes",
                                                "--batch-size", "1,2", "--max-fail", "none"});
  CHECK(regardless.status == 1);
  report = latest_report(kitchen);
  CHECK(report["aborted"] == false);
  CHECK(report["nodes"][4]["status"] == "deployed");
}

TEST_CASE("deploy: --timeout cancels a node's deploy and stops its command", "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 1, "echo $$ > " + sshd.path("pid") + "; exec sleep 60");
  auto run = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--timeout", "2"});
  CHECK(run.status == 1);
  CHECK(run.err.find("FAILED n01.fleet.test: timeout: timed out after 2 s (--timeout); the "
                     "command was stopped\n") != std::string::npos);
  int pid = std::stoi(run_shell_ok("cat " + sshd.path("pid")));
  bool alive = true;
  for (int attempt = 0; attempt < 100 && alive; ++attempt) {
    alive = ::kill(pid, 0) == 0;
    if (alive) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  CHECK_FALSE(alive);
}

TEST_CASE("deploy: a command that ignores TERM and signals its own group is still stopped",
          "[sshd][deploy]") {
  // The watcher shares the command's process group: the command's `kill 0` reaches it and must
  // not end it, or nothing would stop the command once the connection is gone.
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(
      kitchen, sshd, 1,
      "trap '' TERM; kill -s TERM 0; echo $$ > " + sshd.path("pid") + "; exec sleep 60");
  auto run = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--timeout", "2"});
  CHECK(run.status == 1);
  int pid = std::stoi(run_shell_ok("cat " + sshd.path("pid")));
  bool alive = true;
  for (int attempt = 0; attempt < 150 && alive; ++attempt) {  // TERM is ignored: KILL after 5 s
    alive = ::kill(pid, 0) == 0;
    if (alive) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  CHECK_FALSE(alive);
}

TEST_CASE("deploy: SIGINT or SIGTERM mid-run leaves a complete report, exit 130 or 143",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  std::filesystem::create_directories(sshd.path("pids"));
  make_fleet_kitchen(kitchen, sshd, 10, "echo $$ > " + sshd.path("pids") + "/$$; exec sleep 600");
  int child = brigade::test::spawn_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--parallel", "4", "--yes"}, kitchen.str() + "/out",
      kitchen.str() + "/err");
  REQUIRE(brigade::test::wait_for_entries(sshd.path("pids"), 4, 60000) == 4);
  int signal = SIGINT;
  int expected = 130;
  std::string reason = "interrupted by SIGINT";
  SECTION("SIGINT") {}
  SECTION("SIGTERM") {
    signal = SIGTERM;
    expected = 143;
    reason = "interrupted by SIGTERM";
  }
  ::kill(child, signal);
  CHECK(brigade::test::wait_for_exit(child, 10000) == expected);
  auto report = latest_report(kitchen);
  CHECK(report["exit_code"] == expected);
  CHECK(report["aborted"] == true);
  CHECK(report["abort_reason"] == reason);
  std::map<std::string, int> statuses;
  for (const auto& node : report["nodes"]) {
    ++statuses[node["status"].get<std::string>()];
  }
  CHECK(statuses == std::map<std::string, int>{{"cancelled", 4}, {"not_started", 6}});
  CHECK(run_shell_ok("cat " + kitchen.str() + "/err")
            .find("brigade: 10 nodes: 0 deployed, 0 "
                  "failed, 0 skipped, 4 cancelled, 6 "
                  "not started") != std::string::npos);
}

TEST_CASE("deploy: --rerun failed selects what the latest run did not deploy", "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  // n02 and n05 fail while a marker file is absent.
  const std::string marker = sshd.path("fixed");
  make_fleet_kitchen(kitchen, sshd, 6,
                     "case {node} in n02*|n05*) test -f " + marker + ";; *) true;; esac");
  auto none = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--rerun", "failed"});
  CHECK(none.status == 2);
  CHECK(none.err.find("report.json: cannot read file: No such file or directory, --rerun failed "
                      "needs the report of an earlier run") != std::string::npos);

  auto first = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--parallel", "1", "--max-fail", "1"});
  CHECK(first.status == 4);  // n02 fails, n05 fails: 2 > 1, so n06 never starts
  auto plan =
      brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--rerun", "failed", "--dry-run"});
  CHECK(plan.status == 0);
  CHECK(plan.out.find("Batch 1 of 1 (3 nodes):\n  n02.fleet.test\n  n05.fleet.test\n  "
                      "n06.fleet.test\n") != std::string::npos);
  run_shell_ok("touch " + marker);
  auto rerun = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--rerun", "failed"});
  CHECK(rerun.status == 0);
  CHECK(latest_report(kitchen)["nodes"].size() == 3);
  auto nothing = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--rerun", "failed"});
  CHECK(nothing.status == 0);
  CHECK(nothing.err == "brigade: nothing to rerun: the latest run deployed every node\n");
  auto both =
      brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--rerun", "failed", "node:all"});
  CHECK(both.status == 2);
}

TEST_CASE("deploy: --batch-wait pauses between batches", "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::string times = sshd.path("times");
  make_fleet_kitchen(kitchen, sshd, 2, timed_converge(times, "true"));
  auto run = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--batch-size", "1", "--batch-wait", "1"});
  CHECK(run.status == 0);
  auto spans = read_spans(times);
  REQUIRE(spans.size() == 2);
  // The second batch starts at least the wait after the first ended (connecting adds to it).
  CHECK(spans["n02.fleet.test"].first - spans["n01.fleet.test"].second >= 1'000'000'000LL);
}

TEST_CASE("deploy: the whole fleet is asked for on a terminal and needs --yes without one",
          "[sshd][deploy]") {
  if (!brigade::test::can_run_sshd() ||
      brigade::test::run_shell("command -v script >/dev/null").status != 0) {
    BRIGADE_SKIP("needs root and script(1)");
  }
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 2, "true");
  // On a terminal (script(1) gives the command one), "n" declines: nothing is deployed.
  auto declined = brigade::test::run_shell("echo n | script -qec '" + std::string(BRIGADE_BINARY) +
                                           " fix -k " + kitchen.str() + " node:all' /dev/null");
  CHECK(declined.status == 2);
  CHECK(declined.output.find("Deploy to every node of the kitchen (2 nodes)? [y/N]") !=
        std::string::npos);
  CHECK(declined.output.find("not confirmed; nothing was deployed") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(kitchen.str() + "/logs/latest"));
  // Any selection that is the whole fleet is asked for, not only node:all.
  for (const std::string selectors : {"'node:*'", "node:n01.fleet.test node:n02.fleet.test"}) {
    INFO(selectors);
    auto asked =
        brigade::test::run_shell("echo n | script -qec '" + std::string(BRIGADE_BINARY) +
                                 " fix -k " + kitchen.str() + " " + selectors + "' /dev/null");
    CHECK(asked.status == 2);
    CHECK(asked.output.find("Deploy to every node of the kitchen (2 nodes)?") != std::string::npos);
  }
  // Without a terminal: no deploy without --yes, said before any node is touched.
  auto unattended = brigade::test::run_shell(std::string(BRIGADE_BINARY) + " fix -k " +
                                             kitchen.str() + " 'node:*' </dev/null 2>&1");
  CHECK(unattended.status == 2);
  CHECK(unattended.output.find("brigade: error: this selects every node of the kitchen (2 nodes) "
                               "and there is no terminal to ask; nothing was deployed") !=
        std::string::npos);
  CHECK(unattended.output.find("pass --yes to deploy the whole fleet") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(kitchen.str() + "/logs/latest"));
  auto confirmed = brigade::test::run_shell(std::string(BRIGADE_BINARY) + " fix -k " +
                                            kitchen.str() + " 'node:*' --yes </dev/null 2>&1");
  CHECK(confirmed.status == 0);
  // A part of the fleet is deployed without a question.
  auto part = brigade::test::run_shell(std::string(BRIGADE_BINARY) + " fix -k " + kitchen.str() +
                                       " node:n01.fleet.test </dev/null 2>&1");
  CHECK(part.status == 0);
  CHECK(part.output.find("Deploy to") == std::string::npos);
}

TEST_CASE(
    "deploy: logs and reports are private, a node named run keeps its own log, and a "
    "report that cannot be written is an error",
    "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 1, "echo converged {node}");
  // A node whose name is the run log's, reached through the same sshd.
  kitchen.write("nodes/run.json", R"({"chef_environment": "production"})");
  std::ofstream(sshd.ssh_config_file(), std::ios::app)
      << "Host run\n  HostName 127.0.0.1\n  Port " << sshd.port() << "\n  User root\n"
      << "  IdentityFile " << sshd.client_key() << "\n  UserKnownHostsFile "
      << sshd.known_hosts_file() << "\n";
  auto run = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "--yes", "node:all", "--report", "/proc/nope/report.json"});
  INFO(run.err);
  CHECK(run.status == 5);  // every node deployed, the --report copy could not be written
  CHECK(run.err.find("brigade: error: /proc/nope/report.json: cannot write: ") !=
        std::string::npos);
  CHECK(run.err.find("brigade: 2 nodes: 2 deployed, 0 failed") != std::string::npos);
  const std::string dir = kitchen.str() + "/logs/latest/";
  auto mode = [](const std::string& path) { return run_shell_ok("stat -c %a " + path); };
  CHECK(mode(dir) == "700\n");
  CHECK(mode(dir + "nodes") == "700\n");
  CHECK(mode(dir + "run.log") == "600\n");
  CHECK(mode(dir + "report.json") == "600\n");
  CHECK(mode(dir + "nodes/run.log") == "600\n");
  CHECK(run_shell_ok("cat " + dir + "nodes/run.log").find("converged run") != std::string::npos);
  CHECK(run_shell_ok("cat " + dir + "run.log").find("run: deployed") != std::string::npos);
  CHECK(latest_report(kitchen)["nodes"][1]["log"].get<std::string>().ends_with("/nodes/run.log"));

  auto wider = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "--yes", "--log-mode", "0640", "node:run"});
  CHECK(wider.status == 0);
  CHECK(mode(dir) == "750\n");
  CHECK(mode(dir + "nodes/run.log") == "640\n");
  auto bad = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "--yes", "--log-mode", "0400", "node:run"});
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--log-mode: 0400 would keep Brigade from writing its own logs") !=
        std::string::npos);
}

TEST_CASE("deploy: a converge that prints Brigade's own words is just output", "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 1,
                     "echo 'brigade: sync failed'; echo 'brigade: send the kitchen'; "
                     "echo 'brigade: kitchen unpacked'; printf '\\033[2Jcleared\\n'");
  for (int round = 1; round <= 2; ++round) {  // the kitchen sent, then unchanged
    INFO("round " << round);
    auto run = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--yes", "node:all"});
    CHECK(run.status == 0);
    const auto report = latest_report(kitchen);
    CHECK(report["nodes"][0]["status"] == "deployed");
    CHECK(report["nodes"][0]["kitchen_transferred"] == (round == 1));
    const std::string log = brigade::test::without_time_stamps(
        run_shell_ok("cat " + kitchen.str() + "/logs/latest/nodes/n01.fleet.test.log"));
    CHECK(log.find("\nbrigade: sync failed\nbrigade: send the kitchen\nbrigade: kitchen "
                   "unpacked\n\x1b[2Jcleared\n") != std::string::npos);
    // A kitchen sent is noted before the converge command's output, an unchanged one after.
    const auto sent = log.find("# brigade: the kitchen was sent whole to ");
    const auto unchanged = log.find("# brigade: the kitchen was unchanged on the node");
    const auto output = log.find("\nbrigade: sync failed\n");  // the output, not the command
    if (round == 1) {
      CHECK(sent < output);
      CHECK(unchanged == std::string::npos);
    } else {
      CHECK(sent == std::string::npos);
      CHECK(unchanged > output);
    }
  }
}

TEST_CASE("deploy: bytes that are not UTF-8 in paths and node output never cost the report",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 1, "printf 'caf\\351\\n'; exit 3");
  const std::string log_dir = kitchen.str() + "/logs-\xff\xfe";
  auto run = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "--yes", "--log-dir", log_dir, "node:all"});
  CHECK(run.status == 1);
  const auto report =
      nlohmann::json::parse(run_shell_ok("cat '" + log_dir + "/latest/report.json'"));
  CHECK(report["nodes"][0]["status"] == "failed");
  CHECK(report["nodes"][0]["log"].get<std::string>().find("logs-\xef\xbf\xbd") !=
        std::string::npos);  // U+FFFD in place of each byte
  CHECK(run.err.find("FAILED n01.fleet.test") != std::string::npos);
}

TEST_CASE("deploy: a second run on the same kitchen is refused, naming the one running",
          "[deploy][lock]") {
  TempDir kitchen;
  kitchen.write("littlechef.cfg", "[userinfo]\nuser = root\n");
  kitchen.write("nodes/web1.json", "{}");
  std::filesystem::create_directories(kitchen.path() / "logs");
  // The running one, as the lock file describes it (this process holds the lock).
  auto running = brigade::FileLock::acquire(kitchen.str() + "/logs/.brigade.lock",
                                            "brigade fix, pid 4242, run 20261201T000000Z");
  REQUIRE(running.ok());
  auto second = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  CHECK(second.status == 2);
  CHECK(second.err.find("logs/.brigade.lock: locked by another run (brigade fix, pid 4242, run "
                        "20261201T000000Z)") != std::string::npos);
  CHECK(second.err.find("wait for it to end") != std::string::npos);
  // Nothing was started: no run directory, no latest.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator(kitchen.path() / "logs")) {
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("deploy: dummy nodes left out are named in the summary, run.log and report",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 1, "true");
  kitchen.write("nodes/spare.fleet.test.json", R"({"dummy": true})");
  auto run = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  INFO(run.err);
  CHECK(run.status == 0);
  CHECK(run.err.find("brigade: left out (dummy, never deployed): spare.fleet.test\n") !=
        std::string::npos);
  CHECK(run.err.find("brigade: 1 node: 1 deployed, 0 failed") != std::string::npos);  // plural
  auto report = latest_report(kitchen);
  CHECK(report["left_out"] == nlohmann::json::parse(R"(["spare.fleet.test"])"));
  CHECK(report["selection"]["batch_by"].is_null());
  CHECK(brigade::test::file_text(kitchen.str() + "/logs/latest/run.log")
            .find("left out (dummy, never deployed): spare.fleet.test\n") != std::string::npos);
}

TEST_CASE("deploy: --quiet prints only failures and totals, --keep-runs prunes old runs",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 2, "[ {node} != n02.fleet.test ] || { echo broke; exit 3; }");
  std::vector<std::string> run_ids;
  for (int i = 0; i < 3; ++i) {
    auto run = brigade::test::run_brigade(
        {"fix", "-k", kitchen.str(), "node:all", "--yes", "--quiet", "--keep-runs", "2"});
    CHECK(run.status == 1);
    CHECK(run.out.empty());
    const auto lines = brigade::test::lines_of(run.err);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "FAILED n02.fleet.test: the converge command exited with 3");
    CHECK(lines[1] == "    broke");
    CHECK(lines[2].starts_with("brigade: 2 nodes: 1 deployed, 1 failed, 0 skipped"));
    run_ids.push_back(latest_report(kitchen)["run_id"].get<std::string>());
  }
  // The two newest runs are kept; the first is gone; the lock and latest stay.
  CHECK_FALSE(std::filesystem::exists(kitchen.path() / "logs" / run_ids[0]));
  CHECK(std::filesystem::is_directory(kitchen.path() / "logs" / run_ids[1]));
  CHECK(std::filesystem::is_directory(kitchen.path() / "logs" / run_ids[2]));
  CHECK(std::filesystem::exists(kitchen.path() / "logs/.brigade.lock"));
  CHECK(std::filesystem::read_symlink(kitchen.path() / "logs/latest") == run_ids[2]);
}

TEST_CASE("deploy: --batch-by keeps failure domains apart, batch after batch",
          "[sshd][deploy][rollout]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::string order = sshd.path("order");
  make_fleet_kitchen(kitchen, sshd, 5, "echo {node} >> " + order);
  const char* racks[] = {R"("rack": "east", )", R"("rack": "west", )", R"("rack": "east", )",
                         R"("rack": "east", )", ""};
  for (int i = 0; i < 5; ++i) {
    kitchen.write(
        fmt::format("nodes/n{:02}.fleet.test.json", i + 1),
        fmt::format(R"({{{}"chef_environment": "production", "run_list": ["recipe[demo]"]}})",
                    racks[i]));
  }
  auto run = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--batch-by", "rack", "--batch-size", "2"});
  INFO(run.err);
  CHECK(run.status == 0);
  CHECK(run.out.find("Batch 1 of 4: 2 nodes\n") != std::string::npos);
  auto report = latest_report(kitchen);
  CHECK(report["selection"]["batch_by"] == "rack");
  std::map<std::string, int> batch_of;
  for (const auto& node : report["nodes"]) {
    CHECK(node["status"] == "deployed");
    batch_of[node["name"]] = node["batch"];
  }
  // east is cut into batches of 2, then west, then the node without a rack.
  CHECK(batch_of == std::map<std::string, int>{{"n01.fleet.test", 1},
                                               {"n03.fleet.test", 1},
                                               {"n04.fleet.test", 2},
                                               {"n02.fleet.test", 3},
                                               {"n05.fleet.test", 4}});
  // The nodes converged batch after batch: each batch's nodes before the next batch's.
  std::istringstream converged(run_shell_ok("cat " + order));
  int last_batch = 0;
  int count = 0;
  for (std::string node; std::getline(converged, node); ++count) {
    CHECK(batch_of.at(node) >= last_batch);
    last_batch = batch_of.at(node);
  }
  CHECK(count == 5);
}

TEST_CASE("deploy: a failed node's last lines reach the terminal escaped, the report raw",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 1,
                     "printf '\\033]52;c;cGF5bG9hZA==\\007\\033[2Jwiped\\n' >&2; exit 3");
  auto run = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--yes", "node:all"});
  CHECK(run.status == 1);
  INFO(run.err);
  CHECK(run.err.find("\\x1b]52;c;cGF5bG9hZA==\\x07\\x1b[2Jwiped") != std::string::npos);
  CHECK(run.err.find('\x1b') == std::string::npos);
  CHECK(run.out.find('\x1b') == std::string::npos);
  const std::string log =
      run_shell_ok("cat " + kitchen.str() + "/logs/latest/nodes/n01.fleet.test.log");
  CHECK(log.find("\x1b]52;c;cGF5bG9hZA==\x07\x1b[2Jwiped") != std::string::npos);
}

TEST_CASE("deploy: a node that prints without end fills its log to the limit, no further",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  // 2,000 lines of 100 bytes, then one line of 5,000 bytes, then a failure.
  make_fleet_kitchen(kitchen, sshd, 1,
                     "i=0; while [ $i -lt 2000 ]; do printf '%099d\\n' $i; i=$((i+1)); done; "
                     "printf '%05000d\\n' 7; exit 1");
  kitchen.write("littlechef.cfg",
                brigade::test::file_text(kitchen.str() + "/littlechef.cfg") + "log_limit = 16K\n");
  auto run = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--yes", "node:all"});
  CHECK(run.status == 1);
  const std::string log =
      run_shell_ok("cat " + kitchen.str() + "/logs/latest/nodes/n01.fleet.test.log");
  INFO(log.substr(0, 2000));
  CHECK(log.size() < 16 * 1024 + 1024);  // the output kept (time stamps counted), the notes
  CHECK(log.find("# brigade: the log holds 16 KiB of output ([deploy] log_limit): what follows "
                 "is counted, not kept\n") != std::string::npos);
  CHECK(log.find(" of output (") != std::string::npos);
  CHECK(log.find("bytes) past the log's limit of 16 KiB ([deploy] log_limit) were not kept\n") !=
        std::string::npos);
  // The summary's last lines are bounded too: the long one cut, saying by how much.
  CHECK(run.err.find(std::string(500, '0')) != std::string::npos);
  CHECK(run.err.find(std::string(600, '0')) == std::string::npos);
  CHECK(run.err.find(" more bytes)") != std::string::npos);
}
