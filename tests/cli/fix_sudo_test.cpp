// Deploys as a user other than root, through sudo as LittleChef does: real sshd, real sudo, a
// real account made for each test.

#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"
#include "support/sudo_user.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

using brigade::test::file_text;
using brigade::test::latest_report;
using brigade::test::lines_of;
using brigade::test::run_brigade;
using brigade::test::run_shell;
using brigade::test::Sshd;
using brigade::test::SudoUser;
using brigade::test::TempDir;

namespace {

// A kitchen of `nodes` nodes reached as `user`, whose littlechef.cfg ends with `extra`.
void make_user_kitchen(const TempDir& kitchen, const Sshd& sshd, const SudoUser& user, int nodes,
                       const std::string& command, const std::string& work_path,
                       const std::string& extra = "") {
  brigade::test::make_fleet_kitchen(kitchen, sshd, nodes, command);
  kitchen.write("littlechef.cfg",
                fmt::format("[userinfo]\nssh-config = {}\n{}[kitchen]\nnode_work_path = {}\n"
                            "[deploy]\ncommand = {}\n",
                            user.ssh_config(sshd, kitchen), extra, work_path, command));
}

std::string node_log(const TempDir& kitchen, const std::string& node) {
  return file_text(kitchen.str() + "/logs/latest/nodes/" + node + ".log");
}

std::vector<std::string> failures(const std::string& err) {
  std::vector<std::string> lines;
  for (const auto& line : lines_of(err)) {
    if (line.starts_with("FAILED ")) {
      lines.push_back(line);
    }
  }
  return lines;
}

}  // namespace

TEST_CASE("sudo: a non-root user deploys through passwordless sudo, the work path is root's",
          "[sshd][deploy][sudo]") {
  BRIGADE_REQUIRE_SUDO_USERS();
  Sshd sshd;
  SudoUser user(sshd, SudoUser::Mode::passwordless);
  TempDir kitchen;
  // SUDO_COMMAND is what sudo logs (syslog, often shipped off the host) for every deploy.
  make_user_kitchen(kitchen, sshd, user, 3,
                    "echo uid=$(id -u) in {work_path}; echo \"sudo_command=$SUDO_COMMAND\"",
                    sshd.dir().str() + "/work/{node}");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  for (const char* node : {"n01.fleet.test", "n02.fleet.test", "n03.fleet.test"}) {
    const std::string work = sshd.dir().str() + "/work/" + node;
    const std::string log = node_log(kitchen, node);
    CHECK(log.find("uid=0 in " + work) != std::string::npos);
    CHECK(log.find("(as root through sudo)") != std::string::npos);
    // sudo ran the fixed bootstrap; the node's data, its name and its work path are not in it.
    const auto sudo_command = log.find("sudo_command=/");
    REQUIRE(sudo_command != std::string::npos);
    const std::string logged =
        log.substr(sudo_command, log.find('\n', sudo_command) - sudo_command);
    INFO(logged);
    CHECK(logged.find("brigade-node: ready") != std::string::npos);
    CHECK(logged.find(node) == std::string::npos);
    CHECK(logged.find("chef_environment") == std::string::npos);
    CHECK(logged.find(work) == std::string::npos);
    CHECK(brigade::test::run_shell_ok("stat -c %U " + work + "/node.json") == "root\n");
  }
  // The second run finds the kitchen current, as root wrote it.
  auto again = run_brigade({"fix", "-k", kitchen.str(), "node:n01.fleet.test"});
  CHECK(again.status == 0);
  CHECK(node_log(kitchen, "n01.fleet.test").find("the kitchen was unchanged on the node") !=
        std::string::npos);
}

TEST_CASE("sudo: the password goes to sudo -S on stdin and into no output, log or report",
          "[sshd][deploy][sudo]") {
  BRIGADE_REQUIRE_SUDO_USERS();
  Sshd sshd;
  SudoUser user(sshd, SudoUser::Mode::with_password);
  TempDir kitchen;
  const std::string work = sshd.dir().str() + "/work/{node}";
  SECTION("[userinfo] password: deployed as root") {
    make_user_kitchen(kitchen, sshd, user, 2, "echo uid=$(id -u); ps -eo args", work,
                      "password = " + user.password() + "\n");
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(node_log(kitchen, "n01.fleet.test").find("uid=0") != std::string::npos);
    // Nowhere Brigade writes, nor on the node's side: not the output, the logs, the report,
    // the work path.
    CHECK(run.out.find(user.password()) == std::string::npos);
    CHECK(run.err.find(user.password()) == std::string::npos);
    const std::string secret_file = kitchen.str() + "/.secret";
    kitchen.write(".secret", user.password());
    for (const auto& dir : {kitchen.str() + "/logs", sshd.dir().str() + "/work"}) {
      INFO(dir);
      CHECK(run_shell("grep -rlF -f " + secret_file + " " + dir).output.empty());
    }
    CHECK(latest_report(kitchen).dump().find(user.password()) == std::string::npos);
  }
  SECTION("no password configured: the node fails saying what sudo wants, at once") {
    make_user_kitchen(kitchen, sshd, user, 2, "echo never", work);
    const auto started = std::chrono::steady_clock::now();
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
    CHECK(run.status == 1);
    const auto failed = failures(run.err);
    REQUIRE(failed.size() == 2);
    for (const auto& line : failed) {
      CHECK(line.find("sudo: sudo on the node wants a password for " + user.name() +
                      " and none is configured: set [userinfo] password in littlechef.cfg or "
                      "pass --ask-sudo-pass") != std::string::npos);
    }
    CHECK(node_log(kitchen, "n01.fleet.test").find("never\n") == std::string::npos);
    CHECK(latest_report(kitchen)["nodes"][0]["status"] == "failed");
  }
  SECTION("a wrong password: refused at once, not retried, not hung") {
    make_user_kitchen(kitchen, sshd, user, 1, "echo never", work, "password = wrong-one\n");
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes", "--timeout", "20"});
    CHECK(run.status == 1);
    const auto failed = failures(run.err);
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].find("sudo: sudo on the node refused the password for " + user.name()) !=
          std::string::npos);
    CHECK(run.err.find("wrong-one") == std::string::npos);
  }
}

