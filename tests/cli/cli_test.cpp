#include "support/cli_run.hpp"
#include "support/temp_dir.hpp"

#include <brigade/cli/cli.hpp>
#include <brigade/kitchen/kitchen.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <sstream>

using brigade::test::CliRun;

namespace {

CliRun run(std::vector<std::string> args) {
  return brigade::test::run_brigade(std::move(args));
}

const std::string kFixture = std::string(BRIGADE_FIXTURES) + "/littlechef_kitchen";
const std::string kExampleKitchen = std::string(BRIGADE_CONF_DIR) + "/kitchen";

// Warnings the fixture kitchen always prints (it is meant to carry them).
std::string without_warnings(const std::string& err) {
  std::istringstream in(err);
  std::string line;
  std::string kept;
  bool in_warning = false;
  while (std::getline(in, line)) {
    if (line.starts_with("brigade: warning: ")) {
      in_warning = true;
      continue;
    }
    if (in_warning && line.starts_with("    ")) {
      continue;
    }
    in_warning = false;
    kept += line + '\n';
  }
  return kept;
}

}  // namespace

TEST_CASE("cli: list nodes prints an aligned table", "[cli]") {
  auto r = run({"list", "nodes", "-k", kFixture});
  CHECK(r.status == 0);
  CHECK(
      r.out ==
      R"(NODE                    ENVIRONMENT  ROLES                                              RECIPES                                                                     TAGS
nestedroles1            _default     base, monitoring/base                              munin, munin::client, subversion                                            (dummy)
testnode1.mydomain.com  production   all_you_can_eat, base, monitoring/base, webserver  apache2, apache2::mod_ssl, munin, munin::client, mysql::server, subversion  -
testnode2.mydomain.com  staging      base, monitoring/base, webserver                   apache2, apache2::mod_ssl, munin, munin::client, subversion                 web, canary
testnode3.mydomain.com  _default     -                                                  subversion                                                                  dummy
testnode4.mydomain.com  qa           monitoring/base                                    munin, munin::client                                                        canary
)");
}

TEST_CASE("cli: list nodes --json has the documented fields", "[cli]") {
  auto r = run({"list", "nodes", "--json", "-k", kFixture, "nodes_with_tag:canary"});
  REQUIRE(r.status == 0);
  auto json = nlohmann::json::parse(r.out);
  REQUIRE(json.size() == 2);
  CHECK(json[0]["name"] == "testnode2.mydomain.com");
  CHECK(json[0]["chef_environment"] == "staging");
  CHECK(json[0]["roles"] == nlohmann::json({"base", "monitoring/base", "webserver"}));
  CHECK(json[0]["recipes"] ==
        nlohmann::json({"apache2", "apache2::mod_ssl", "munin", "munin::client", "subversion"}));
  CHECK(json[0]["tags"] == nlohmann::json({"web", "canary"}));
  CHECK(json[0]["dummy"] == false);
  CHECK(json[1]["name"] == "testnode4.mydomain.com");
}

TEST_CASE("cli: list nodes with a selector names the dummies it left out", "[cli]") {
  auto r = run({"list", "nodes", "-k", kFixture, "node:testnode[13]*"});
  CHECK(r.status == 0);
  CHECK(r.out.find("testnode1.mydomain.com") != std::string::npos);
  CHECK(r.out.find("testnode3.mydomain.com") == std::string::npos);
  CHECK(without_warnings(r.err) == "brigade: left out (dummy): testnode3.mydomain.com\n");
}

TEST_CASE("cli: list roles and environments", "[cli]") {
  auto roles = run({"list", "roles", "-k", kFixture});
  CHECK(roles.status == 0);
  CHECK(roles.out ==
        R"(ROLE             RUN_LIST                                               NODES
all_you_can_eat  role[webserver], recipe[mysql::server]                 1
base             recipe[subversion], role[monitoring/base]              3
monitoring/base  recipe[munin::client], recipe[munin]                   4
webserver        role[base], recipe[apache2], recipe[apache2::mod_ssl]  2
)");
  auto environments = run({"list", "environments", "-k", kFixture});
  CHECK(environments.status == 0);
  const std::string root = brigade::display_path(kFixture);
  CHECK(environments.out ==
        "ENVIRONMENT  NODES  FILE\n"
        "_default     2      (built in)\n"
        "production   1      " +
            root +
            "/environments/production.json\n"
            "qa           1      (missing)\n"
            "staging      1      " +
            root + "/environments/staging.json\n");
}

