#include "support/cli_run.hpp"
#include "support/exec_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <brigade/cli/cli.hpp>
#include <brigade/run/fleet_run.hpp>
#include <brigade/run/ssh_exec.hpp>
#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace brigade;
using brigade::test::lines_of;
using brigade::test::Sshd;

namespace {

bool process_alive(int pid) {
  return ::kill(pid, 0) == 0;
}

}  // namespace

TEST_CASE("brigade exec over 300 nodes: prefixed lines, failures and the summary",
          "[sshd][exec][cli]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  brigade::test::TempDir kitchen;
  const brigade::test::ClosedPort closed;
  const auto closed_port = closed.port();
  kitchen.write("ssh_config", fmt::format("Host down*.fleet.test\n  Port {}\n"
                                          "Host *\n  ConnectTimeout 60\n"
                                          "Include {}\n",
                                          closed_port, sshd.ssh_config_file()));
  kitchen.write("littlechef.cfg", "[userinfo]\nuser = root\nssh-config = ssh_config\n");
  for (int i = 1; i <= 300; ++i) {
    kitchen.write(fmt::format("nodes/n{:03}.fleet.test.json", i), "{}");
  }
  kitchen.write("nodes/down1.fleet.test.json", "{}");
  kitchen.write("nodes/down2.fleet.test.json", "{}");

  auto run =
      brigade::test::run_brigade({"exec", "-k", kitchen.str(), "--parallel", "32", "node:all", "--",
                                  "echo", "out", "line;", "echo", "err", "line", ">&2"});
  CHECK(run.status == 1);
  auto out = lines_of(run.out);
  REQUIRE(out.size() == 300);
  std::sort(out.begin(), out.end());
  for (int i = 1; i <= 300; ++i) {
    CHECK(out[i - 1] == fmt::format("n{:03}.fleet.test: out line", i));
  }
  auto err = lines_of(run.err);
  std::vector<std::string> stderr_lines;
  std::vector<std::string> failures;
  for (const auto& line : err) {
    if (line.find(" [stderr]: ") != std::string::npos) {
      stderr_lines.push_back(line);
    } else if (line.starts_with("FAILED ")) {
      failures.push_back(line);
    }
  }
  CHECK(stderr_lines.size() == 300);
  CHECK(std::all_of(stderr_lines.begin(), stderr_lines.end(), [](const std::string& l) {
    return std::regex_match(l, std::regex(R"(n\d{3}\.fleet\.test \[stderr\]: err line)"));
  }));
  CHECK(failures == std::vector<std::string>{
                        fmt::format("FAILED down1.fleet.test: unreachable: connect to 127.0.0.1 "
                                    "port {}: Connection refused",
                                    closed_port),
                        fmt::format("FAILED down2.fleet.test: unreachable: connect to 127.0.0.1 "
                                    "port {}: Connection refused",
                                    closed_port)});
  REQUIRE_FALSE(err.empty());
  CHECK(std::regex_match(
      err.back(),
      std::regex(R"(brigade: 302 nodes: 300 ok, 2 failed \(2 unreachable\) in \d+\.\d s)")));

  auto codes =
      brigade::test::run_brigade({"exec", "-k", kitchen.str(), "node:n00*", "--", "exit 3"});
  CHECK(codes.status == 1);
  CHECK(lines_of(codes.err).back().starts_with("brigade: 9 nodes: 0 ok, 9 failed (9 exit status)"));
  CHECK(codes.err.find("FAILED n001.fleet.test: exit 3\n") != std::string::npos);

  auto slow = brigade::test::run_brigade({"exec", "-k", kitchen.str(), "--timeout", "1",
                                          "node:n001.fleet.test", "--", "echo started; sleep 30"});
  CHECK(slow.status == 1);
  CHECK(slow.out == "n001.fleet.test: started\n");
  CHECK(slow.err.find("FAILED n001.fleet.test: timeout: timed out after 1 s (--timeout); the "
                      "command was stopped\n") != std::string::npos);

  auto tty =
      brigade::test::run_brigade({"exec", "-k", kitchen.str(), "--pty", "node:n001.fleet.test",
                                  "--", "test -t 1 && echo on a terminal; echo to stderr >&2"});
  CHECK(tty.status == 0);
  CHECK(tty.out == "n001.fleet.test: on a terminal\nn001.fleet.test: to stderr\n");

  auto ok =
      brigade::test::run_brigade({"exec", "-k", kitchen.str(), "--json", "node:n001.fleet.test",
                                  "--", "echo hi; echo oops >&2; kill -TERM $$"});
  CHECK(ok.status == 1);
  INFO(ok.out);
  CHECK(ok.out.starts_with(
      R"({"name":"n001.fleet.test","started":true,"rc":null,"signal":"TERM","stdout":"hi\n","stderr":"oops\n","stdout_omitted":0,"stderr_omitted":0,"error":null,"duration_s":)"));
}

