// Standard output that cannot be written: a reader that went away, a full disk. The run goes
// on and writes its records; the loss is said, and the exit status is 5 where it was 0.
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>

using brigade::test::file_text;
using brigade::test::latest_report;
using brigade::test::run_shell;
using brigade::test::Sshd;
using brigade::test::TempDir;

namespace {
const std::string kBrigade = std::string("'") + BRIGADE_BINARY + "'";
}

TEST_CASE("stdout: a full disk is an error with its reason, exit 5", "[stdout]") {
  TempDir kitchen;
  kitchen.write("littlechef.cfg", "[kitchen]\n");
  kitchen.write("nodes/web01.json", "{}");
  const auto list = run_shell(kBrigade + " list nodes -k '" + kitchen.str() +
                              "' --json > /dev/full 2> '" + kitchen.str() + "/err'; echo $?");
  CHECK(list.output == "5\n");
  CHECK(file_text(kitchen.str() + "/err") ==
        "brigade: cannot write to standard output: No space left on device (what came after "
        "was lost; a run's own records are in its run directory)\n");
}

TEST_CASE("stdout: a reader that goes away does not stop the run: records written, exit 5",
          "[sshd][deploy][stdout]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  // Each node takes a moment, so its events come after `head -1` is gone.
  brigade::test::make_fleet_kitchen(kitchen, sshd, 3, "sleep 0.5; echo done");
  kitchen.write("run.sh", kBrigade + " fix -k '" + kitchen.str() + "' --yes --json node:all 2> '" +
                              kitchen.str() +
                              "/err' | head -1 > /dev/null\necho ${PIPESTATUS[0]}\n");
  const auto status = run_shell("bash '" + kitchen.str() + "/run.sh'");
  CHECK(status.output == "5\n");
  CHECK(file_text(kitchen.str() + "/err")
            .find("brigade: cannot write to standard output: "
                  "Broken pipe") != std::string::npos);
  const auto report = latest_report(kitchen);
  REQUIRE(report["nodes"].size() == 3);
  for (const auto& node : report["nodes"]) {
    CHECK(node["status"] == "deployed");
  }
}