TEST_CASE("cli: fix --dry-run prints the selected nodes and touches nothing", "[cli]") {
  auto r = run({"fix", "-k", kFixture, "--dry-run", "nodes_with_role:web*", "node:all"});
  CHECK(r.status == 0);
  CHECK(r.out ==
        "Plan: 3 nodes, 1 batch, at most 16 in flight (dry run, nothing is touched)\n"
        "Batch 1 of 1 (3 nodes):\n"
        "  testnode1.mydomain.com\n"
        "  testnode2.mydomain.com\n"
        "  testnode4.mydomain.com\n"
        "Left out (dummy):\n"
        "  nestedroles1\n"
        "  testnode3.mydomain.com\n");
  auto staging = run({"fix", "-k", kFixture, "-n", "--env", "staging", "node:all"});
  CHECK(staging.status == 0);
  CHECK(staging.out.starts_with("Plan: 1 node in environment staging, 1 batch"));
}

TEST_CASE("cli: fix --dry-run shows staged batches and the failure budget", "[cli]") {
  auto r = run({"fix", "-k", kExampleKitchen, "-n", "node:all", "--batch-size", "1,2,50%",
                "--parallel", "4", "--max-fail", "20%"});
  CHECK(r.status == 0);
  // The example kitchen's hooks show where they would run.
  const std::string hooks = std::string(kExampleKitchen) + "/hooks/";
  const std::string lb = "  pre hooks 'drain from lb'; post hooks 'restore to lb'";
  CHECK(r.out ==
        "Plan: 9 nodes, 4 batches, at most 4 in flight, stop after more than 1 failure (dry "
        "run, nothing is touched)\n"
        "Global pre hooks, in order:\n"
        "  kitchen is up to date: " +
            hooks +
            "checkout-is-current api01.example.com api02.example.com db01.example.com … (9 "
            "nodes)\n"
            "  announce: " +
            hooks +
            "notify --channel #ops api01.example.com api02.example.com db01.example.com … (7 "
            "nodes)\n"
            "Batch 1 of 4 (1 node):\n"
            "  api01.example.com" +
            lb +
            "\n"
            "Batch 2 of 4 (2 nodes):\n"
            "  api02.example.com" +
            lb +
            "\n"
            "  db01.example.com\n"
            "Batch 3 of 4 (5 nodes):\n"
            "  db01.staging.example.com\n"
            "  lb01.example.com\n"
            "  web01.example.com" +
            lb +
            "\n"
            "  web01.staging.example.com\n"
            "  web02.example.com" +
            lb +
            "\n"
            "Batch 4 of 4 (1 node):\n"
            "  web03.example.com" +
            lb +
            "\n"
            "Global post hooks, in order:\n"
            "  report: " +
            hooks +
            "notify --channel #ops <exit code> api01.example.com api02.example.com "
            "db01.example.com … (7 nodes)\n"
            "Left out (dummy):\n"
            "  build.example.com\n");
  auto bad = run({"fix", "-k", kExampleKitchen, "-n", "node:all", "--batch-size", "0"});
  CHECK(bad.status == 2);
  CHECK(bad.err ==
        "brigade: error: --batch-size: '0' is not a batch size: expected a number of nodes (1 or "
        "more) or a percentage like 25%\n");
}

TEST_CASE("cli: selection errors exit 2 with the message", "[cli][errors]") {
  auto r = run({"fix", "-k", kFixture, "-n", "node:testnode1.mydomain.co"});
  CHECK(r.status == 2);
  CHECK(without_warnings(r.err) ==
        "brigade: error: unknown node 'testnode1.mydomain.co', did you mean "
        "'testnode1.mydomain.com'?\n");
  CHECK(r.out.empty());
}

TEST_CASE("cli: a broken kitchen exits 2 before anything else", "[cli][errors]") {
  brigade::test::TempDir dir;
  dir.write("littlechef.cfg", "[userinfo]\n");
  dir.write("nodes/a.json", "{\"run_list\": [\"role[missing]\"]}");
  auto r = run({"fix", "-k", dir.str(), "-n", "node:all"});
  CHECK(r.status == 2);
  CHECK(r.err == "brigade: error: " + dir.str() +
                     "/nodes/a.json:1:15: run_list[0]: unknown role 'missing'\n"
                     "    {\"run_list\": [\"role[missing]\"]}\n"
                     "                  ^\n");
}