TEST_CASE("accept-new: 200 new hosts at once are all recorded, the file intact",
          "[sshd][exec][known_hosts]") {
  BRIGADE_REQUIRE_SSHD();
  constexpr int kHosts = 200;
  Sshd sshd;
  // One sshd, 200 distinct known_hosts names: a HostKeyAlias per node.
  std::string config_text;
  for (int i = 0; i < kHosts; ++i) {
    config_text += fmt::format("Host n{:03}.fleet.test\n  HostKeyAlias alias-{:03}\n", i, i);
  }
  config_text += "Host *\n  StrictHostKeyChecking accept-new\n  ConnectTimeout 60\n";
  config_text += "Include " + sshd.ssh_config_file() + "\n";
  const std::string config_file = sshd.path("accept_new_config");
  std::ofstream(config_file) << config_text;
  std::ofstream(sshd.known_hosts_file()) << "# managed by the test\n";

  std::vector<Diagnostic> warnings;
  auto config = ssh::SshConfig::load(config_file, "", sshd.home(), warnings);
  REQUIRE(config.ok());
  ssh::HostDefaults defaults;
  defaults.local_user = "root";
  defaults.home = sshd.home();
  std::vector<ssh::HostConfig> hosts;
  for (int i = 0; i < kHosts; ++i) {
    hosts.push_back(config->resolve(fmt::format("n{:03}.fleet.test", i), defaults));
  }

  auto run_all = [&](const std::vector<ssh::HostConfig>& targets) {
    return brigade::test::exec_on_hosts(targets, "true", kHosts);
  };
  auto first = run_all(hosts);
  REQUIRE(first.size() == kHosts);
  for (const auto& r : first) {
    INFO(r.name << ": " << r.reason("the command"));
    CHECK(r.status == NodeStatus::deployed);
  }
  auto lines = lines_of(brigade::test::run_shell_ok("cat " + sshd.known_hosts_file()));
  REQUIRE(lines.size() == kHosts + 1);
  CHECK(lines[0] == "# managed by the test");
  std::set<std::string> aliases;
  const std::string key = sshd.host_public_key();
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto space = lines[i].find(' ');
    aliases.insert(lines[i].substr(0, space));
    CHECK(lines[i].substr(space + 1) == key);
  }
  CHECK(aliases.size() == kHosts);
  CHECK(*aliases.begin() == "alias-000");

  // Now known: a strict run succeeds with the recorded keys and adds nothing.
  for (auto& host : hosts) {
    host.strict_host_key_checking = ssh::StrictHostKeyChecking::yes;
  }
  auto second = run_all(hosts);
  CHECK(std::all_of(second.begin(), second.end(),
                    [](const NodeResult& r) { return r.status == NodeStatus::deployed; }));
  CHECK(lines_of(brigade::test::run_shell_ok("cat " + sshd.known_hosts_file())).size() ==
        kHosts + 1);
}

