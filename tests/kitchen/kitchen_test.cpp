#include "support/temp_dir.hpp"

#include <brigade/kitchen/kitchen.hpp>

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <set>

using brigade::load_kitchen;
using brigade::test::TempDir;

namespace {

const std::string kLittleChefKitchen = std::string(BRIGADE_FIXTURES) + "/littlechef_kitchen";

// A minimal valid kitchen in a temp dir, to which each test adds the file at fault.
struct ScratchKitchen {
  TempDir dir;
  ScratchKitchen() {
    dir.write("littlechef.cfg", "[userinfo]\nuser = root\n");
    dir.write("roles/web.json", "{\"run_list\": [\"recipe[nginx]\"]}\n");
  }
  std::string error() const {
    auto kitchen = load_kitchen(dir.path());
    REQUIRE_FALSE(kitchen.ok());
    return kitchen.error().render();
  }
  std::string at(const std::string& relative) const { return dir.str() + "/" + relative; }
};

}  // namespace

TEST_CASE("kitchen: a LittleChef example kitchen loads unchanged", "[kitchen]") {
  auto kitchen = load_kitchen(kLittleChefKitchen);
  REQUIRE(kitchen.ok());
  CHECK(kitchen->node_names() ==
        std::vector<std::string>{"nestedroles1", "testnode1.mydomain.com", "testnode2.mydomain.com",
                                 "testnode3.mydomain.com", "testnode4.mydomain.com"});
  CHECK(kitchen->roles.size() == 4);
  CHECK(kitchen->roles.contains("monitoring/base"));  // the file's path, not its "name" field
  CHECK(kitchen->environments.size() == 2);
  CHECK(kitchen->config.user == "deploy");
  CHECK(kitchen->config.node_work_path == "/var/cache/chef-solo");
  CHECK(kitchen->config.keypair_file == kLittleChefKitchen + "/keys/deploy_ed25519");
}

TEST_CASE("kitchen: run_lists expand recursively through nested roles", "[kitchen]") {
  auto kitchen = load_kitchen(kLittleChefKitchen);
  REQUIRE(kitchen.ok());
  // all_you_can_eat -> webserver -> base -> monitoring/base: four levels.
  const auto* node = kitchen->find_node("testnode1.mydomain.com");
  REQUIRE(node != nullptr);
  CHECK(node->chef_environment == "production");
  CHECK(node->roles ==
        std::vector<std::string>{"all_you_can_eat", "base", "monitoring/base", "webserver"});
  CHECK(node->recipes == std::vector<std::string>{"apache2", "apache2::mod_ssl", "munin",
                                                  "munin::client", "mysql::server", "subversion"});
  CHECK(node->data["apache"]["listen_ports"][0] == 8080);  // other attributes are kept

  // apache2::default, bare and as recipe[], is the same recipe as apache2.
  const auto* node2 = kitchen->find_node("testnode2.mydomain.com");
  REQUIRE(node2 != nullptr);
  CHECK(node2->recipes == std::vector<std::string>{"apache2", "apache2::mod_ssl", "munin",
                                                   "munin::client", "subversion"});
  CHECK(node2->tags == std::vector<std::string>{"web", "canary"});
}

TEST_CASE("kitchen: dummy nodes by flag or by tag, and an empty environment is _default",
          "[kitchen]") {
  auto kitchen = load_kitchen(kLittleChefKitchen);
  REQUIRE(kitchen.ok());
  CHECK(kitchen->find_node("testnode3.mydomain.com")->dummy);
  CHECK(kitchen->find_node("testnode3.mydomain.com")->chef_environment == "_default");
  CHECK(kitchen->find_node("nestedroles1")->dummy);
  CHECK(kitchen->find_node("nestedroles1")->chef_environment == "_default");
  CHECK_FALSE(kitchen->find_node("testnode1.mydomain.com")->dummy);
}

