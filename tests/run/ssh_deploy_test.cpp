#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/run/ssh_deploy.hpp>
#include <brigade/ssh/remote_command.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

using brigade::render_command;
using brigade::ssh::shell_quote;

TEST_CASE("ssh deploy: kitchen values substituted into the converge command never run",
          "[deploy]") {
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
    // Appended, not `"/w/" + value`: g++ 12 warns falsely (-Wrestrict) on that temporary.
    std::string work = "/w/";
    work += value;
    const std::string command =
        render_command("printf '%s|' {node} {environment} {work_path}/solo.rb", value, work, value);
    // The node's login shell is a POSIX sh; run the command through the same kind of shell.
    const std::string printed = brigade::test::run_shell_ok("sh -c " + shell_quote(command));
    CHECK(printed == value + "|" + value + "|" + work + "/solo.rb|");
    CHECK_FALSE(std::filesystem::exists(marker));
  }
  // Placeholders are replaced once, left to right; ordinary values stay readable.
  CHECK(render_command("chef-solo -c {work_path}/solo.rb -j {work_path}/node.json -E {environment}",
                       "web01", "/var/chef", "production") ==
        "chef-solo -c /var/chef/solo.rb -j /var/chef/node.json -E production");
}