TEST_CASE("cli: unknown commands and options suggest the nearest", "[cli][errors]") {
  auto command = run({"lsit", "nodes"});
  CHECK(command.status == 2);
  CHECK(command.err ==
        "brigade: error: unknown command 'lsit' for 'brigade', did you mean 'list'?\n"
        "Run 'brigade --help' for usage.\n");
  auto sub = run({"list", "nods"});
  CHECK(sub.status == 2);
  CHECK(sub.err ==
        "brigade: error: unknown command 'nods' for 'brigade list', did you mean 'nodes'?\n"
        "Run 'brigade list --help' for usage.\n");
  auto option = run({"fix", "--dryrun", "node:all"});
  CHECK(option.status == 2);
  CHECK(option.err ==
        "brigade: error: unknown option '--dryrun' for 'brigade fix', did you mean '--dry-run'?\n"
        "Run 'brigade fix --help' for usage.\n");
  auto missing = run({});
  CHECK(missing.status == 2);
  CHECK(missing.err ==
        "brigade: error: 'brigade' needs a command: list, fix, exec, ssh-config, init\n"
        "Run 'brigade --help' for usage.\n");
}

TEST_CASE("cli: --help on every command, --version", "[cli]") {
  for (auto args : std::vector<std::vector<std::string>>{{"--help"},
                                                         {"list", "--help"},
                                                         {"list", "nodes", "--help"},
                                                         {"fix", "--help"},
                                                         {"init", "--help"}}) {
    auto r = run(args);
    INFO(args.front());
    CHECK(r.status == 0);
    CHECK(r.out.find("Usage:") != std::string::npos);
  }
  auto version = run({"--version"});
  CHECK(version.status == 0);
  CHECK(version.out.starts_with("brigade "));
}

TEST_CASE("cli: a kitchen is found upwards from the working directory", "[cli]") {
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(kFixture + "/roles/monitoring");
  auto r = run({"fix", "-n", "node:testnode4.mydomain.com"});
  std::filesystem::current_path(cwd);
  CHECK(r.status == 0);
  CHECK(r.out ==
        "Plan: 1 node, 1 batch, at most 16 in flight (dry run, nothing is touched)\n"
        "Batch 1 of 1 (1 node):\n"
        "  testnode4.mydomain.com\n");

  brigade::test::TempDir empty;
  std::filesystem::current_path(empty.path());
  auto none = run({"list", "nodes"});
  std::filesystem::current_path(cwd);
  CHECK(none.status == 2);
  CHECK(none.err ==
        "brigade: error: no kitchen here: no littlechef.cfg in this directory or any "
        "parent, pass -k DIR, or create a kitchen with 'brigade init'\n");
}

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

TEST_CASE("cli: list hooks, and the hooks in fix's dry-run plan", "[cli][hooks]") {
  brigade::test::TempDir kitchen;
  kitchen.write("littlechef.cfg", "[userinfo]\n");
  kitchen.write("nodes/web1.json", "{\"chef_environment\": \"production\"}");
  kitchen.write("nodes/db1.json", "{\"chef_environment\": \"staging\"}");
  kitchen.write("environments/production.json", "{}");
  kitchen.write("environments/staging.json", "{}");
  kitchen.write("hooks/drain", "#!/bin/sh\n");
  std::filesystem::permissions(kitchen.path() / "hooks/drain", std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  kitchen.write("hooks/lb.json",
                R"({"name": "drain", "type": "predeployhook", "exec": ["drain", "--pool", "www"],
    "filters": {"chef_environment": ["prod*"]}})");
  auto table = run({"list", "hooks", "-k", kitchen.str()});
  CHECK(table.status == 0);
  // Columns are two spaces apart; the EXEC column is as wide as the temporary path.
  auto rows = brigade::test::lines_of(table.out);
  REQUIRE(rows.size() == 2);
  CHECK(std::regex_match(rows[0], std::regex("HOOK +TYPE +EXEC +FILTERS +NODES")));
  CHECK(std::regex_match(rows[1],
                         std::regex("drain +predeployhook +" + kitchen.str() +
                                    "/hooks/drain --pool www +chef_environment=prod\\* +1")));
  auto json = nlohmann::json::parse(run({"list", "hooks", "--json", "-k", kitchen.str()}).out);
  CHECK(json[0]["nodes"] == nlohmann::json({"web1"}));
  CHECK(json[0]["type"] == "predeployhook");

  kitchen.write("hooks/notify.json",
                R"([{"name": "tell", "type": "global_predeployhook", "exec": "/bin/true"},
                    {"name": "told", "type": "global_postdeployhook", "exec": "/bin/true",
                     "filters": {"nodes": ["nothing*"]}}])");
  auto plan = run({"fix", "-k", kitchen.str(), "node:all", "--dry-run"});
  CHECK(plan.status == 0);
  // Global hooks with the nodes they would get (a global hook matching no node is left out),
  // node hooks beside their node.
  CHECK(plan.out ==
        "Plan: 2 nodes, 1 batch, at most 16 in flight (dry run, nothing is touched)\n"
        "Global pre hooks, in order:\n"
        "  tell: /bin/true db1 web1\n"
        "Batch 1 of 1 (2 nodes):\n"
        "  db1\n"
        "  web1  pre hooks 'drain'\n");
  kitchen.write("hooks/bad.json", R"({"name": "x", "type": "predeployhok", "exec": "drain"})");
  auto invalid = run({"fix", "-k", kitchen.str(), "node:all", "--dry-run"});
  CHECK(invalid.status == 2);
  CHECK(invalid.err.find("type: unknown hook type 'predeployhok', did you mean 'predeployhook'?") !=
        std::string::npos);
}

