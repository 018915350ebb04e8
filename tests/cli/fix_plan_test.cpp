#include "support/cli_run.hpp"
#include "support/temp_dir.hpp"

#include <brigade/cli/cli.hpp>
#include <brigade/kitchen/kitchen.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <sstream>

using brigade::test::kExampleKitchen;
using brigade::test::kFixture;
// The CLI run in this process (support/cli_run.hpp).
const auto run = &brigade::test::run_brigade;

TEST_CASE("cli: fix --dry-run prints the selected nodes and touches nothing", "[cli]") {
  auto r = run({"fix", "-k", kFixture, "--dry-run", "nodes_with_role:web*", "node:all"});
  CHECK(r.status == 0);
  CHECK(r.out ==
        "Plan: 3 nodes, 1 batch, at most 16 in flight (dry run, nothing is touched)\n"
        "Batch 1 of 1 (3 nodes):\n"
        "  testnode1.mydomain.com\n"
        "  testnode2.mydomain.com\n"
        "  testnode4.mydomain.com\n"
        "Left out (dummy):\n"
        "  nestedroles1\n"
        "  testnode3.mydomain.com\n");
  auto staging = run({"fix", "-k", kFixture, "-n", "--env", "staging", "node:all"});
  CHECK(staging.status == 0);
  CHECK(staging.out.starts_with("Plan: 1 node in environment staging, 1 batch"));
}

TEST_CASE("cli: fix --dry-run shows staged batches and the failure budget", "[cli]") {
  auto r = run({"fix", "-k", kExampleKitchen, "-n", "node:all", "--batch-size", "1,2,50%",
                "--parallel", "4", "--max-fail", "20%"});
  CHECK(r.status == 0);
  // The example kitchen's hooks show where they would run.
  const std::string hooks = std::string(kExampleKitchen) + "/hooks/";
  const std::string lb = "  pre hooks 'drain from lb'; post hooks 'restore to lb'";
  CHECK(r.out ==
        "Plan: 9 nodes, 4 batches, at most 4 in flight, stop after more than 1 failure (dry "
        "run, nothing is touched)\n"
        "Global pre hooks, in order:\n"
        "  kitchen is up to date: " +
            hooks +
            "checkout-is-current api01.example.com api02.example.com db01.example.com … (9 "
            "nodes)\n"
            "  announce: " +
            hooks +
            "notify --channel #ops api01.example.com api02.example.com db01.example.com … (7 "
            "nodes)\n"
            "Batch 1 of 4 (1 node):\n"
            "  api01.example.com" +
            lb +
            "\n"
            "Batch 2 of 4 (2 nodes):\n"
            "  api02.example.com" +
            lb +
            "\n"
            "  db01.example.com\n"
            "Batch 3 of 4 (5 nodes):\n"
            "  db01.staging.example.com\n"
            "  lb01.example.com\n"
            "  web01.example.com" +
            lb +
            "\n"
            "  web01.staging.example.com\n"
            "  web02.example.com" +
            lb +
            "\n"
            "Batch 4 of 4 (1 node):\n"
            "  web03.example.com" +
            lb +
            "\n"
            "Global post hooks, in order:\n"
            "  report: " +
            hooks +
            "notify --channel #ops <exit code> api01.example.com api02.example.com "
            "db01.example.com … (7 nodes)\n"
            "Left out (dummy):\n"
            "  build.example.com\n");
  auto bad = run({"fix", "-k", kExampleKitchen, "-n", "node:all", "--batch-size", "0"});
  CHECK(bad.status == 2);
  CHECK(bad.err ==
        "brigade: error: --batch-size: '0' is not a batch size: expected a number of nodes (1 or "
        "more) or a percentage like 25%\n");
}

TEST_CASE("cli: fix --dry-run shows the gates after their batch and the rollout rule",
          "[cli][rollout]") {
  brigade::test::TempDir kitchen;
  kitchen.write("littlechef.cfg", "[userinfo]\n");
  for (const char* name : {"a1", "a2", "a3"}) {
    kitchen.write(std::string("nodes/") + name + ".json", "{}");
  }
  kitchen.write("hooks/gates.json",
                R"({"name": "smoke", "type": "postbatchhook", "exec": ["/bin/true", "--quick"]})");
  auto plan = run({"fix", "-k", kitchen.str(), "node:all", "--dry-run", "--batch-size", "1,2"});
  INFO(plan.err);
  CHECK(plan.status == 0);
  CHECK(plan.out ==
        "Plan: 3 nodes, 2 batches, at most 16 in flight, a batch with a failure stops the "
        "rollout (dry run, nothing is touched)\n"
        "Batch 1 of 2 (1 node):\n"
        "  a1\n"
        "  then gate smoke: /bin/true --quick 1 <failed> a1\n"
        "Batch 2 of 2 (2 nodes):\n"
        "  a2\n"
        "  a3\n");
  // --max-fail none: no rule; a budget: said as such.
  auto none =
      run({"fix", "-k", kitchen.str(), "node:all", "-n", "-b", "1,1", "--max-fail", "none"});
  CHECK(none.out.starts_with("Plan: 3 nodes, 3 batches, at most 16 in flight (dry run"));
  auto rolling = run({"fix", "-k", kitchen.str(), "node:all", "-n", "-b", "1"});
  CHECK(rolling.out.starts_with("Plan: 3 nodes, 3 batches, at most 16 in flight (dry run"));
  auto budget = run({"fix", "-k", kitchen.str(), "node:all", "-n", "-b", "1", "--max-fail", "1"});
  CHECK(budget.out.starts_with(
      "Plan: 3 nodes, 3 batches, at most 16 in flight, stop after more than 1 failure (dry"));
  auto bad = run({"fix", "-k", kitchen.str(), "node:all", "-n", "--max-fail", "nope"});
  CHECK(bad.status == 2);
}

TEST_CASE("cli: fix --dry-run --batch-by names each batch's failure domain", "[cli][rollout]") {
  brigade::test::TempDir kitchen;
  kitchen.write("littlechef.cfg", "[userinfo]\n");
  kitchen.write("nodes/a1.json", R"({"rack": "east"})");
  kitchen.write("nodes/a2.json", R"({"rack": "west"})");
  kitchen.write("nodes/a3.json", R"({"rack": "east"})");
  kitchen.write("nodes/a4.json", "{}");
  auto plan = run({"fix", "-k", kitchen.str(), "node:all", "-n", "--batch-by", "rack"});
  INFO(plan.err);
  CHECK(plan.status == 0);
  CHECK(plan.out ==
        "Plan: 4 nodes, 3 batches, at most 16 in flight (dry run, nothing is touched)\n"
        "Batch 1 of 3 (2 nodes, rack=east):\n"
        "  a1\n"
        "  a3\n"
        "Batch 2 of 3 (1 node, rack=west):\n"
        "  a2\n"
        "Batch 3 of 3 (1 node, rack not set):\n"
        "  a4\n");
  auto bad = run({"fix", "-k", kitchen.str(), "node:all", "-n", "--batch-by", "rack..x"});
  CHECK(bad.status == 2);
  CHECK(bad.err.find("expected an attribute path") != std::string::npos);
}
