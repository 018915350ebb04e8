#include "support/cli_run.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/cli/cli.hpp>
#include <brigade/kitchen/kitchen.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <sstream>

using brigade::test::kExampleKitchen;
// The CLI run in this process (support/cli_run.hpp).
const auto run = &brigade::test::run_brigade;

TEST_CASE("cli: init creates a kitchen that loads, and never overwrites one", "[cli]") {
  brigade::test::TempDir dir;
  const std::string target = dir.str() + "/new";
  auto r = run({"init", target});
  CHECK(r.status == 0);
  for (const char* sub :
       {"nodes", "roles", "environments", "cookbooks", "site-cookbooks", "data_bags", "hooks"}) {
    CHECK(std::filesystem::is_directory(target + "/" + sub));
  }
  auto kitchen = brigade::load_kitchen(target);
  REQUIRE(kitchen.ok());
  CHECK(kitchen->warnings.empty());
  CHECK(kitchen->config.user == "root");

  auto again = run({"init", target});
  CHECK(again.status == 2);
  CHECK(again.err == "brigade: error: " + target +
                         "/littlechef.cfg: already exists; not touching an existing kitchen\n");
}

TEST_CASE("cli: the example kitchen in conf/ loads cleanly", "[cli]") {
  auto r = run({"list", "nodes", "-k", kExampleKitchen});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("web01.example.com") != std::string::npos);
  // Its hooks are the README's worked example: valid, and planned around the right nodes.
  auto hooks = run({"list", "hooks", "--json", "-k", kExampleKitchen});
  CHECK(hooks.status == 0);
  CHECK(hooks.err.empty());
  auto listed = nlohmann::json::parse(hooks.out);
  REQUIRE(listed.size() == 5);
  CHECK(listed[1]["name"] == "drain from lb");
  CHECK(listed[1]["nodes"] ==
        nlohmann::json({"api01.example.com", "api02.example.com", "web01.example.com",
                        "web02.example.com", "web03.example.com"}));
  auto plan = run({"fix", "-k", kExampleKitchen, "node:web0*", "--dry-run"});
  CHECK(plan.status == 0);
  CHECK(plan.out.find("  web01.example.com  pre hooks 'drain from lb'; post hooks 'restore to "
                      "lb'\n  web01.staging.example.com\n") != std::string::npos);
  CHECK(plan.out.find("Global post hooks, in order:\n  report: ") != std::string::npos);
}

TEST_CASE("cli: init's .gitignore keeps logs/ out, and the example checkout hook agrees",
          "[cli][hooks]") {
  brigade::test::TempDir dir;
  const std::string target = dir.str() + "/kitchen";
  auto r = run({"init", target});
  REQUIRE(r.status == 0);
  CHECK(r.out.find("created " + target + "/.gitignore\n") != std::string::npos);
  CHECK(brigade::test::file_text(target + "/.gitignore").find("\nlogs/\n") != std::string::npos);
  // A dangling symlink named .gitignore is never written through.
  const std::string other = dir.str() + "/other";
  std::filesystem::create_directories(other);
  std::filesystem::create_symlink(dir.str() + "/elsewhere", other + "/.gitignore");
  CHECK(run({"init", other}).status == 0);
  CHECK_FALSE(std::filesystem::exists(dir.str() + "/elsewhere"));

  // A git kitchen, committed, with the example hook; then a run's logs/ appears.
  const std::string hook = std::string(BRIGADE_CONF_DIR) + "/kitchen/hooks/checkout-is-current";
  brigade::test::run_shell_ok("cd '" + target +
                              "' && git init -q && git add -A && git -c user.name=t "
                              "-c user.email=t@t commit -qm kitchen && mkdir -p logs/run1 && "
                              "echo x > logs/run1/run.log");
  auto clean = brigade::test::run_shell("cd '" + target + "' && '" + hook + "' 2>&1");
  INFO(clean.output);
  CHECK(clean.status == 0);
  CHECK(clean.output.find("no upstream branch to compare with") != std::string::npos);
  // Even without the .gitignore, logs/ is Brigade's own and not a change.
  brigade::test::run_shell_ok("cd '" + target +
                              "' && git rm -q --cached .gitignore && "
                              "rm .gitignore && git -c user.name=t -c user.email=t@t commit -qm x");
  CHECK(brigade::test::run_shell("cd '" + target + "' && '" + hook + "'").status == 0);
  // A real change is refused.
  brigade::test::run_shell_ok("echo '[userinfo]' >> '" + target + "/littlechef.cfg'");
  auto dirty = brigade::test::run_shell("cd '" + target + "' && '" + hook + "' 2>&1");
  CHECK(dirty.status == 1);
  CHECK(dirty.output.find("littlechef.cfg") != std::string::npos);
  CHECK(dirty.output.find("logs") == dirty.output.find("logs/, Brigade's own"));
}
