// Two controllers deploying to the same nodes: the node lock, seen from `brigade fix`.
#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>

using brigade::test::latest_report;
using brigade::test::make_fleet_kitchen;
using brigade::test::run_brigade;
using brigade::test::Sshd;
using brigade::test::TempDir;

TEST_CASE(
    "fix: a node another controller deploys is busy and named, and its lock goes with a SIGKILL",
    "[sshd][deploy][lock]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  // Two kitchens (two controllers' checkouts) deploying the same node, into the same work path.
  TempDir first;
  TempDir second;
  std::filesystem::create_directories(sshd.path("pids"));
  make_fleet_kitchen(first, sshd, 1, "echo $$ > " + sshd.path("pids") + "/$$; exec sleep 600");
  make_fleet_kitchen(second, sshd, 1, "true");
  const int holder = brigade::test::spawn_brigade({"fix", "-k", first.str(), "node:all", "--yes"},
                                                  first.str() + "/out", first.str() + "/err");
  REQUIRE(brigade::test::wait_for_entries(sshd.path("pids"), 1, 60000) == 1);
  const std::string run_id = std::filesystem::read_symlink(first.str() + "/logs/latest").string();

  auto busy = run_brigade({"fix", "-k", second.str(), "node:all", "--yes"});
  CHECK(busy.status != 0);
  auto report = latest_report(second);
  REQUIRE(report["nodes"].size() == 1);
  const auto& node = report["nodes"][0];
  CHECK(node["status"] == "failed");
  const std::string reason = node["error"];
  INFO(reason);
  CHECK(reason.starts_with("busy: another deploy holds the node's lock on " +
                           sshd.path("work/n01.fleet.test") + ": "));
  CHECK(reason.find(", run " + run_id + ", since ") != std::string::npos);
  CHECK(reason.find("@") != std::string::npos);

  // The holder dies without a word: its connection closes, its converge is stopped, and the
  // kernel releases its lock; the next deploy (waiting a little, since the node notices the
  // closed connection at once but not in no time) gets the node.
  ::kill(holder, SIGKILL);
  CHECK(brigade::test::wait_for_exit(holder, 10000) == -SIGKILL);
  auto after = run_brigade({"fix", "-k", second.str(), "node:all", "--yes", "--lock-wait", "60"});
  INFO(after.out << after.err);
  CHECK(after.status == 0);
  CHECK(latest_report(second)["nodes"][0]["status"] == "deployed");
}

TEST_CASE("fix: a converge command longer than a node takes as one argument is an error first",
          "[deploy]") {
  TempDir kitchen;
  kitchen.write("nodes/n1.json", "{\"run_list\": []}");
  // It travels in the deploy's script on stdin, not in the exec request (34,000 bytes), but a
  // node's kernel takes at most 128 KiB as one argument of the wrapper's sh -c.
  kitchen.write("littlechef.cfg", "[deploy]\ncommand = true " + std::string(200000, 'x') + "\n");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:n1", "--yes"});
  CHECK(run.status == 2);
  CHECK(run.err.find("littlechef.cfg: command: the converge command is 200005 bytes, more than a "
                     "node takes as one command argument") != std::string::npos);
}