TEST_CASE("cli: fix --rerun failed takes the report's names exactly, never as globs", "[cli]") {
  brigade::test::TempDir kitchen;
  kitchen.write("littlechef.cfg", "");
  for (const char* name : {"web1", "web2", "web3"}) {
    kitchen.write(std::string("nodes/") + name + ".json", "{}");
  }
  // A report edited (or written by someone else) to name every node through a glob.
  kitchen.write("logs/latest/report.json",
                R"({"nodes": [{"name": "web2", "status": "failed"},
                              {"name": "web*", "status": "failed"},
                              {"name": "web3", "status": "deployed"}]})");
  auto hostile =
      brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--rerun", "failed", "--dry-run"});
  CHECK(hostile.status == 2);
  CHECK(hostile.err.find("unknown node 'web*' in '--rerun failed'") != std::string::npos);
  kitchen.write("logs/latest/report.json",
                R"({"nodes": [{"name": "web2", "status": "failed"},
                              {"name": "web1", "status": "not_started"}]})");
  auto rerun =
      brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--rerun", "failed", "--dry-run"});
  CHECK(rerun.status == 0);
  CHECK(rerun.out.find("web2") != std::string::npos);
  CHECK(rerun.out.find("web1") != std::string::npos);
  CHECK(rerun.out.find("web3") == std::string::npos);
}

TEST_CASE("cli: an ssh-config that littlechef.cfg names and that is missing is an error", "[cli]") {
  brigade::test::TempDir kitchen;
  kitchen.write("littlechef.cfg", "[userinfo]\nuser = root\nssh-config = missing_config\n");
  kitchen.write("nodes/web1.json", "{}");
  const std::string expected = "brigade: error: " + kitchen.str() +
                               "/littlechef.cfg:3: ssh-config: '" + kitchen.str() +
                               "/missing_config' does not exist\n";
  auto exec = brigade::test::run_brigade({"exec", "-k", kitchen.str(), "node:web1", "--", "true"});
  CHECK(exec.status == 2);
  CHECK(exec.err == expected);
  auto config = brigade::test::run_brigade({"ssh-config", "-k", kitchen.str(), "web1"});
  CHECK(config.status == 2);
  CHECK(config.err == expected);
  // Listing needs no SSH settings: the kitchen still reads.
  CHECK(brigade::test::run_brigade({"list", "nodes", "-k", kitchen.str()}).status == 0);
}

TEST_CASE("cli: a command too long for one SSH exec request is refused before any connection",
          "[cli]") {
  brigade::test::TempDir kitchen;
  kitchen.write("littlechef.cfg", "[deploy]\ncommand = echo " + std::string(40000, 'a') + "\n");
  kitchen.write("nodes/web1.json", "{}");
  auto exec = brigade::test::run_brigade(
      {"exec", "-k", kitchen.str(), "node:web1", "--", "echo " + std::string(40000, 'a')});
  CHECK(exec.status == 2);
  CHECK(exec.err.find("more than one SSH exec request carries (34000 bytes), put it in a script "
                      "on the nodes and run that") != std::string::npos);
  auto fix = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--yes", "node:web1"});
  CHECK(fix.status == 2);
  CHECK(fix.err.find("littlechef.cfg: command: the converge command is 40005 bytes, more than "
                     "fits in one SSH exec request") != std::string::npos);
}

TEST_CASE("cli: a command after '--' is exec's alone, never dropped silently", "[cli]") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"fix", "-k", kFixture, "node:all", "--yes", "--", "uptime"},
        std::vector<std::string>{"fix", "-k", kFixture, "node:all", "--dry-run", "--"},
        std::vector<std::string>{"list", "nodes", "-k", kFixture, "--", "ls"}}) {
    auto result = run(args);
    INFO(result.err);
    CHECK(result.status == 2);
    CHECK(result.out.empty());
    CHECK(result.err.find("takes no command after '--'; only 'brigade exec' runs one") !=
          std::string::npos);
  }
  auto fix = run({"fix", "-k", kFixture, "node:all", "--yes", "--", "uptime"});
  CHECK(fix.err.starts_with("brigade: error: 'brigade fix' takes no command after '--'"));
}
