// LittleChef's `fix` command line, as a LittleChef user's scripts and shell history have it:
// orders beside the selectors, LittleChef's options, and the program called `fix`.

#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using brigade::test::file_text;
using brigade::test::run_brigade;
using brigade::test::run_shell;
using brigade::test::Sshd;
using brigade::test::TempDir;

namespace {

void add_role(const TempDir& kitchen, const std::string& name) {
  kitchen.write("roles/" + name + ".json",
                fmt::format("{{\"name\": \"{}\", \"run_list\": [\"recipe[demo]\"]}}", name));
}

std::string node_log(const TempDir& kitchen, const std::string& node = "n01.fleet.test") {
  return file_text(kitchen.str() + "/logs/latest/nodes/" + node + ".log");
}

}  // namespace

TEST_CASE("fix orders: role: and recipe: converge that run_list instead of the node's own",
          "[sshd][deploy][littlechef]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 2, "cat {work_path}/node.json");
  add_role(kitchen, "web");
  auto run = run_brigade(
      {"fix", "-k", kitchen.str(), "node:n01.fleet.test", "role:web", "recipe:demo::default"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  const std::string json = file_text(sshd.dir().str() + "/work/n01.fleet.test/node.json");
  CHECK(nlohmann::json::parse(json)["run_list"] ==
        nlohmann::json::array({"role[web]", "recipe[demo]"}));
  // The dry run says so.
  auto plan = run_brigade({"fix", "-k", kitchen.str(), "node:n01.fleet.test", "role:web", "-n"});
  CHECK(plan.out.find("Every node converges run_list role[web] instead of its own") !=
        std::string::npos);
  // Names the kitchen does not have are errors before any node is touched, with the nearest.
  auto role = run_brigade({"fix", "-k", kitchen.str(), "node:n02.fleet.test", "role:wbe"});
  CHECK(role.status == 2);
  CHECK(role.err.find("'role:wbe': no role 'wbe' in roles/, did you mean 'web'?") !=
        std::string::npos);
  auto recipe = run_brigade({"fix", "-k", kitchen.str(), "node:n02.fleet.test", "recipe:dmeo"});
  CHECK(recipe.status == 2);
  CHECK(recipe.err.find("no cookbook 'dmeo' in cookbooks/ or site-cookbooks/, did you mean "
                        "'demo'?") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(sshd.dir().str() + "/work/n02.fleet.test"));
}

TEST_CASE("fix orders: ssh:\"CMD\" is brigade exec, deploy_chef is answered in words",
          "[sshd][exec][littlechef]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 2, "false");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "ssh:echo up on $(hostname)"});
  INFO(run.err);
  CHECK(run.status == 0);
  CHECK(run.out.find("n01.fleet.test: up on ") != std::string::npos);
  CHECK(run.out.find("n02.fleet.test: up on ") != std::string::npos);
  auto chef = run_brigade({"fix", "-k", kitchen.str(), "node:all", "deploy_chef"});
  CHECK(chef.status == 2);
  CHECK(chef.err.find("Brigade does not install Chef (deploy_chef)") != std::string::npos);
  auto both = run_brigade({"fix", "-k", kitchen.str(), "node:all", "ssh:uptime", "recipe:demo"});
  CHECK(both.status == 2);
}

TEST_CASE("fix options as LittleChef spells them: -e, -c, -y, --no-color, -V, -v, -l",
          "[sshd][deploy][littlechef]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 3, "echo converged");
  auto run = run_brigade(
      {"fix", "-k", kitchen.str(), "-c", "2", "-e", "production", "-y", "--no-color", "node:all"});
  INFO(run.err);
  CHECK(run.status == 0);
  CHECK(run.out.find("\x1b[") == std::string::npos);
  CHECK(brigade::test::latest_report(kitchen)["nodes"].size() == 3);
  // Without -V the nodes' output is in their logs only; with it, on the terminal too.
  CHECK(run.out.find("n01.fleet.test: converged") == std::string::npos);
  auto verbose = run_brigade({"fix", "-k", kitchen.str(), "-V", "-y", "node:all"});
  CHECK(verbose.status == 0);
  CHECK(verbose.out.find("n01.fleet.test: converged\n") != std::string::npos);
  CHECK(verbose.out.find("n03.fleet.test: converged\n") != std::string::npos);
  auto staging = run_brigade({"fix", "-k", kitchen.str(), "-e", "staging", "-y", "node:all"});
  CHECK(staging.status == 2);  // no node there
  auto version = run_brigade({"fix", "-v"});
  CHECK(version.status == 0);
  CHECK(version.out.starts_with("brigade "));
  auto list = run_brigade({"fix", "-l"});
  CHECK(list.status == 0);
  for (const char* order : {"node:", "nodes_with_role:", "nodes_with_recipe:", "nodes_with_tag:",
                            "role:", "recipe:", "ssh:", "deploy_chef"}) {
    CHECK(list.out.find(order) != std::string::npos);
  }
}

TEST_CASE("fix: --why-run and --loglevel reach the converge command, or say why they cannot",
          "[sshd][deploy][littlechef]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 1, "echo flags {why_run} {log_level} end");
  auto run = run_brigade(
      {"fix", "-k", kitchen.str(), "node:all", "-y", "--why-run", "--loglevel", "info"});
  CHECK(run.status == 0);
  CHECK(node_log(kitchen).find("flags --why-run -l info end") != std::string::npos);
  auto plain = run_brigade({"fix", "-k", kitchen.str(), "node:all", "-y"});
  CHECK(plain.status == 0);
  CHECK(node_log(kitchen).find("flags end") != std::string::npos);
  auto debug = run_brigade({"fix", "-k", kitchen.str(), "node:all", "-y", "-d"});
  CHECK(node_log(kitchen).find("flags -l debug end") != std::string::npos);
  auto bad = run_brigade({"fix", "-k", kitchen.str(), "node:all", "-y", "--loglevel", "loud"});
  CHECK(bad.status == 2);
  // A command without the placeholder cannot take the flag: an error, not a silent run.
  brigade::test::make_fleet_kitchen(kitchen, sshd, 1, "echo converged");
  auto missing = run_brigade({"fix", "-k", kitchen.str(), "node:all", "-y", "--why-run"});
  CHECK(missing.status == 2);
  CHECK(missing.err.find("command: --why-run cannot reach the converge command: it has no "
                         "{why_run} placeholder") != std::string::npos);
}

TEST_CASE("fix: --why-run and -d become chef-solo's flags with the default command",
          "[sshd][deploy][littlechef][chef-solo]") {
  if (!brigade::test::can_isolate_hosts()) {
    BRIGADE_SKIP("needs root and a mount namespace (unshare -m) for a private /usr/local/bin");
  }
  Sshd::Options options;
  options.private_dirs = {"/usr/local/bin", "/etc/chef", "/var/log/chef"};
  Sshd sshd(options);
  TempDir kitchen;
  brigade::test::make_chef_solo_kitchen(kitchen, sshd);
  brigade::test::install_chef_solo(sshd, "Chef Run complete in 1 seconds", 0);
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "-y", "--why-run", "-d"});
  INFO(run.err);
  CHECK(run.status == 0);
  const std::string work = sshd.dir().str() + "/work/n01.fleet.test";
  CHECK(file_text(sshd.dir().str() + "/chef-solo-args") ==
        fmt::format("-c {0}/solo.rb -j {0}/node.json -l debug --why-run\n", work));
}

TEST_CASE("fix: the program called fix is brigade fix", "[littlechef]") {
  TempDir bin;
  const std::string fix = bin.str() + "/fix";
  std::filesystem::create_symlink(BRIGADE_BINARY, fix);
  auto version = run_shell(fix + " -v");
  CHECK(version.status == 0);
  CHECK(version.output.starts_with("brigade "));
  auto plan = run_shell(fix + " -k " + brigade::test::kFixture + " node:all -n 2>/dev/null");
  CHECK(plan.status == 0);
  CHECK(plan.output.starts_with("Plan: "));
  auto list = run_shell(fix + " -l");
  CHECK(list.output.find("role:ROLE") != std::string::npos);
}
