#include <brigade/ssh/remote_command.hpp>

#include <catch2/catch.hpp>

using brigade::ssh::shell_quote;
using brigade::ssh::shell_word;

TEST_CASE("remote command: shell words are bare only when nothing in them is special",
          "[remote_command]") {
  CHECK(shell_word("web-01.example.com") == "web-01.example.com");
  CHECK(shell_word("/var/chef/web01") == "/var/chef/web01");
  CHECK(shell_word("") == "''");
  CHECK(shell_word("~root") == "'~root'");
  CHECK(shell_word("a b") == "'a b'");
  CHECK(shell_word("$(touch x)") == "'$(touch x)'");
  CHECK(shell_word("quote'q") == "'quote'\"'\"'q'");
  CHECK(shell_quote("it's") == "'it'\"'\"'s'");
}
