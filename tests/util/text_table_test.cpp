#include <brigade/util/text_table.hpp>

#include <catch2/catch.hpp>

using brigade::join_or_dash;
using brigade::TextTable;

TEST_CASE("text table: columns align to the widest cell, no trailing blanks", "[table]") {
  TextTable table({"NODE", "ENVIRONMENT", "TAGS"});
  table.add_row({"web01.example.com", "production", "-"});
  table.add_row({"db1", "staging", "canary, web"});
  CHECK(table.render() ==
        "NODE               ENVIRONMENT  TAGS\n"
        "web01.example.com  production   -\n"
        "db1                staging      canary, web\n");
}

TEST_CASE("text table: width counts characters, not UTF-8 bytes", "[table]") {
  TextTable table({"A", "B"});
  table.add_row({"\xC3\xA9t\xC3\xA9", "x"});  // "été": 3 characters, 5 bytes
  table.add_row({"abcd", "y"});
  CHECK(table.render() ==
        "A     B\n"
        "\xC3\xA9t\xC3\xA9   x\n"
        "abcd  y\n");
}

TEST_CASE("text table: an empty list shows a dash", "[table]") {
  CHECK(join_or_dash({}) == "-");
  CHECK(join_or_dash({"a", "b"}) == "a, b");
}
