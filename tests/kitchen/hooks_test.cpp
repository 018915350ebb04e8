#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/kitchen/hooks.hpp>

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

using brigade::HookFilter;
using brigade::HookType;
using brigade::load_hooks;
using brigade::Node;
using brigade::test::TempDir;

namespace {

// The user's original proposal, pasted as is (its misspellings and trailing comma included).
const std::string kProposal = R"({
"name": "my pre deploy hook",
"type": "gobal_predeployhook",
"filters": {
"chef_environement": ["staging"],
},
"exec": "/usr/bin/somehook"
}
)";

void write_executable(const TempDir& dir, const std::string& relative) {
  dir.write(relative, "#!/bin/sh\nexit 0\n");
  std::filesystem::permissions(dir.path() / relative, std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
}

std::vector<std::string> all_errors(const brigade::Result<std::vector<brigade::Hook>>& result) {
  REQUIRE_FALSE(result.ok());
  std::vector<std::string> out{result.error().render()};
  for (const auto& more : result.error().also) {
    out.push_back(more.render());
  }
  return out;
}

}  // namespace

TEST_CASE("hooks: the proposal pasted as is fails on its trailing comma", "[hooks]") {
  TempDir kitchen;
  kitchen.write("hooks/proposal.json", kProposal);
  CHECK(all_errors(load_hooks(kitchen.path())) ==
        std::vector<std::string>{kitchen.str() +
                                 "/hooks/proposal.json:5:33: invalid JSON: trailing comma before "
                                 "'}', remove the comma\n"
                                 "    \"chef_environement\": [\"staging\"],\n"
                                 "                                    ^"});
}

TEST_CASE("hooks: with the comma fixed, both misspellings are named with suggestions", "[hooks]") {
  TempDir kitchen;
  std::string fixed = kProposal;
  fixed.replace(fixed.find("],\n},"), 5, "]\n},");
  kitchen.write("hooks/proposal.json", fixed);
  const std::string file = kitchen.str() + "/hooks/proposal.json";
  CHECK(all_errors(load_hooks(kitchen.path())) ==
        std::vector<std::string>{
            file + ":3:9: type: unknown hook type 'gobal_predeployhook', did you mean "
                   "'global_predeployhook'?\n"
                   "    \"type\": \"gobal_predeployhook\",\n"
                   "            ^",
            file + ":5:1: filters.chef_environement: unknown filter 'chef_environement', did you "
                   "mean 'chef_environment'?\n"
                   "    \"chef_environement\": [\"staging\"]\n"
                   "    ^",
            file + ":7:9: exec: no such executable: /usr/bin/somehook\n"
                   "    \"exec\": \"/usr/bin/somehook\"\n"
                   "            ^"});
}

TEST_CASE("hooks: definitions by file name, then position, exec resolved in hooks/", "[hooks]") {
  TempDir kitchen;
  write_executable(kitchen, "hooks/lb-drain");
  write_executable(kitchen, "hooks/bin/notify");
  kitchen.write("hooks/20-lb.json", R"([
    {"name": "drain", "type": "predeployhook", "exec": "lb-drain", "timeout": 120,
     "filters": {"chef_environment": ["production"], "roles": ["web*"]}},
    {"name": "restore", "type": "postdeployhook", "exec": "lb-drain"}
  ])");
  kitchen.write("hooks/10-notify.json", R"({"name": "notify", "type": "global_predeployhook",
    "exec": ["bin/notify", "--channel", "ops"]})");
  auto hooks = load_hooks(kitchen.path());
  REQUIRE(hooks.ok());
  REQUIRE(hooks->size() == 3);
  CHECK((*hooks)[0].name == "notify");
  CHECK((*hooks)[0].type == HookType::global_predeployhook);
  CHECK((*hooks)[0].exec ==
        std::vector<std::string>{kitchen.str() + "/hooks/bin/notify", "--channel", "ops"});
  CHECK((*hooks)[1].name == "drain");
  CHECK((*hooks)[1].exec == std::vector<std::string>{kitchen.str() + "/hooks/lb-drain"});
  CHECK((*hooks)[1].timeout == std::chrono::seconds(120));
  CHECK((*hooks)[2].name == "restore");
  CHECK((*hooks)[2].position == 1);
}

TEST_CASE("hooks: bad fields, types, executables and duplicate names", "[hooks]") {
  TempDir kitchen;
  write_executable(kitchen, "hooks/ok");
  kitchen.write("hooks/not-exec", "#!/bin/sh\n");
  kitchen.write("hooks/a.json", R"({"name": "one", "type": "predeployhook", "exec": "ok",
  "filtres": {}, "timeout": -3})");
  kitchen.write("hooks/b.json", R"([{"name": "two", "type": "postdeployhook", "exec": "not-exec"},
  {"name": "three", "type": "postdeployhook", "exec": "ok", "filters": {"roles": "web"}},
  {"name": "four", "type": "predeployhook", "exec": "ok"},
  {"name": "four", "type": "predeployhook", "exec": "ok"}])");
  const std::string a = kitchen.str() + "/hooks/a.json";
  const std::string b = kitchen.str() + "/hooks/b.json";
  auto errors = all_errors(load_hooks(kitchen.path()));
  REQUIRE(errors.size() == 5);
  CHECK(
      errors[0].starts_with(a + ":2:3: filtres: unknown field 'filtres', did you mean 'filters'?"));
  CHECK(errors[1].starts_with(
      a + ":2:29: timeout: expected a positive number of seconds, got a number"));
  CHECK(errors[2].starts_with(b + ":1:52: [0].exec: not executable: " + kitchen.str() +
                              "/hooks/not-exec, make it so with chmod +x"));
  CHECK(errors[3].starts_with(
      b + ":2:82: [1].filters.roles: expected an array of glob patterns, got a string"));
  CHECK(errors[4].starts_with(b + ":4:12: [3].name: duplicate hook name 'four', first defined at " +
                              b + ":3"));
}