TEST_CASE("kitchen: warnings for a differing name, a missing environment, unknown cfg sections",
          "[kitchen]") {
  auto kitchen = load_kitchen(kLittleChefKitchen);
  REQUIRE(kitchen.ok());
  std::vector<std::string> warnings;
  for (const auto& w : kitchen->warnings) {
    warnings.push_back(w.render());
  }
  const std::string root = brigade::display_path(kLittleChefKitchen);
  CHECK(warnings == std::vector<std::string>{
                        root + "/littlechef.cfg:11: unknown section [sync-packages], ignored",
                        root + "/nodes/testnode2.mydomain.com.json:2:11: name: 'testnode2' is "
                               "ignored: a node is named after its file, "
                               "'testnode2.mydomain.com'\n"
                               "      \"name\": \"testnode2\",\n"
                               "              ^",
                        root + "/nodes/testnode4.mydomain.com.json:2:23: chef_environment: "
                               "environment 'qa' has no file environments/qa.json\n"
                               "      \"chef_environment\": \"qa\",\n"
                               "                          ^",
                    });
}

TEST_CASE("kitchen: the root is found from a subdirectory, in relative form", "[kitchen]") {
  auto root = brigade::find_kitchen_root(kLittleChefKitchen + "/roles/monitoring");
  REQUIRE(root.has_value());
  CHECK(std::filesystem::equivalent(*root, kLittleChefKitchen));
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(kLittleChefKitchen + "/roles/monitoring");
  auto relative = brigade::find_kitchen_root(".");
  std::filesystem::current_path(cwd);
  REQUIRE(relative.has_value());
  CHECK(relative->string() == "../..");
  TempDir empty;
  CHECK_FALSE(brigade::find_kitchen_root(empty.path()).has_value());
}

TEST_CASE("kitchen: invalid JSON names file, line and column", "[kitchen][errors]") {
  ScratchKitchen k;
  k.dir.write("nodes/web1.json", "{\n  \"run_list\": [\"role[web]\",]\n}\n");
  CHECK(k.error() == k.at("nodes/web1.json") +
                         ":2:27: invalid JSON: trailing comma before ']', remove the comma\n"
                         "      \"run_list\": [\"role[web]\",]\n"
                         "                              ^");
}

TEST_CASE("kitchen: run_list that is not a list", "[kitchen][errors]") {
  ScratchKitchen k;
  k.dir.write("nodes/web1.json", "{\n  \"run_list\": \"role[web]\"\n}\n");
  CHECK(k.error() == k.at("nodes/web1.json") +
                         ":2:15: run_list: expected an array of strings, got a string\n"
                         "      \"run_list\": \"role[web]\"\n"
                         "                  ^");
}

TEST_CASE("kitchen: tags that are not strings", "[kitchen][errors]") {
  ScratchKitchen k;
  k.dir.write("nodes/web1.json", "{\"run_list\": [], \"tags\": [\"a\", {\"b\": 1}]}");
  CHECK(k.error() == k.at("nodes/web1.json") +
                         ":1:32: tags[1]: expected a string, got an object\n"
                         "    {\"run_list\": [], \"tags\": [\"a\", {\"b\": 1}]}\n"
                         "                                   ^");
}

TEST_CASE("kitchen: wrong types for environment, dummy and the node itself", "[kitchen][errors]") {
  ScratchKitchen k;
  SECTION("chef_environment") {
    k.dir.write("nodes/a.json", "{\"chef_environment\": 3}");
    CHECK(k.error() == k.at("nodes/a.json") +
                           ":1:22: chef_environment: expected a string, got a number\n"
                           "    {\"chef_environment\": 3}\n"
                           "                         ^");
  }
  SECTION("dummy") {
    k.dir.write("nodes/a.json", "{\"dummy\": \"yes\"}");
    CHECK(k.error() == k.at("nodes/a.json") +
                           ":1:11: dummy: expected true or false, got a string\n"
                           "    {\"dummy\": \"yes\"}\n"
                           "              ^");
  }
  SECTION("not an object") {
    k.dir.write("nodes/a.json", "[\"role[web]\"]");
    CHECK(k.error() == k.at("nodes/a.json") +
                           ":1:1: expected a JSON object, got an array\n"
                           "    [\"role[web]\"]\n"
                           "    ^");
  }
}

