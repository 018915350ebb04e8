#include "support/cli_run.hpp"
#include "support/temp_dir.hpp"

#include <brigade/cli/cli.hpp>
#include <brigade/kitchen/kitchen.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

using brigade::test::kFixture;
using brigade::test::without_warnings;
// The CLI run in this process (support/cli_run.hpp).
const auto run = &brigade::test::run_brigade;

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

TEST_CASE("cli: many kitchen warnings are summed up after the first 10, list warnings shows all",
          "[cli]") {
  brigade::test::TempDir kitchen;
  kitchen.write("littlechef.cfg", "[userinfo]\nuser = root\n");
  for (int i = 10; i < 23; ++i) {
    kitchen.write(fmt::format("nodes/n{}.json", i), "{\"name\": \"other\", \"run_list\": []}");
  }
  auto listed = run({"list", "nodes", "-k", kitchen.str()});
  CHECK(listed.status == 0);
  std::vector<std::string> lines;  // each warning's first line (the source line follows it)
  std::istringstream err(listed.err);
  for (std::string line; std::getline(err, line);) {
    if (line.starts_with("brigade: ")) {
      lines.push_back(line);
    }
  }
  REQUIRE(lines.size() == 11);
  CHECK(
      lines[0].starts_with("brigade: warning: " + kitchen.str() + "/nodes/n10.json:1:10: name: "));
  CHECK(lines[9].starts_with("brigade: warning: " + kitchen.str() + "/nodes/n19.json:"));
  CHECK(lines[10] ==
        "brigade: warning: 3 more warnings not shown (13 in all); 'brigade list warnings' shows "
        "them all");

  auto all = run({"list", "warnings", "-k", kitchen.str()});
  CHECK(all.status == 0);
  CHECK(all.err.empty());
  CHECK(std::count(all.out.begin(), all.out.end(), '^') == 13);  // a caret under each
  CHECK(all.out.find(kitchen.str() + "/nodes/n22.json:1:10: name: 'other' is ignored") !=
        std::string::npos);
  auto json = run({"list", "warnings", "-k", kitchen.str(), "--json"});
  REQUIRE(json.status == 0);
  auto array = nlohmann::json::parse(json.out);
  REQUIRE(array.size() == 13);
  CHECK(array[0]["file"] == kitchen.str() + "/nodes/n10.json");
  CHECK(array[0]["line"] == 1);
  CHECK(array[0]["field"] == "name");
}

TEST_CASE("cli: every kitchen error is printed in one run, exit 2", "[cli]") {
  brigade::test::TempDir kitchen;
  kitchen.write("littlechef.cfg", "[userinfo]\nuser = root\n");
  kitchen.write("nodes/a.json", "{\"run_list\": [\"role[missing]\"]}");
  kitchen.write("nodes/b.json", "{");
  auto r = run({"list", "nodes", "-k", kitchen.str()});
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find("brigade: error: " + kitchen.str() + "/nodes/b.json:1:1: invalid JSON") == 0);
  CHECK(r.err.find("brigade: error: " + kitchen.str() +
                   "/nodes/a.json:1:15: run_list[0]: unknown role 'missing'") != std::string::npos);
}
