#include <brigade/util/diagnostic.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

using brigade::Diagnostic;
using brigade::diagnostic_at;

TEST_CASE("diagnostic: file, line, column, field, message and hint in one line", "[diagnostic]") {
  Diagnostic d{.file = "nodes/web1.json",
               .line = 4,
               .column = 15,
               .field = "run_list",
               .message = "expected an array of strings, got a string"};
  CHECK(d.render() == "nodes/web1.json:4:15: run_list: expected an array of strings, got a string");
  d.hint = "did you mean 'x'?";
  CHECK(d.render() ==
        "nodes/web1.json:4:15: run_list: expected an array of strings, got a string, did you "
        "mean 'x'?");
}

TEST_CASE("diagnostic: a message without a location is just the message", "[diagnostic]") {
  CHECK(Diagnostic{.message = "selector 'node:x*' selects no node"}.render() ==
        "selector 'node:x*' selects no node");
  CHECK(Diagnostic{.file = "littlechef.cfg", .line = 3, .message = "m"}.render() ==
        "littlechef.cfg:3: m");
}

TEST_CASE("diagnostic: an offset becomes line, column, the source line and a caret",
          "[diagnostic]") {
  const std::string text = "{\n  \"run_list\": \"role[web]\"\n}\n";
  auto d = diagnostic_at("n.json", text, text.find("\"role"), "run_list", "expected an array");
  CHECK(d.line == 2);
  CHECK(d.column == 15);
  CHECK(d.render() ==
        "n.json:2:15: run_list: expected an array\n"
        "      \"run_list\": \"role[web]\"\n"
        "                  ^");
}

TEST_CASE("diagnostic: columns count characters and the caret keeps tabs", "[diagnostic]") {
  const std::string text = "\t\"caf\xC3\xA9\": x";
  auto d = diagnostic_at("f", text, text.find('x'), {}, "bad");
  CHECK(d.column == 10);
  CHECK(d.render() == "f:1:10: bad\n    \t\"caf\xC3\xA9\": x\n    \t        ^");
}

TEST_CASE("diagnostic: paths below the working directory are shown relative", "[diagnostic]") {
  auto cwd = std::filesystem::current_path();
  CHECK(brigade::display_path((cwd / "nodes" / "a.json").string()) == "nodes/a.json");
  CHECK(brigade::display_path("./nodes/../nodes/a.json") == "nodes/a.json");
  CHECK(brigade::display_path("/elsewhere/a.json") == "/elsewhere/a.json");
}

TEST_CASE("diagnostic: a very long source line is shown around the column", "[diagnostic]") {
  std::string text(5000, '[');
  text += "x";
  text += std::string(5000, ']');
  auto d = brigade::diagnostic_at("f.json", text, 5000, {}, "bad");
  const std::string rendered = d.render();
  CHECK(rendered.size() < 400);
  CHECK(rendered == "f.json:1:5001: bad\n    …" + std::string(60, '[') + "x" +
                        std::string(59, ']') + "…\n    " + std::string(61, ' ') + "^");
  // Short lines are shown whole, as before.
  CHECK(brigade::diagnostic_at("g", "abc", 1, {}, "m").render() == "g:1:2: m\n    abc\n     ^");
}

TEST_CASE("diagnostic: all problems of a pass in one, the tail counted", "[diagnostic]") {
  std::vector<brigade::Diagnostic> problems;
  for (int i = 1; i <= 4; ++i) {
    problems.push_back(brigade::Diagnostic{.message = "problem " + std::to_string(i)});
  }
  auto all = brigade::all_problems(problems, 10);
  CHECK(all.message == "problem 1");
  REQUIRE(all.also.size() == 3);
  CHECK(all.also[2].message == "problem 4");
  auto cut = brigade::all_problems(problems, 2);
  REQUIRE(cut.also.size() == 2);
  CHECK(cut.also[0].message == "problem 2");
  CHECK(cut.also[1].message == "2 more problems not shown (4 in all)");
  auto one_more = brigade::all_problems(problems, 3);
  CHECK(one_more.also.back().message == "1 more problem not shown (4 in all)");
  CHECK(brigade::all_problems({problems[0]}).also.empty());
}
