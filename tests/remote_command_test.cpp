#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/deploy_engine.hpp>
#include <brigade/ssh/remote_command.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

using brigade::render_command;
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

TEST_CASE("remote command: kitchen values substituted into the converge command never run",
          "[remote_command]") {
  brigade::test::TempDir dir;
  const std::string marker = dir.str() + "/ran";
  const std::vector<std::string> hostile = {
      "$(touch " + marker + ")",
      "`touch " + marker + "`",
      "a;touch " + marker,
      "quote'q",
      "dq\"x",
      "back\\slash",
      "new\nline",
      "{environment}",
      "*",
      "-n",
      "a b\tc",
      "$HOME",
      "&",
  };
  for (const auto& value : hostile) {
    INFO("value: " << value);
    const std::string command = render_command(
        "printf '%s|' {node} {environment} {work_path}/solo.rb", value, "/w/" + value, value);
    // The node's login shell is a POSIX sh; run the command through the same kind of shell.
    const std::string printed = brigade::test::run_shell_ok("sh -c " + shell_quote(command));
    CHECK(printed == value + "|" + value + "|/w/" + value + "/solo.rb|");
    CHECK_FALSE(std::filesystem::exists(marker));
  }
  // Placeholders are replaced once, left to right; ordinary values stay readable.
  CHECK(render_command("chef-solo -c {work_path}/solo.rb -j {work_path}/node.json -E {environment}",
                       "web01", "/var/chef", "production") ==
        "chef-solo -c /var/chef/solo.rb -j /var/chef/node.json -E production");
}