TEST_CASE("kitchen: an unparsable run_list entry", "[kitchen][errors]") {
  ScratchKitchen k;
  k.dir.write("nodes/web1.json", "{\"run_list\": [\"recipe[a]\", \"roles[web]\"]}");
  CHECK(k.error() == k.at("nodes/web1.json") +
                         ":1:28: run_list[1]: unknown run_list entry kind 'roles' in "
                         "'roles[web]', did you mean 'role'?\n"
                         "    {\"run_list\": [\"recipe[a]\", \"roles[web]\"]}\n"
                         "                               ^");
}

TEST_CASE("kitchen: a role cycle names the chain", "[kitchen][errors]") {
  ScratchKitchen k;
  k.dir.write("roles/a.json", "{\"run_list\": [\"role[b]\"]}");
  k.dir.write("roles/b.json", "{\"run_list\": [\"recipe[x]\", \"role[c/d]\"]}");
  k.dir.write("roles/c/d.json", "{\n  \"run_list\": [\"role[a]\"]\n}");
  k.dir.write("nodes/n1.json", "{\"run_list\": [\"role[a]\"]}");
  CHECK(k.error() == k.at("roles/c/d.json") +
                         ":2:16: run_list[0]: role cycle: a -> b -> c/d -> a\n"
                         "      \"run_list\": [\"role[a]\"]\n"
                         "                   ^");
}

TEST_CASE("kitchen: a role that includes itself", "[kitchen][errors]") {
  ScratchKitchen k;
  k.dir.write("roles/a.json", "{\"run_list\": [\"role[a]\"]}");
  k.dir.write("nodes/n1.json", "{\"run_list\": [\"role[a]\"]}");
  CHECK(k.error() == k.at("roles/a.json") +
                         ":1:15: run_list[0]: role cycle: a -> a\n"
                         "    {\"run_list\": [\"role[a]\"]}\n"
                         "                  ^");
}

TEST_CASE("kitchen: a missing role names who refers to it", "[kitchen][errors]") {
  ScratchKitchen k;
  SECTION("from a node") {
    k.dir.write("nodes/n1.json", "{\"run_list\": [\"role[wbe]\"]}");
    CHECK(k.error() == k.at("nodes/n1.json") +
                           ":1:15: run_list[0]: unknown role 'wbe', did you mean 'web'?\n"
                           "    {\"run_list\": [\"role[wbe]\"]}\n"
                           "                  ^");
  }
  SECTION("from a role") {
    k.dir.write("roles/front.json", "{\"run_list\": [\"role[database]\"]}");
    k.dir.write("nodes/n1.json", "{\"run_list\": [\"role[front]\"]}");
    CHECK(k.error() == k.at("roles/front.json") +
                           ":1:15: run_list[0]: unknown role 'database'\n"
                           "    {\"run_list\": [\"role[database]\"]}\n"
                           "                  ^");
  }
}

TEST_CASE("kitchen: an unreadable node file", "[kitchen][errors]") {
  ScratchKitchen k;
  std::filesystem::create_directories(k.dir.path() / "nodes");
  std::filesystem::create_symlink(k.dir.path() / "gone.json", k.dir.path() / "nodes/web1.json");
  CHECK(k.error() == k.at("nodes/web1.json") + ": cannot read file: No such file or directory");
}

TEST_CASE("kitchen: littlechef.cfg that is not INI stops the load", "[kitchen][errors]") {
  ScratchKitchen k;
  k.dir.write("littlechef.cfg", "[userinfo]\nuser root\n");
  CHECK(k.error() == k.at("littlechef.cfg") +
                         ":2:1: not an INI line: expected '[section]' or 'key = value'\n"
                         "    user root\n"
                         "    ^");
}

