#include <brigade/util/line_splitter.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using brigade::LineSplitter;
using brigade::OutputStream;

namespace {

struct Collect : brigade::OutputSink {
  std::vector<std::string> lines;
  void on_line(OutputStream, std::string_view line) override { lines.emplace_back(line); }
};

}  // namespace

TEST_CASE("line splitter: lines across reads, a last line without newline, CR on request",
          "[lines]") {
  Collect sink;
  LineSplitter lines(sink, OutputStream::out, true);
  lines.feed("one\r\ntw");
  lines.feed("o\n\nthr");
  CHECK(sink.lines == std::vector<std::string>{"one", "two", ""});
  lines.finish();
  CHECK(sink.lines.back() == "thr");
  lines.finish();  // nothing left: nothing more
  CHECK(sink.lines.size() == 4);

  Collect raw;
  LineSplitter keep_cr(raw, OutputStream::err, false);
  keep_cr.feed("a\r\n");
  CHECK(raw.lines == std::vector<std::string>{"a\r"});
}

TEST_CASE("line splitter: a line without newlines is cut at the cap, nothing lost", "[lines]") {
  Collect sink;
  LineSplitter lines(sink, OutputStream::out, false);
  const std::string chunk(64 * 1024, 'x');
  const std::size_t total = 2 * LineSplitter::kMaxLine + 10;
  for (std::size_t sent = 0; sent < total; sent += chunk.size()) {
    lines.feed(std::string_view(chunk).substr(0, std::min(chunk.size(), total - sent)));
  }
  lines.finish();
  std::size_t received = 0;
  for (const auto& line : sink.lines) {
    CHECK(line.size() <= LineSplitter::kMaxLine);
    received += line.size();
  }
  CHECK(sink.lines.size() == 3);
  CHECK(received == total);
}