TEST_CASE("brigade exec: SIGINT stops the commands in flight, prints the summary, exits 130",
          "[sshd][exec][cli]") {
  BRIGADE_REQUIRE_SSHD();
  constexpr int kNodes = 20;
  Sshd sshd;
  brigade::test::TempDir kitchen;
  kitchen.write("littlechef.cfg", "[userinfo]\nssh-config = " + sshd.ssh_config_file() + "\n");
  for (int i = 1; i <= kNodes; ++i) {
    kitchen.write(fmt::format("nodes/n{:02}.fleet.test.json", i), "{}");
  }
  std::filesystem::create_directories(sshd.path("pids"));
  const std::string command = "echo $$ > " + sshd.path("pids") + "/$$; exec sleep 600";

  int child = brigade::test::spawn_brigade({"exec", "-k", kitchen.str(), "node:all", "--", command},
                                           kitchen.str() + "/out", kitchen.str() + "/err");
  REQUIRE(brigade::test::wait_for_entries(sshd.path("pids"), kNodes, 60000) == kNodes);
  ::kill(child, SIGINT);
  CHECK(brigade::test::wait_for_exit(child, 10000) == 130);
  auto err = lines_of(brigade::test::run_shell_ok("cat " + kitchen.str() + "/err"));
  REQUIRE_FALSE(err.empty());
  CHECK(err.front() == "brigade: interrupted, stopping the commands in flight");
  CHECK(std::regex_match(
      err.back(),
      std::regex(R"(brigade: 20 nodes: 0 ok, 20 failed \(20 cancelled\) in \d+\.\d s)")));
  CHECK(std::count_if(err.begin(), err.end(), [](const std::string& l) {
          return l.ends_with(": cancelled: cancelled; the command was stopped");
        }) == kNodes);

  std::vector<int> pids;
  for (const auto& entry : std::filesystem::directory_iterator(sshd.path("pids"))) {
    pids.push_back(std::stoi(entry.path().filename().string()));
  }
  std::size_t alive = pids.size();
  for (int attempt = 0; attempt < 100 && alive > 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    alive = static_cast<std::size_t>(std::count_if(pids.begin(), pids.end(), process_alive));
  }
  CHECK(alive == 0);
}

TEST_CASE("brigade exec and fix under a low open-file limit: fewer in flight, none failed",
          "[sshd][exec][fds]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  brigade::test::TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 150, "true");
  // In a child whose soft and hard limits are low: 150 connections at once cannot fit in 128.
  auto exec = brigade::test::run_shell("ulimit -n 128 && exec " + std::string(BRIGADE_BINARY) +
                                       " exec -k " + kitchen.str() +
                                       " --parallel 200 node:all -- true 2>&1");
  INFO(exec.output);
  CHECK(exec.status == 0);
  CHECK(exec.output.find("brigade: warning: --parallel 150 lowered to 32: the open-file limit is "
                         "128 (ulimit -n) and a node in flight needs up to 2 descriptors") !=
        std::string::npos);
  CHECK(exec.output.find("150 nodes: 150 ok, 0 failed") != std::string::npos);
  auto fix =
      brigade::test::run_shell("ulimit -n 128 && exec " + std::string(BRIGADE_BINARY) + " fix -k " +
                               kitchen.str() + " --yes --parallel 150 node:all 2>&1");
  INFO(fix.output);
  CHECK(fix.status == 0);
  CHECK(fix.output.find("--parallel 150 lowered to 8") != std::string::npos);
  CHECK(fix.output.find("150 nodes: 150 deployed, 0 failed") != std::string::npos);
}

