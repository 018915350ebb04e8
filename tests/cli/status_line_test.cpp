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