TEST_CASE("kitchen: a directory without littlechef.cfg is not a kitchen", "[kitchen][errors]") {
  TempDir dir;
  auto kitchen = load_kitchen(dir.path());
  REQUIRE_FALSE(kitchen.ok());
  CHECK(kitchen.error().render() ==
        dir.str() + ": not a kitchen: no littlechef.cfg, create one with 'brigade init'");
}

TEST_CASE("kitchen: non-JSON and hidden files are ignored", "[kitchen]") {
  ScratchKitchen k;
  k.dir.write("nodes/README.md", "not a node");
  k.dir.write("nodes/.web1.json.swp", "{");
  k.dir.write("nodes/web1.json", "{}");
  auto kitchen = load_kitchen(k.dir.path());
  REQUIRE(kitchen.ok());
  CHECK(kitchen->node_names() == std::vector<std::string>{"web1"});
}

TEST_CASE("kitchen: node, environment and role names hold only what Chef allows",
          "[kitchen][errors]") {
  ScratchKitchen k;
  SECTION("a node file name") {
    for (const std::string name : {"$(touch x)", "a;b", "quote'q", "web 01", "caf\xc3\xa9"}) {
      INFO(name);
      TempDir one;
      one.write("littlechef.cfg", "");
      one.write("nodes/" + name + ".json", "{}");
      auto kitchen = load_kitchen(one.path());
      REQUIRE_FALSE(kitchen.ok());
      CHECK(kitchen.error().file == one.str() + "/nodes/" + name + ".json");
      CHECK(kitchen.error().message.find("is not allowed in a node name (letters, digits, '-', "
                                         "'_', ':' and '.' only)") != std::string::npos);
    }
    k.dir.write("nodes/a;b.json", "{}");
    CHECK(k.error() == k.at("nodes/a;b.json") +
                           ": ';' is not allowed in a node name (letters, digits, '-', '_', ':' "
                           "and '.' only)");
  }
  SECTION("chef_environment") {
    k.dir.write("nodes/a.json", "{\"chef_environment\": \"$(touch /tmp/x)\"}");
    CHECK(k.error() == k.at("nodes/a.json") +
                           ":1:22: chef_environment: '$(touch /tmp/x)': '$' is not allowed in an "
                           "environment name (letters, digits, '-' and '_' only)\n"
                           "    {\"chef_environment\": \"$(touch /tmp/x)\"}\n"
                           "                         ^");
  }
  SECTION("an environment file") {
    k.dir.write("environments/pro duction.json", "{}");
    CHECK(k.error() == k.at("environments/pro duction.json") +
                           ": ' ' (a space) is not allowed in an environment name (letters, "
                           "digits, '-' and '_' only)");
  }
  SECTION("a role file, in a subdirectory or not") {
    k.dir.write("roles/base/ok-role.json", "{}");
    k.dir.write("roles/base/bad`role.json", "{}");
    CHECK(k.error() == k.at("roles/base/bad`role.json") +
                           ": '`' is not allowed in a role name (letters, digits, '-' and '_', "
                           "and '/' between subdirectories only)");
  }
  SECTION("valid names load") {
    k.dir.write("nodes/web-01.example.com.json", "{\"chef_environment\": \"prod_2\"}");
    k.dir.write("nodes/db:1.json", "{}");
    k.dir.write("roles/base/common.json", "{}");
    auto kitchen = load_kitchen(k.dir.path());
    INFO((kitchen.ok() ? std::string() : kitchen.error().render()));
    CHECK(kitchen.ok());
  }
}

