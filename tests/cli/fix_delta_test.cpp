// A changed kitchen, seen from `brigade fix`: only its changes travel, built once per run, and
// a controller that never deployed before finds them from what the nodes hold.
#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using brigade::test::latest_report;
using brigade::test::make_fleet_kitchen;
using brigade::test::run_brigade;
using brigade::test::run_shell_ok;
using brigade::test::Sshd;
using brigade::test::TempDir;

namespace {

std::string node_log(const TempDir& kitchen, int node) {
  return run_shell_ok("cat '" + kitchen.str() + "/logs/latest/nodes/n0" + std::to_string(node) +
                      ".fleet.test.log'");
}

bool says(const std::string& log, const std::string& text) {
  return log.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "fix: a changed kitchen travels as its changes, built once for every node that holds "
    "the same kitchen, from any controller",
    "[sshd][deploy][delta]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  make_fleet_kitchen(kitchen, sshd, 3, "cat {work_path}/cookbooks/demo/recipes/default.rb");
  std::string big;
  for (int i = 0; i < 20000; ++i) {
    big += "line " + std::to_string(i * 7919 % 100003) + "\n";
  }
  kitchen.write("cookbooks/demo/files/big.txt", big);
  auto first = run_brigade({"fix", "-k", kitchen.str(), "--yes", "node:all"});
  REQUIRE(first.status == 0);
  for (int node = 1; node <= 3; ++node) {
    CHECK(says(node_log(kitchen, node), "the kitchen was sent whole to "));
  }

  kitchen.write("cookbooks/demo/recipes/default.rb", "log 'changed'\n");
  auto second = run_brigade({"fix", "-k", kitchen.str(), "--yes", "--parallel", "1", "node:all"});
  REQUIRE(second.status == 0);
  const auto report = latest_report(kitchen);
  for (int node = 1; node <= 3; ++node) {
    INFO("node " << node);
    const std::string log = node_log(kitchen, node);
    INFO(log);
    CHECK(report["nodes"][node - 1]["kitchen_transferred"] == true);
    CHECK(says(log, "the kitchen's changes were sent to "));
    CHECK(says(log, "1 written, 0 removed)"));
    // The first node's walk built it; the others got it at once.
    CHECK(says(log, "built for another node of this run") == (node > 1));
    CHECK(says(log, "Z log 'changed'\n"));
  }

  // Another controller (another checkout, no memory of these deploys) with a change of its own.
  TempDir other;
  run_shell_ok("cp -a '" + kitchen.str() + "/.' '" + other.str() + "' && rm -rf '" + other.str() +
               "/logs'");
  std::filesystem::remove(other.path() / "cookbooks/demo/files/big.txt");
  other.write("cookbooks/demo/recipes/extra.rb", "log 'extra'\n");
  auto third = run_brigade({"fix", "-k", other.str(), "--yes", "node:n02.fleet.test"});
  REQUIRE(third.status == 0);
  const std::string log =
      run_shell_ok("cat '" + other.str() + "/logs/latest/nodes/n02.fleet.test.log'");
  INFO(log);
  CHECK(says(log, "the kitchen's changes were sent to "));
  CHECK(says(log, "1 written, 1 removed)"));
  CHECK_FALSE(
      std::filesystem::exists(sshd.path("work/n02.fleet.test/cookbooks/demo/files/big.txt")));
  CHECK(run_shell_ok("cat '" + sshd.path("work/n02.fleet.test/cookbooks/demo/recipes/extra.rb") +
                     "'") == "log 'extra'\n");
}
