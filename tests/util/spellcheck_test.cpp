#include <brigade/util/spellcheck.hpp>

#include <catch2/catch.hpp>

using brigade::closest_match;
using brigade::closest_matches;
using brigade::did_you_mean;
using brigade::edit_distance;

TEST_CASE("spellcheck: edit distance counts insertions, deletions and substitutions",
          "[spellcheck]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("web", "web") == 0);
  CHECK(edit_distance("web", "webs") == 1);
  CHECK(edit_distance("lsit", "list") == 2);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("spellcheck: closest match is within three edits, nearest first", "[spellcheck]") {
  const std::vector<std::string> words = {"global_predeployhook", "global_postdeployhook",
                                          "predeployhook", "postdeployhook"};
  CHECK(closest_match("gobal_predeployhook", words) == "global_predeployhook");
  CHECK(closest_match("predeploy", words).empty());
  CHECK(closest_match("chef_environement", {"chef_environment", "roles", "nodes"}) ==
        "chef_environment");
  CHECK(closest_matches("web-1", {"web-01", "web-02", "db-01", "web-10"}) ==
        std::vector<std::string>{"web-01", "web-10"});
  CHECK(closest_matches("web-1", {"web-01", "web-02"}, 1) == std::vector<std::string>{"web-01"});
}

TEST_CASE("spellcheck: a one-letter word is not 'corrected' into an unrelated one",
          "[spellcheck]") {
  CHECK(closest_match("x", {"y", "list"}).empty());
}

TEST_CASE("spellcheck: did you mean lists one, two or three names", "[spellcheck]") {
  CHECK(did_you_mean({}).empty());
  CHECK(did_you_mean({"a"}) == "did you mean 'a'?");
  CHECK(did_you_mean({"a", "b"}) == "did you mean 'a' or 'b'?");
  CHECK(did_you_mean({"a", "b", "c"}) == "did you mean 'a', 'b' or 'c'?");
}
