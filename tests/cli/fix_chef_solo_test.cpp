// The default converge command is chef-solo, judged as LittleChef judges it: by its output as
// well as its exit status. A fake chef-solo (a script on the node's PATH, in a /usr/local/bin
// only the test sshd's sessions see) prints each of the markers LittleChef reads.

#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

using brigade::test::file_text;
using brigade::test::install_chef_solo;
using brigade::test::latest_report;
using brigade::test::make_chef_solo_kitchen;
using brigade::test::run_brigade;
using brigade::test::Sshd;
using brigade::test::TempDir;

namespace {

Sshd::Options with_private_bin() {
  Sshd::Options options;
  options.private_dirs = {"/usr/local/bin", "/etc/chef", "/var/log/chef"};
  return options;
}

std::string reason(const TempDir& kitchen) {
  return latest_report(kitchen)["nodes"][0]["error"].get<std::string>();
}

}  // namespace

TEST_CASE("chef-solo: a run is done only when its output says so, as LittleChef reads it",
          "[sshd][deploy][chef-solo]") {
  if (!brigade::test::can_isolate_hosts()) {
    BRIGADE_SKIP("needs root and a mount namespace (unshare -m) for a private /usr/local/bin");
  }
  Sshd sshd(with_private_bin());
  TempDir kitchen;
  make_chef_solo_kitchen(kitchen, sshd);
  const std::string work = sshd.dir().str() + "/work/n01.fleet.test";
  SECTION("Chef Run complete: deployed, run as LittleChef runs it") {
    install_chef_solo(sshd, "Starting Chef Client\nChef Run complete in 1.2 seconds", 0);
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(file_text(sshd.dir().str() + "/chef-solo-args") ==
          fmt::format("-c {0}/solo.rb -j {0}/node.json\n", work));
  }
  SECTION("Report handlers complete alone is done too") {
    install_chef_solo(sshd, "Running handlers:\nReport handlers complete", 0);
    CHECK(run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"}).status == 0);
  }
  SECTION("FATAL: Stacktrace dumped with exit 0 is a failed deploy") {
    install_chef_solo(sshd,
                      "FATAL: Stacktrace dumped to /var/chef/cache/chef-stacktrace.out\n"
                      "Chef Run complete in 0.1 seconds",
                      0);
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    CHECK(run.status == 1);
    CHECK(reason(kitchen) ==
          "converge: chef-solo exited 0 but its output says 'FATAL: Stacktrace dumped'");
  }
  SECTION("neither marker with exit 0: the run did not finish") {
    install_chef_solo(sshd, "Starting Chef Client", 0);
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    CHECK(run.status == 1);
    CHECK(
        reason(kitchen).starts_with("converge: chef-solo exited 0 but its output has neither "
                                    "'Chef Run complete' nor 'Report handlers complete'"));
  }
  SECTION("a non-zero exit is a failure with its status, whatever the output says") {
    install_chef_solo(sshd, "Chef Run complete in 1 seconds", 1);
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    CHECK(run.status == 1);
    CHECK(latest_report(kitchen)["nodes"][0]["rc"] == 1);
  }
  SECTION("chef-solo not installed: said in those words") {
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    CHECK(run.status == 1);
    CHECK(reason(kitchen) ==
          "converge: chef-solo is not installed on this node (exit 127: not found on its PATH)");
  }
}

TEST_CASE("chef-solo: a converge command of the kitchen's own is judged by its status alone",
          "[sshd][deploy][chef-solo]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 1, "echo 'FATAL: Stacktrace dumped'");
  CHECK(run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"}).status == 0);
}

TEST_CASE("chef-solo: node.json also at /etc/chef, the output kept in /var/log/chef/solo.log",
          "[sshd][deploy][chef-solo]") {
  if (!brigade::test::can_isolate_hosts()) {
    BRIGADE_SKIP("needs root and a mount namespace (unshare -m) for private system directories");
  }
  Sshd sshd(with_private_bin());
  TempDir kitchen;
  make_chef_solo_kitchen(kitchen, sshd);
  const std::string work = sshd.dir().str() + "/work/n01.fleet.test";
  const std::string etc_chef = sshd.private_dir("/etc/chef");
  const std::string log_dir = sshd.private_dir("/var/log/chef");
  install_chef_solo(sshd, "first run\nChef Run complete in 1 seconds", 0);
  REQUIRE(run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"}).status == 0);
  CHECK(file_text(etc_chef + "/node.json") == file_text(work + "/node.json"));
  CHECK(brigade::test::run_shell_ok("stat -c %a " + etc_chef + "/node.json") == "400\n");
  CHECK(file_text(log_dir + "/solo.log") == "first run\nChef Run complete in 1 seconds\n");
  // The output still reaches Brigade's log, and the exit status still counts through the pipe.
  CHECK(file_text(kitchen.str() + "/logs/latest/nodes/n01.fleet.test.log").find("first run") !=
        std::string::npos);
  install_chef_solo(sshd, "second run\nChef Run complete in 1 seconds", 5);
  auto failed = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  CHECK(failed.status == 1);
  CHECK(latest_report(kitchen)["nodes"][0]["rc"] == 5);
  CHECK(file_text(log_dir + "/solo.log").starts_with("second run\n"));
  CHECK(file_text(log_dir + "/solo.log.1").starts_with("first run\n"));
  SECTION("--no-report: nothing kept, nothing moved") {
    install_chef_solo(sshd, "third run\nChef Run complete in 1 seconds", 0);
    CHECK(run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes", "--no-report"}).status ==
          0);
    CHECK(file_text(log_dir + "/solo.log").starts_with("second run\n"));
    CHECK(file_text(log_dir + "/solo.log.1").starts_with("first run\n"));
  }
}
