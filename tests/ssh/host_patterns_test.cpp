#include <brigade/ssh/host_patterns.hpp>

#include <catch2/catch.hpp>

using brigade::ssh::host_line_matches;
using brigade::ssh::known_hosts_patterns_match;
using brigade::ssh::wildcard_match;

TEST_CASE("host patterns: a Host line's patterns are case-sensitive, a negation rejects",
          "[ssh_config][patterns]") {
  using V = std::vector<std::string>;
  CHECK(host_line_matches(V{"*"}, "web01"));
  CHECK(host_line_matches(V{"web??"}, "web01"));
  CHECK_FALSE(host_line_matches(V{"web?"}, "web01"));
  CHECK(host_line_matches(V{"*.fleet.test"}, "node0001.fleet.test"));
  CHECK(host_line_matches(V{"db*", "web*"}, "web01"));
  CHECK_FALSE(host_line_matches(V{"db*,web*"}, "web01"));  // a comma is part of the pattern
  CHECK_FALSE(host_line_matches(V{"*.fleet.test", "!bad.fleet.test"}, "bad.fleet.test"));
  CHECK(host_line_matches(V{"*.fleet.test", "!bad.fleet.test"}, "good.fleet.test"));
  CHECK_FALSE(host_line_matches(V{"!bad"}, "good"));  // a negation alone matches nothing
  CHECK_FALSE(host_line_matches(V{"WEB01"}, "web01"));
  CHECK_FALSE(host_line_matches(V{"a b"}, "a"));  // a quoted pattern with a space is one pattern
  // Many stars against a long name that does not match: linear, not exponential.
  CHECK_FALSE(host_line_matches(V{std::string(40, '*') + "x"}, std::string(200, 'a')));
}

TEST_CASE("host patterns: known_hosts names are comma-separated and case-insensitive",
          "[known_hosts][patterns]") {
  CHECK(known_hosts_patterns_match("db*,web*", "web01"));
  CHECK(known_hosts_patterns_match("WEB01", "web01"));
  CHECK_FALSE(known_hosts_patterns_match("*.test,!bad.test", "bad.test"));
  CHECK(known_hosts_patterns_match("web0?", "web01"));
  CHECK_FALSE(known_hosts_patterns_match("!web01", "web01"));
  CHECK_FALSE(known_hosts_patterns_match("", "web01"));
}

TEST_CASE("host patterns: * and ? as OpenSSH's match_pattern", "[patterns]") {
  CHECK(wildcard_match("", ""));
  CHECK(wildcard_match("*", ""));
  CHECK(wildcard_match("a*c", "abbbc"));
  CHECK(wildcard_match("a?c", "abc"));
  CHECK_FALSE(wildcard_match("a?c", "ac"));
  CHECK_FALSE(wildcard_match("abc", "ABC"));
  CHECK(wildcard_match("*.example.com", ".example.com"));
  CHECK_FALSE(wildcard_match("*x", std::string(10000, 'a')));
}
