#include <brigade/cli/fix_progress.hpp>
#include <brigade/cli/status_line.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

using brigade::elide_middle;
using brigade::StatusLine;

namespace {
// Captures what a StatusLine writes.
struct Capture {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* stream = open_memstream(&buffer, &size);
  ~Capture() { std::free(buffer); }
  std::string text() {
    std::fflush(stream);
    return std::string(buffer, size);
  }
};
}  // namespace

TEST_CASE("status line: elided in the middle to the width", "[status]") {
  CHECK(elide_middle("short", 10) == "short");
  CHECK(elide_middle("[batch 2/4] 12 deployed, 3 running", 20) == "[batch 2/... running");
  CHECK(elide_middle("abcdef", 3) == "abc");
}

TEST_CASE("status line: plain mode prints lines and never a status", "[status]") {
  Capture capture;
  StatusLine line(capture.stream, false, 80);
  line.set_status("[batch 1/2] 0 deployed");
  line.print_line("web01: deployed (0.2 s)");
  line.set_status("[batch 1/2] 1 deployed");
  line.finish();
  CHECK(capture.text() == "web01: deployed (0.2 s)\n");
  std::fclose(capture.stream);
}

TEST_CASE("status line: smart mode overprints the status under scrolling lines", "[status]") {
  Capture capture;
  StatusLine line(capture.stream, true, 21);
  line.set_status("[batch 1/2] 0 deployed");
  line.print_line("web01: deployed");
  line.finish();
  CHECK(capture.text() ==
        "\r[batch 1/...deployed\x1b[K"
        "\r\x1b[Kweb01: deployed\n"
        "\r[batch 1/...deployed\x1b[K"
        "\r\x1b[K");
  std::fclose(capture.stream);
}

TEST_CASE("status line: the failure count survives every width, the batch label goes first",
          "[status]") {
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

TEST_CASE("status line: with colour the failure count is painted, the width counts what shows",
          "[status][color]") {
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

TEST_CASE("status line: a node's line paints its status word, and escapes the node's bytes",
          "[status][color]") {
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
