#include "support/temp_dir.hpp"

#include <brigade/cli/fix_progress.hpp>
#include <brigade/util/log_file.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

TEST_CASE("progress: the failure count survives every width, the batch label goes first",
          "[status][progress]") {
  brigade::RunStatus status;
  status.batch = 2;
  status.batches = 12;
  status.deployed = 1234;
  status.failed = 7;
  status.skipped = 3;
  status.running = 64;
  status.elapsed_s = 1234.56;
  CHECK(brigade::status_text(status, 80) ==
        "[batch 2/12] 1234 deployed, 7 failed, 3 skipped, 64 running, 1234.6 s");
  CHECK(brigade::status_text(status, 60) ==
        "1234 deployed, 7 failed, 3 skipped, 64 running, 1234.6 s");
  CHECK(brigade::status_text(status, 40) == "1234 deployed, 7 failed, 64 running");
  CHECK(brigade::status_text(status, 25) == "1234 deployed, 7 failed");
  CHECK(brigade::status_text(status, 10) == "7 failed");
  status.activity = "batch gate 'smoke' running";
  CHECK(brigade::status_text(status, 80) == "[batch gate 'smoke' running] 7 failed, 1234.6 s");
  CHECK(brigade::status_text(status, 40) == "[batch gate 'smoke' running] 7 failed");
  CHECK(brigade::status_text(status, 20) == "7 failed");
}

TEST_CASE("progress: with colour the failure count is painted, the width counts what shows",
          "[progress][color]") {
  const brigade::Palette colour(true);
  brigade::RunStatus status;
  status.batch = 1;
  status.batches = 3;
  status.deployed = 10;
  status.failed = 2;
  status.elapsed_s = 1.0;
  // The plain form is 62 columns: with colour it is chosen at the same width.
  CHECK(brigade::status_text(status, 62, colour) ==
        "[batch 1/3] 10 deployed, \x1b[1;31m2 failed\x1b[0m, 0 skipped, 0 running, 1.0 s");
  CHECK(brigade::status_text(status, 61, colour) ==
        "10 deployed, \x1b[1;31m2 failed\x1b[0m, 0 skipped, 0 running, 1.0 s");
  status.failed = 0;  // nothing to scan for: no colour
  CHECK(brigade::status_text(status, 80, colour) ==
        "[batch 1/3] 10 deployed, 0 failed, 0 skipped, 0 running, 1.0 s");
  // A hook name holding the mark's byte does not move the count.
  status.failed = 1;
  status.activity = "hook '\x01' running";
  CHECK(brigade::status_text(status, 80, colour) ==
        "[hook '\x01' running] \x1b[1;31m1 failed\x1b[0m, 1.0 s");
}

TEST_CASE("progress: a node's line paints its status word, and escapes the node's bytes",
          "[progress][color]") {
  const brigade::Palette colour(true);
  brigade::NodeResult node;
  node.name = "web01";
  node.status = brigade::NodeStatus::deployed;
  node.duration_s = 0.5;
  node.transferred = true;
  CHECK(brigade::describe_result(node, colour) == "web01: \x1b[32mdeployed\x1b[0m (0.5 s)");
  CHECK(brigade::describe_result(node) == "web01: deployed (0.5 s)");
  node.status = brigade::NodeStatus::failed;
  node.rc = 3;
  node.tail = {"\x1b]0;owned\x07"};
  CHECK(brigade::describe_result(node, colour) ==
        "web01: \x1b[1;31mFAILED\x1b[0m: the converge command exited with 3 (0.5 s)");
  node.name = "evil\x1b[2J";
  CHECK(brigade::describe_result(node).starts_with("evil\\x1b[2J: FAILED: "));
}

TEST_CASE("progress: without a terminal one plain line per event, --quiet none", "[progress]") {
  brigade::NodeResult node;
  node.name = "web01";
  node.status = brigade::NodeStatus::deployed;
  node.duration_s = 0.25;
  brigade::Hook hook;
  hook.name = "notify";
  hook.type = brigade::HookType::global_postdeployhook;
  brigade::HookRecord record;
  record.name = "notify";
  record.type = brigade::HookType::global_postdeployhook;
  record.rc = 0;
  record.duration_s = 0.5;
  std::ostringstream out;
  brigade::ProgressPrinter printer(out, /*live=*/false);
  printer.batch_started(1, 2, 1);
  printer.node_started(node);
  printer.node_finished(node);
  printer.global_hook_started(hook);
  printer.hook_finished("", record);
  printer.hook_finished("web01", record);  // a node's hook shows in its node's line, not here
  CHECK(out.str() ==
        "Batch 1 of 2: 1 node\n"
        "web01: deployed (0.2 s, kitchen unchanged)\n"
        "global post hook 'notify': exit 0 (0.5 s)\n");
  std::ostringstream quiet_out;
  brigade::ProgressPrinter quiet(quiet_out, /*live=*/false, /*quiet=*/true);
  quiet.batch_started(1, 1, 1);
  quiet.node_finished(node);
  CHECK(quiet_out.str().empty());
}

TEST_CASE("progress: the run log stamps every event in UTC and passes it on", "[progress]") {
  brigade::test::TempDir dir;
  const std::string path = dir.str() + "/run.log";
  auto file = brigade::LogFile::create(path, 0600);
  REQUIRE(file.ok());
  std::ostringstream out;
  brigade::ProgressPrinter printer(out, false);
  {
    brigade::RunLog log(std::move(*file), printer);
    log.batch_started(1, 1, 2);
    brigade::NodeResult node;
    node.name = "web01";
    node.status = brigade::NodeStatus::failed;
    node.rc = 2;
    node.log = "nodes/web01.log";
    log.node_finished(node);
    log.hook_output("web01", "drain", true, "no backend");
    REQUIRE_FALSE(log.close().has_value());
  }
  CHECK(out.str().find("web01: FAILED: the converge command exited with 2") != std::string::npos);
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  REQUIRE(lines.size() == 3);
  const std::regex stamp(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z .*)");
  for (const auto& line : lines) {
    CHECK(std::regex_match(line, stamp));
  }
  CHECK(lines[0].ends_with(" batch 1 of 1 started: 2 nodes"));
  CHECK(lines[1].ends_with(
      " web01: failed (the converge command exited with 2) in 0.000 s, log nodes/web01.log"));
  CHECK(lines[2].ends_with(" web01: [drain] [stderr] no backend"));
}

TEST_CASE("progress: long lists are shortened with a count", "[progress]") {
  CHECK(brigade::join_shortened({"a", "b", "c"}, 3, "nodes") == "a b c");
  CHECK(brigade::join_shortened({"a", "b", "c", "d"}, 3, "nodes") == "a b … (4 nodes)");
}