TEST_CASE(
    "exec --max-startups: a server that drops connections past two unauthenticated serves all",
    "[sshd][exec][startups]") {
  BRIGADE_REQUIRE_SSHD();
  // sshd's MaxStartups drops a connection while two others are not yet authenticated: 30 nodes
  // connecting at once lose most of theirs, set up one at a time none.
  Sshd::Options options;
  options.max_startups = "2";
  Sshd sshd(options);
  brigade::test::TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 30, "true");
  auto one_at_a_time =
      brigade::test::run_brigade({"exec", "-k", kitchen.str(), "--parallel", "30", "--max-startups",
                                  "1", "node:all", "--", "true"});
  INFO(one_at_a_time.err);
  CHECK(one_at_a_time.status == 0);
  CHECK(one_at_a_time.err.find("30 nodes: 30 ok, 0 failed") != std::string::npos);

  kitchen.write("littlechef.cfg",
                brigade::test::run_shell_ok(
                    std::string("cat ").append(kitchen.str()).append("/littlechef.cfg")) +
                    "[connection]\nmax_startups = 30\n");
  auto all_at_once = brigade::test::run_brigade(
      {"exec", "-k", kitchen.str(), "--parallel", "30", "node:all", "--", "true"});
  INFO(all_at_once.err);
  CHECK(all_at_once.status != 0);
  CHECK(all_at_once.err.find(" 0 failed") == std::string::npos);

  SECTION("a bad value is an error with its place, before any node is contacted") {
    auto bad = brigade::test::run_brigade(
        {"exec", "-k", kitchen.str(), "--max-startups", "0", "node:all", "--", "true"});
    CHECK(bad.status == 2);
    CHECK(bad.err.find("--max-startups") != std::string::npos);
    kitchen.write(
        "littlechef.cfg",
        brigade::test::run_shell_ok(std::string("sed 's/^max_startups = 30$/max_startups = many/' ")
                                        .append(kitchen.str())
                                        .append("/littlechef.cfg")));
    bad = brigade::test::run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "true"});
    CHECK(bad.status == 2);
    CHECK(bad.err.find("max_startups must be a whole number from 1 to 10000, not 'many'") !=
          std::string::npos);
  }
}

TEST_CASE("brigade exec: a node's control sequences reach the terminal escaped, --json keeps them",
          "[sshd][exec][cli]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  brigade::test::TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 1, "true");
  const std::string command = "printf '\\033]52;c;cGF5bG9hZA==\\007ok\\rFAILED\\n'";
  auto plain = brigade::test::run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", command});
  CHECK(plain.status == 0);
  CHECK(plain.out == "n01.fleet.test: \\x1b]52;c;cGF5bG9hZA==\\x07ok\\x0dFAILED\n");
  auto json = brigade::test::run_brigade(
      {"exec", "-k", kitchen.str(), "--json", "node:all", "--", command});
  CHECK(nlohmann::json::parse(json.out)["stdout"] == "\x1b]52;c;cGF5bG9hZA==\x07ok\rFAILED\n");
}

TEST_CASE("colour: --color always paints FAILED and deployed, a bad value is a usage error",
          "[sshd][exec][cli][color]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  brigade::test::TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 2, "case {node} in n02*) exit 3;; esac");
  auto exec = brigade::test::run_brigade(
      {"exec", "-k", kitchen.str(), "--color", "always", "node:n02*", "--", "exit 4"});
  CHECK(exec.status == 1);
  CHECK(exec.err.find("\x1b[1;31mFAILED\x1b[0m n02.fleet.test: exit 4\n") != std::string::npos);
  auto fix = brigade::test::run_brigade(
      {"fix", "-k", kitchen.str(), "--color=always", "--yes", "node:all"});
  CHECK(fix.status == 1);
  CHECK(fix.out.find("n01.fleet.test: \x1b[32mdeployed\x1b[0m (") != std::string::npos);
  CHECK(fix.out.find("n02.fleet.test: \x1b[1;31mFAILED\x1b[0m: the converge command exited "
                     "with 3") != std::string::npos);
  CHECK(fix.err.find("\x1b[1;31mFAILED\x1b[0m n02.fleet.test: ") != std::string::npos);
  auto plain = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--yes", "node:all"});
  CHECK(plain.out.find('\x1b') == std::string::npos);  // not a terminal: auto is plain
  CHECK(plain.err.find('\x1b') == std::string::npos);
  auto bad = brigade::test::run_brigade({"fix", "-k", kitchen.str(), "--color", "yes", "node:all"});
  CHECK(bad.status == 2);
  CHECK(bad.err == "brigade: error: --color: expected auto, always or never, got 'yes'\n");
}