TEST_CASE("hooks: filters match environment, roles, recipes, nodes and tags", "[hooks]") {
  brigade::Hook hook;
  Node web;
  web.name = "web01.example.com";
  web.chef_environment = "production";
  web.roles = {"base", "web/front"};
  web.recipes = {"nginx", "ntp"};
  web.tags = {"canary"};
  CHECK(hook.matches(web));  // no filters: every node
  hook.filters = {{HookFilter::chef_environment, {"prod*"}}, {HookFilter::roles, {"web*"}}};
  CHECK(hook.matches(web));
  hook.filters[HookFilter::tags] = {"stable"};
  CHECK_FALSE(hook.matches(web));  // every key present must match
  hook.filters[HookFilter::tags] = {"stable", "canary"};
  CHECK(hook.matches(web));
  hook.filters = {{HookFilter::recipes, {"nginx::default"}},
                  {HookFilter::nodes, {"web0?.example.com"}}};
  CHECK(hook.matches(web));
  hook.filters = {{HookFilter::nodes, {"db*"}}};
  CHECK_FALSE(hook.matches(web));
}

TEST_CASE("hooks: a timeout too large for the clock is an error, not an instant timeout",
          "[hooks]") {
  brigade::test::TempDir kitchen;
  kitchen.write(
      "hooks/a.json",
      R"([{"name": "n", "type": "predeployhook", "exec": "/bin/true", "timeout": 1e10}])");
  auto hooks = brigade::load_hooks(kitchen.path());
  REQUIRE_FALSE(hooks.ok());
  CHECK(hooks.error().render().find(
            "timeout: expected at most 2592000 seconds (30 days), got 10000000000.0") !=
        std::string::npos);
}

TEST_CASE("hooks: a key given twice is a warning, a FIFO among the files an error", "[hooks]") {
  brigade::test::TempDir kitchen;
  kitchen.write("hooks/a.json", R"([{"name": "n", "type": "predeployhook", "exec": "/bin/true",
  "exec": "/bin/false"}])");
  std::vector<brigade::Diagnostic> warnings;
  auto hooks = brigade::load_hooks(kitchen.path(), &warnings);
  REQUIRE(hooks.ok());
  CHECK(hooks->front().exec == std::vector<std::string>{"/bin/false"});
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].render().starts_with(kitchen.str() +
                                         "/hooks/a.json:2:3: key \"exec\" given "
                                         "again in this object (first at line 1, column 41)"));
  REQUIRE(::mkfifo((kitchen.str() + "/hooks/b.json").c_str(), 0600) == 0);
  auto fifo = brigade::load_hooks(kitchen.path());
  REQUIRE_FALSE(fifo.ok());
  CHECK(fifo.error().render() ==
        kitchen.str() + "/hooks/b.json: not a regular file (a FIFO, device or socket)");
}

TEST_CASE("hooks: a relative exec is the kitchen's hooks/ file from any working directory",
          "[hooks]") {
  TempDir kitchen;
  write_executable(kitchen, "hooks/notify.sh");
  kitchen.write("hooks/n.json",
                R"({"name": "n", "type": "global_postdeployhook", "exec": "notify.sh"})");
  std::filesystem::create_directories(kitchen.path() / "roles/sub");
  // In a child: the working directory is the process's. From roles/sub, the kitchen is "../.."
  // (as `-k ../..` or the kitchen found upwards gives it).
  const std::string expected = (kitchen.path() / "hooks/notify.sh").string();
  const int status = brigade::test::result_in_child([&] {
    if (::chdir((kitchen.path() / "roles/sub").c_str()) != 0) {
      return 10;
    }
    auto hooks = load_hooks("../..");
    if (!hooks || hooks->size() != 1) {
      return 11;
    }
    // Absolute, so that it runs with the kitchen as working directory too.
    return hooks->front().exec.front() == expected ? 0 : 12;
  });
  CHECK(status == 0);
}

TEST_CASE("hooks: an exec string with spaces is shown as the list that runs it", "[hooks]") {
  TempDir kitchen;
  write_executable(kitchen, "hooks/notify.sh");
  kitchen.write(
      "hooks/a.json",
      R"({"name": "n", "type": "global_postdeployhook", "exec": "notify.sh --channel #ops \"x\""})");
  const std::string file = kitchen.str() + "/hooks/a.json";
  CHECK(all_errors(load_hooks(kitchen.path())) ==
        std::vector<std::string>{
            file + ":1:56: exec: no such executable: " + kitchen.str() +
            "/hooks/notify.sh --channel #ops \"x\", exec runs one program, not a shell command "
            "line: for arguments write it as a list, [\"notify.sh\", \"--channel\", \"#ops\", "
            "\"\\\"x\\\"\"]\n"
            "    {\"name\": \"n\", \"type\": \"global_postdeployhook\", \"exec\": \"notify.sh "
            "--channel #ops \\\"x\\\"\"}\n"
            "                                                           ^"});
}