TEST_CASE("kitchen: every node is found by its name, whatever the names", "[kitchen]") {
  SECTION("a name that is a prefix of another") {
    TempDir dir;
    dir.write("littlechef.cfg", "");
    for (const char* name : {"web1", "web1-canary", "web1.b", "web1:2", "web1_x", "web2"}) {
      dir.write(std::string("nodes/") + name + ".json", "{}");
    }
    auto kitchen = load_kitchen(dir.path());
    REQUIRE(kitchen.ok());
    CHECK(kitchen->node_names() ==
          std::vector<std::string>{"web1", "web1-canary", "web1.b", "web1:2", "web1_x", "web2"});
    for (const auto& name : kitchen->node_names()) {
      CHECK(kitchen->find_node(name) != nullptr);
    }
  }
  SECTION("random names from the characters that sort around '.'") {
    // A property over 20 kitchens of random names (fixed seed: a failure can be replayed).
    std::srand(20261201);
    const std::string alphabet = "ab1-._:";
    for (int round = 0; round < 20; ++round) {
      TempDir dir;
      dir.write("littlechef.cfg", "");
      std::set<std::string> names;
      while (names.size() < 30) {
        std::string name(1, 'a' + std::rand() % 3);
        for (int i = std::rand() % 6; i > 0; --i) {
          name += alphabet[static_cast<std::size_t>(std::rand()) % alphabet.size()];
        }
        if (names.insert(name).second) {
          dir.write("nodes/" + name + ".json", "{}");
        }
      }
      auto kitchen = load_kitchen(dir.path());
      REQUIRE(kitchen.ok());
      for (const auto& name : names) {
        INFO("round " << round << ", node " << name);
        REQUIRE(kitchen->find_node(name) != nullptr);
        CHECK(kitchen->find_node(name)->name == name);
      }
      CHECK(kitchen->find_node(*names.begin() + "zz-none") == nullptr);
    }
  }
}

TEST_CASE(
    "kitchen: numbers out of range, deep nesting, FIFOs, devices and symlink loops are "
    "located errors",
    "[kitchen][errors]") {
  SECTION("1e400") {
    ScratchKitchen k;
    k.dir.write("nodes/a.json", "{\"x\": [1, 1e400]}");
    CHECK(k.error() == k.at("nodes/a.json") +
                           ":1:11: invalid JSON: a number out of range (beyond what a double "
                           "holds)\n    {\"x\": [1, 1e400]}\n              ^");
  }
  SECTION("nesting") {
    ScratchKitchen k;
    k.dir.write("roles/deep.json",
                "{\"a\": " + std::string(100000, '[') + std::string(100000, ']') + "}");
    CHECK(k.error().starts_with(k.at("roles/deep.json") +
                                ":1:262: JSON nested deeper than 256 levels\n    …"));
  }
  SECTION("a FIFO and a device") {
    ScratchKitchen k;
    std::filesystem::create_directories(k.at("nodes"));
    REQUIRE(::mkfifo(k.at("nodes/fifo.json").c_str(), 0600) == 0);
    CHECK(k.error() == k.at("nodes/fifo.json") + ": not a regular file (a FIFO, device or socket)");
    std::filesystem::remove(k.at("nodes/fifo.json"));
    std::filesystem::create_symlink("/dev/zero", k.at("nodes/zero.json"));
    CHECK(k.error() == k.at("nodes/zero.json") + ": not a regular file (a FIFO, device or socket)");
  }
  SECTION("a symlink loop") {
    ScratchKitchen k;
    std::filesystem::create_directories(k.at("environments"));
    std::filesystem::create_symlink("loop.json", k.at("environments/loop.json"));
    CHECK(k.error() ==
          k.at("environments/loop.json") + ": cannot read file: Too many levels of symbolic links");
  }
  SECTION("a role chain 10,000 deep") {
    ScratchKitchen k;
    for (int i = 0; i < 10000; ++i) {
      k.dir.write(
          "roles/r" + std::to_string(i) + ".json",
          i + 1 < 10000 ? "{\"run_list\": [\"role[r" + std::to_string(i + 1) + "]\"]}" : "{}");
    }
    k.dir.write("nodes/a.json", "{\"run_list\": [\"role[r0]\"]}");
    CHECK(k.error() == k.at("roles/r99.json") +
                           ":1:15: run_list[0]: roles nested deeper than 100 levels (from role "
                           "'r0')\n    {\"run_list\": [\"role[r100]\"]}\n                  ^");
  }
}

