#include "support/cli_run.hpp"
#include "support/temp_dir.hpp"

#include <brigade/cli/cli.hpp>
#include <brigade/kitchen/kitchen.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

using brigade::test::kFixture;
using brigade::test::without_warnings;
// The CLI run in this process (support/cli_run.hpp).
const auto run = &brigade::test::run_brigade;

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
        "brigade: error: 'brigade' needs a command: list, fix, exec, ssh-config, init, complete, "
        "help\n"
        "Run 'brigade --help' for usage.\n");
}

TEST_CASE("cli: --help on every command: values named, no type annotations, lines that fit",
          "[cli]") {
  const std::vector<std::vector<std::string>> commands{
      {},      {"list"}, {"list", "nodes"}, {"list", "roles"}, {"list", "warnings"},
      {"fix"}, {"exec"}, {"ssh-config"},    {"init"}};
  for (const auto& command : commands) {
    auto args = command;
    args.push_back("--help");
    auto r = run(args);
    INFO(r.out);
    CHECK(r.status == 0);
    CHECK(r.out.find("Usage: brigade") != std::string::npos);
    // What the CLI library would print of its own: types, ranges, member sets.
    for (const char* annotation : {"UINT", ":INT", "TEXT", ":{", " in [", "REQUIRED", " VALUE"}) {
      CHECK(r.out.find(annotation) == std::string::npos);
    }
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      // Columns, as a terminal counts them: '…' is 3 bytes, 1 column.
      CHECK(std::count_if(line.begin(), line.end(), [](char c) { return (c & 0xC0) != 0x80; }) <=
            80);
    }
    // `brigade help COMMAND` is the same page.
    auto help = command;
    help.insert(help.begin(), "help");
    CHECK(run(help).out == r.out);
  }
  auto fix = run({"fix", "--help"});
  CHECK(fix.out.find("  -p,-c,--parallel,--concurrency N\n"
                     "                          Nodes in flight at once (default 16; -c, "
                     "--concurrency\n") != std::string::npos);
  CHECK(fix.out.find("  --batch-by ATTR ") != std::string::npos);
  CHECK(fix.out.find("\nExamples:\n  brigade fix node:web01.example.com\n") != std::string::npos);
  CHECK(fix.out.find("\nExit status:\n  0    success\n  1    a node failed or was skipped\n") !=
        std::string::npos);
  CHECK(run({"exec", "--help"}).out.find("\nExit status:\n") != std::string::npos);
  CHECK(run({"--help"}).out.find("\nCommands:\n  list ") != std::string::npos);

  auto version = run({"--version"});
  CHECK(version.status == 0);
  CHECK(version.out.starts_with("brigade "));
}

TEST_CASE("cli: help for a command that does not exist suggests the nearest one", "[cli]") {
  auto r = run({"help", "fxi"});
  CHECK(r.status == 2);
  CHECK(r.err ==
        "brigade: error: no help for 'fxi': not a command of 'brigade', did you mean 'fix'?\n"
        "Run 'brigade --help' for its commands.\n");
  auto deeper = run({"help", "list", "node"});
  CHECK(deeper.status == 2);
  CHECK(
      deeper.err.starts_with("brigade: error: no help for 'node': not a command of 'brigade "
                             "list', did you mean 'nodes'?\n"));
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

TEST_CASE("cli: an exec command too long for one SSH exec request is refused before any connection",
          "[cli]") {
  brigade::test::TempDir kitchen;
  kitchen.write("littlechef.cfg", "[deploy]\ncommand = echo " + std::string(40000, 'a') + "\n");
  kitchen.write("nodes/web1.json", "{}");
  auto exec = brigade::test::run_brigade(
      {"exec", "-k", kitchen.str(), "node:web1", "--", "echo " + std::string(40000, 'a')});
  CHECK(exec.status == 2);
  CHECK(exec.err.find("more than one SSH exec request carries (34000 bytes), put it in a script "
                      "on the nodes and run that") != std::string::npos);
  // fix's converge command travels on stdin: no such bound (fix_lock_test has the one it has).
  auto fix = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--yes", "node:web1"});
  CHECK(fix.status != 2);
  CHECK(fix.err.find("the converge command is") == std::string::npos);
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
