#include <brigade/util/strings.hpp>

#include <catch2/catch.hpp>

using brigade::join;
using brigade::lowercase;
using brigade::substitute_placeholders;

TEST_CASE("strings: join, lowercase", "[strings]") {
  CHECK(join({}, ", ").empty());
  CHECK(join({"a"}, ", ") == "a");
  CHECK(join({"a", "", "c"}, ", ") == "a, , c");
  CHECK(lowercase("HostName ÄB") == "hostname Äb");  // ASCII only, bytes kept
  CHECK(brigade::plural(1, "node", "nodes") == "1 node");
  CHECK(brigade::plural(0, "batch", "batches") == "0 batches");
  CHECK(brigade::plural(2, "failure", "failures") == "2 failures");
}

TEST_CASE("strings: placeholders are replaced in one pass, never inside a value", "[strings]") {
  CHECK(substitute_placeholders("/var/{node}/{node}", {{"{node}", "web01"}}) == "/var/web01/web01");
  // A value holding a placeholder stays as it is; an unknown one is left alone.
  CHECK(substitute_placeholders("{a}-{b}-{c}", {{"{a}", "{b}"}, {"{b}", "x"}}) == "{b}-x-{c}");
  CHECK(substitute_placeholders("{node", {{"{node}", "x"}}) == "{node");
  CHECK(substitute_placeholders("", {{"{node}", "x"}}).empty());
}
