#include "support/temp_dir.hpp"

#include <brigade/cli/command_setup.hpp>
#include <brigade/ssh/jump_hosts.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
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

TEST_CASE("command setup: littlechef.cfg's gateway is the jump host of nodes without a route",
          "[cli][setup]") {
  TempDir dir;
  dir.write("littlechef.cfg",
            "[userinfo]\nuser = deploy\nssh-config = ssh_config\n[connection]\ngateway = "
            "bastion\n");
  dir.write("ssh_config",
            "Host web01\n  ProxyJump none\nHost web03\n  ProxyJump admin@jump2:2222\n"
            "Host bastion\n  HostName 10.0.0.1\n  Port 2201\n"
            "Host jump2\n  ProxyJump bastion\n"
            "Host loop1\n  ProxyJump loop2\nHost loop2\n  ProxyJump loop1\n"
            "Host web04\n  ProxyJump loop1\n"
            "Host web05\n  ProxyCommand nc %n 22\n");
  for (const char* name : {"web01", "web02", "web03", "web04", "web05", "-e"}) {
    dir.write(std::string("nodes/") + name + ".json", "{}");
  }
  auto kitchen = brigade::load_kitchen(dir.path());
  REQUIRE(kitchen.ok());
  std::ostringstream err;
  WarningPrinter warnings(err);
  auto settings = brigade::open_ssh_settings(*kitchen, warnings);
  REQUIRE(settings.ok());
  auto route = [&](const std::string& node) {
    return brigade::ssh::describe_route(brigade::resolve_host(*kitchen, *settings, node));
  };
  CHECK(route("web01") == "web01");
  // The gateway is resolved through ssh_config like any host, littlechef.cfg's user its default.
  CHECK(route("web02") == "bastion (deploy@10.0.0.1 port 2201) -> web02");
  // A hop's own user and port come first; the first hop's own ProxyJump leads before it.
  CHECK(route("web03") ==
        "bastion (deploy@10.0.0.1 port 2201) -> jump2 (admin@jump2 port 2222) -> web03");
  const auto looped = brigade::resolve_host(*kitchen, *settings, "web04");
  REQUIRE(looped.unusable);
  CHECK(looped.unusable->message.find("a loop in ssh_config?") != std::string::npos);
  CHECK(looped.jump_hosts.empty());
  // A ProxyCommand is followed, but a value it would hand to the shell as something else than
  // a name (an option, here) is refused.
  CHECK_FALSE(brigade::resolve_host(*kitchen, *settings, "web05").unusable);
  dir.write("ssh_config", "Host *\n  ProxyCommand nc %n 22\n");
  auto hostile = brigade::open_ssh_settings(*kitchen, warnings);
  REQUIRE(hostile.ok());
  const auto dash = std::find_if(kitchen->nodes.begin(), kitchen->nodes.end(),
                                 [](const auto& node) { return node.name == "-e"; });
  REQUIRE(dash != kitchen->nodes.end());
  auto hosts = brigade::resolve_hosts(*kitchen, *hostile, {&*dash});
  REQUIRE_FALSE(hosts.ok());
  CHECK(hosts.error().message ==
        "node '-e': ProxyCommand: %n would put '-e' into a shell command; refusing a value that "
        "is not a plain name (letters, digits and . - _ : [ ] @ +, no leading -)");
}
