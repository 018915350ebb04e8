#include <brigade/cli/help_format.hpp>

#include <catch2/catch.hpp>

using brigade::HelpFormatter;
using brigade::wrap_text;

TEST_CASE("help: text wraps at the width with a hanging indent, long words whole", "[cli][help]") {
  CHECK(wrap_text("one two three four", 10, 2, 0) == "one two\n  three\n  four");
  CHECK(wrap_text("one two", 80, 4, 70) == "one two");
  CHECK(wrap_text("one two", 75, 4, 70) == "one\n    two");
  CHECK(wrap_text("averyveryverylongword x", 8, 2, 0) == "averyveryverylongword\n  x");
  // A newline in a description starts a new line at the indent.
  CHECK(wrap_text("first line\nsecond", 80, 3, 0) == "first line\n   second");
  // Columns, not bytes: '…' counts once.
  CHECK(wrap_text("SELECTOR… x", 11, 0, 0) == "SELECTOR… x");
}

TEST_CASE("help: options show their value's word, flags none, positionals as usage",
          "[cli][help]") {
  CLI::App app{"test"};
  app.name("brigade");
  app.formatter(std::make_shared<HelpFormatter>(60));
  int parallel = 0;
  bool yes = false;
  std::vector<std::string> selectors;
  app.add_option("-p,--parallel", parallel, "Nodes in flight at once")
      ->check(CLI::Range(1, 100).description(""))
      ->option_text("N");
  app.add_flag("-y,--yes", yes, "Without asking");
  app.add_option("selectors", selectors, "What to deploy, a description long enough to wrap")
      ->option_text("SELECTOR…");
  const std::string help = app.help();
  INFO(help);
  CHECK(help.find("Usage: brigade [OPTIONS] [SELECTOR…]\n") != std::string::npos);
  CHECK(help.find("  -p,--parallel N         Nodes in flight at once\n") != std::string::npos);
  CHECK(help.find("  -y,--yes                Without asking\n") != std::string::npos);
  CHECK(help.find("  [SELECTOR…]             What to deploy, a description long\n"
                  "                          enough to wrap\n") != std::string::npos);
}