TEST_CASE("sudo: a user sudo does not allow fails with sudo's reason", "[sshd][deploy][sudo]") {
  BRIGADE_REQUIRE_SUDO_USERS();
  Sshd sshd;
  SudoUser user(sshd, SudoUser::Mode::not_allowed);
  TempDir kitchen;
  make_user_kitchen(kitchen, sshd, user, 1, "echo never", sshd.dir().str() + "/work/{node}",
                    "password = " + user.password() + "\n");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  INFO(run.err);
  CHECK(run.status == 1);
  const auto failed = failures(run.err);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].find("sudo: " + user.name() + " may not run commands as root through sudo") !=
        std::string::npos);
  CHECK(failed[0].find("not in the sudoers file") != std::string::npos);
}

TEST_CASE("sudo: [deploy] sudo = false deploys as the SSH user itself", "[sshd][deploy][sudo]") {
  BRIGADE_REQUIRE_SUDO_USERS();
  Sshd sshd;
  SudoUser user(sshd, SudoUser::Mode::passwordless);
  TempDir kitchen;
  make_user_kitchen(kitchen, sshd, user, 1, "echo uid=$(id -u)", user.home() + "/work/{node}");
  kitchen.write("littlechef.cfg", file_text(kitchen.str() + "/littlechef.cfg") + "sudo = false\n");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  INFO(run.err);
  CHECK(run.status == 0);
  const std::string uid = brigade::test::run_shell_ok("id -u " + user.name());
  CHECK(node_log(kitchen, "n01.fleet.test").find("uid=" + uid) != std::string::npos);
  CHECK(brigade::test::run_shell_ok("stat -c %U " + user.home() + "/work/n01.fleet.test") ==
        user.name() + "\n");
  SECTION("a bad value is an error with its place") {
    kitchen.write("littlechef.cfg",
                  file_text(kitchen.str() + "/littlechef.cfg") + "sudo = maybe\n");
    auto bad = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    CHECK(bad.status == 2);
    CHECK(bad.err.find("sudo must be true or false, not 'maybe'") != std::string::npos);
  }
}

TEST_CASE("sudo: --timeout stops the converge command and what it started, as root",
          "[sshd][deploy][sudo]") {
  BRIGADE_REQUIRE_SUDO_USERS();
  Sshd sshd;
  SudoUser user(sshd, SudoUser::Mode::passwordless);
  TempDir kitchen;
  // sudo runs the command in a group that is not its own: the wrapper must make one, or only
  // the shell would be stopped and its children would run on.
  const std::string tag = std::to_string(4000 + (::getpid() % 1000));
  make_user_kitchen(kitchen, sshd, user, 1, "sleep " + tag + "1 & sleep " + tag + "2; echo never",
                    sshd.dir().str() + "/work/{node}");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes", "--timeout", "3"});
  CHECK(run.status == 1);
  auto left = [&] { return run_shell("pgrep -f '^sleep " + tag + "[12]$'").output; };
  for (int attempt = 0; attempt < 100 && !left().empty(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(left().empty());
}

TEST_CASE("sudo: --ask-sudo-pass asks on the terminal, and without one is an error",
          "[sshd][deploy][sudo]") {
  BRIGADE_REQUIRE_SUDO_USERS();
  Sshd sshd;
  SudoUser user(sshd, SudoUser::Mode::with_password);
  TempDir kitchen;
  make_user_kitchen(kitchen, sshd, user, 1, "echo uid=$(id -u)", sshd.dir().str() + "/work/{node}");
  // On a terminal of its own, the password typed once the prompt shows.
  const std::string prompt = "[sudo] password for " + user.name();
  auto asked = brigade::test::run_brigade_on_terminal(
      {"fix", "-k", kitchen.str(), "node:all", "--yes", "--ask-sudo-pass"}, prompt,
      user.password());
  INFO(asked.output);
  CHECK(asked.status == 0);
  CHECK(asked.output.find(prompt) != std::string::npos);
  CHECK(asked.output.find(user.password()) == std::string::npos);  // not echoed
  CHECK(node_log(kitchen, "n01.fleet.test").find("uid=0") != std::string::npos);

  auto no_terminal = run_shell("setsid " + std::string(BRIGADE_BINARY) + " fix -k " +
                               kitchen.str() + " node:all --yes --ask-sudo-pass </dev/null 2>&1");
  CHECK(no_terminal.status == 2);
  CHECK(
      no_terminal.output.find("--ask-sudo-pass: there is no terminal to ask for the password on") !=
      std::string::npos);
}
