#include <brigade/kitchen/run_list.hpp>

#include <catch2/catch.hpp>

using brigade::parse_run_list_entry;
using brigade::RunListEntry;

namespace {
RunListEntry parse_ok(const std::string& text) {
  std::string error;
  std::string hint;
  auto entry = parse_run_list_entry(text, error, hint);
  INFO(error);
  REQUIRE(entry.has_value());
  return *entry;
}

std::string parse_error(const std::string& text) {
  std::string error;
  std::string hint;
  auto entry = parse_run_list_entry(text, error, hint);
  REQUIRE_FALSE(entry.has_value());
  return hint.empty() ? error : error + ", " + hint;
}
}  // namespace

TEST_CASE("run_list: roles, recipes and bare recipe names", "[run_list]") {
  CHECK(parse_ok("role[web/front]") == RunListEntry{RunListEntry::Kind::role, "web/front"});
  CHECK(parse_ok("recipe[nginx::site]") == RunListEntry{RunListEntry::Kind::recipe, "nginx::site"});
  CHECK(parse_ok("nginx") == RunListEntry{RunListEntry::Kind::recipe, "nginx"});
  CHECK(parse_ok("recipe[app@1.2.0]").name == "app@1.2.0");
}

TEST_CASE("run_list: x and x::default are the same recipe", "[run_list]") {
  CHECK(parse_ok("recipe[nginx::default]").name == "nginx");
  CHECK(parse_ok("nginx::default").name == "nginx");
  CHECK(brigade::normalize_recipe("::default") == "::default");
  CHECK(parse_ok("recipe[nginx::default]").text() == "recipe[nginx]");
}

TEST_CASE("run_list: malformed entries say what was expected", "[run_list]") {
  CHECK(parse_error("role[web") ==
        "expected 'role[NAME]', 'recipe[NAME]' or a recipe name, got 'role[web'");
  CHECK(parse_error("role[]") ==
        "expected 'role[NAME]', 'recipe[NAME]' or a recipe name, got 'role[]'");
  CHECK(parse_error("role[web front]") ==
        "expected 'role[NAME]', 'recipe[NAME]' or a recipe name, got 'role[web front]'");
  CHECK(parse_error("") == "expected 'role[NAME]', 'recipe[NAME]' or a recipe name, got ''");
  CHECK(parse_error("roles[web]") ==
        "unknown run_list entry kind 'roles' in 'roles[web]', did you mean 'role'?");
  CHECK(parse_error("cookbook[web]") ==
        "expected 'role[NAME]', 'recipe[NAME]' or a recipe name, got 'cookbook[web]'");
}