TEST_CASE("kitchen: a key given twice in a JSON object is a warning naming both places",
          "[kitchen]") {
  TempDir dir;
  dir.write("littlechef.cfg", "");
  dir.write("nodes/web1.json",
            "{\"run_list\": [],\n"
            " \"app\": {\"port\": 80, \"name\": \"a\"},\n"
            " \"other\": {\"port\": 81},\n"
            " \"chef_environment\": \"a\",\n"
            " \"chef_environment\": \"b\"}\n");
  auto kitchen = load_kitchen(dir.path());
  REQUIRE(kitchen.ok());
  CHECK(kitchen->find_node("web1")->chef_environment == "b");
  std::vector<std::string> warnings;
  for (const auto& w : kitchen->warnings) {
    warnings.push_back(w.render());
  }
  REQUIRE(warnings.size() == 2);  // the duplicate, and environment 'b' has no file
  CHECK(warnings[0] == dir.str() +
                           "/nodes/web1.json:5:2: key \"chef_environment\" given again in this "
                           "object (first at line 4, column 2); the later value is used\n"
                           "     \"chef_environment\": \"b\"}\n"
                           "     ^");
}

TEST_CASE("kitchen: every error is reported in one load, each once, consequences left out",
          "[kitchen][errors]") {
  ScratchKitchen k;
  k.dir.write("nodes/a.json", "{\"run_list\": \"role[web]\"}");
  k.dir.write("nodes/b.json", "{\"run_list\": [\"role[broken]\"]}");  // broken: not a 2nd error
  k.dir.write("nodes/c.json", "{\"run_list\": [\"role[loop]\"]}");
  k.dir.write("nodes/d.json", "{\"run_list\": [\"role[loop]\"]}");  // the same cycle: said once
  k.dir.write("nodes/e.json", "{\"run_list\": [\"role[wbe]\"]}");
  k.dir.write("roles/broken.json", "{\"run_list\": [");
  k.dir.write("roles/loop.json", "{\"run_list\": [\"role[loop]\"]}");
  k.dir.write("environments/prod.json", "[]");
  auto kitchen = load_kitchen(k.dir.path());
  REQUIRE_FALSE(kitchen.ok());
  std::vector<std::string> messages{kitchen.error().render()};
  for (const auto& more : kitchen.error().also) {
    messages.push_back(more.render());
  }
  REQUIRE(messages.size() == 5);
  // Environments, roles, nodes, then run lists: the order in which they are loaded.
  CHECK(messages[0].starts_with(k.at("environments/prod.json") + ":1:1: expected a JSON object"));
  CHECK(messages[1].starts_with(k.at("roles/broken.json") + ":1:"));
  CHECK(messages[2].starts_with(k.at("nodes/a.json") + ":1:14: run_list: expected an array"));
  CHECK(messages[3].starts_with(k.at("roles/loop.json") + ":1:15: run_list[0]: role cycle"));
  CHECK(messages[4].starts_with(k.at("nodes/e.json") +
                                ":1:15: run_list[0]: unknown role 'wbe', did you mean 'web'?"));
}

TEST_CASE("kitchen: past 20 errors the rest are counted, not listed", "[kitchen][errors]") {
  ScratchKitchen k;
  for (int i = 0; i < 25; ++i) {
    k.dir.write("nodes/n" + std::to_string(100 + i) + ".json", "{");
  }
  auto kitchen = load_kitchen(k.dir.path());
  REQUIRE_FALSE(kitchen.ok());
  REQUIRE(kitchen.error().also.size() == 20);
  CHECK(kitchen.error().also.back().render() == "5 more problems not shown (25 in all)");
  CHECK(kitchen.error().also[18].render().starts_with(k.at("nodes/n119.json")));
}
