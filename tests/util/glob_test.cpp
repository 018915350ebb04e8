#include <brigade/util/glob.hpp>

#include <catch2/catch.hpp>

using brigade::glob_match;
using brigade::is_glob;

TEST_CASE("glob: literal names match only themselves", "[glob]") {
  CHECK(glob_match("web", "web"));
  CHECK_FALSE(glob_match("web", "web1"));
  CHECK_FALSE(glob_match("web", "we"));
}

TEST_CASE("glob: a trailing star is LittleChef's prefix search and spans role directories",
          "[glob]") {
  CHECK(glob_match("web*", "web"));
  CHECK(glob_match("web*", "webserver"));
  CHECK(glob_match("web*", "web/front"));
  CHECK_FALSE(glob_match("web*", "myweb"));
}

TEST_CASE("glob: star, question mark and brackets anywhere", "[glob]") {
  CHECK(glob_match("*.example.com", "web01.example.com"));
  CHECK_FALSE(glob_match("*.example.com", "web01.example.org"));
  CHECK(glob_match("web0?", "web01"));
  CHECK_FALSE(glob_match("web0?", "web010"));
  CHECK(glob_match("web0[1-3]", "web02"));
  CHECK_FALSE(glob_match("web0[1-3]", "web04"));
  CHECK(glob_match("*/front", "web/front"));
}

TEST_CASE("glob: an escaped star is a literal star", "[glob]") {
  CHECK(glob_match("web\\*", "web*"));
  CHECK_FALSE(glob_match("web\\*", "webserver"));
}

TEST_CASE("glob: is_glob spots metacharacters", "[glob]") {
  CHECK_FALSE(is_glob("web01.example.com"));
  CHECK(is_glob("web*"));
  CHECK(is_glob("web?"));
  CHECK(is_glob("web[12]"));
}
