#include "support/temp_dir.hpp"

#include <brigade/cli/command_setup.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <sstream>

using brigade::Diagnostic;
using brigade::WarningPrinter;
using brigade::test::TempDir;

TEST_CASE("command setup: warnings past the first few are counted in one line, once",
          "[cli][setup]") {
  std::ostringstream err;
  {
    WarningPrinter warnings(err, 2);
    for (int i = 1; i <= 5; ++i) {
      warnings.print(Diagnostic{.message = fmt::format("w{}", i)});
    }
    CHECK(warnings.count() == 5);
    warnings.finish();
    warnings.finish();
  }  // and the destructor does not say it again
  CHECK(err.str() ==
        "brigade: warning: w1\n"
        "brigade: warning: w2\n"
        "brigade: warning: 3 more warnings not shown (5 in all); 'brigade list warnings' shows "
        "them all\n");
  std::ostringstream few;
  {
    WarningPrinter warnings(few, 2);
    warnings.print(Diagnostic{.message = "only"});
  }
  CHECK(few.str() == "brigade: warning: only\n");
}

TEST_CASE("command setup: errors are printed with everything found in the same pass",
          "[cli][setup]") {
  std::ostringstream err;
  Diagnostic first{.file = "a.json", .line = 1, .message = "bad"};
  first.also.push_back(Diagnostic{.file = "b.json", .line = 2, .message = "worse"});
  brigade::print_error(err, first);
  CHECK(err.str() == "brigade: error: a.json:1: bad\nbrigade: error: b.json:2: worse\n");
}

TEST_CASE("command setup: the kitchen in effect is -k, else found upwards, else a clear error",
          "[cli][setup]") {
  TempDir dir;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto none = brigade::load_kitchen_in_effect("");
  std::filesystem::current_path(cwd);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().render() ==
        "no kitchen here: no littlechef.cfg in this directory or any parent, pass -k DIR, or "
        "create a kitchen with 'brigade init'");
  dir.write("k/littlechef.cfg", "[userinfo]\nuser = root\n");
  dir.write("k/nodes/web01.json", "{}");
  auto named = brigade::load_kitchen_in_effect(dir.str() + "/k");
  REQUIRE(named.ok());
  CHECK(named->nodes.size() == 1);
  std::filesystem::current_path(dir.path() / "k" / "nodes");
  auto found = brigade::load_kitchen_in_effect("");
  std::filesystem::current_path(cwd);
  REQUIRE(found.ok());
  CHECK(found->root == "..");
}

TEST_CASE("command setup: a node behind a jump host is refused before anything is contacted",
          "[cli][setup]") {
  TempDir dir;
  dir.write("littlechef.cfg",
            "[userinfo]\nuser = root\nssh-config = ssh_config\n[connection]\ngateway = bastion\n");
  dir.write("ssh_config", "Host web01\n  ProxyJump none\n");
  dir.write("nodes/web01.json", "{}");
  dir.write("nodes/web02.json", "{}");
  auto kitchen = brigade::load_kitchen(dir.path());
  REQUIRE(kitchen.ok());
  std::ostringstream err;
  WarningPrinter warnings(err);
  auto settings = brigade::open_ssh_settings(*kitchen, warnings);
  REQUIRE(settings.ok());
  // littlechef.cfg's gateway is the jump host of nodes without a ProxyJump of their own.
  CHECK_FALSE(brigade::resolve_host(*kitchen, *settings, "web01").proxy_jump.has_value());
  CHECK(brigade::resolve_host(*kitchen, *settings, "web02").proxy_jump == "bastion");
  auto hosts =
      brigade::resolve_hosts(*kitchen, *settings, {&kitchen->nodes[0], &kitchen->nodes[1]});
  REQUIRE_FALSE(hosts.ok());
  CHECK(hosts.error().message ==
        "node 'web02' is reached through bastion (ProxyJump or littlechef.cfg gateway): jump "
        "hosts are not supported yet");
}
