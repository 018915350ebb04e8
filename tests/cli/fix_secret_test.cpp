// encrypted_data_bag_secret, as LittleChef handles it: put on the node for the converge, mode
// 0600 and root's, and removed afterwards whatever happened. Real sshd, whose sessions see an
// /etc/chef of their own.

#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"
#include "support/sudo_user.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <openssl/sha.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

using brigade::test::file_text;
using brigade::test::run_brigade;
using brigade::test::run_shell;
using brigade::test::Sshd;
using brigade::test::TempDir;

namespace {

Sshd::Options with_private_etc_chef() {
  Sshd::Options options;
  options.private_dirs = {"/etc/chef"};
  return options;
}

// A secret with bytes a shell or a line reader would trip on.
std::string random_secret() {
  std::random_device random;
  std::string secret = "line one\n'$(touch /tmp/pwned)'\n";
  for (int i = 0; i < 512; ++i) {
    secret += static_cast<char>(random() & 0xff);
  }
  return secret;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string hex;
  for (unsigned char byte : digest) {
    hex += fmt::format("{:02x}", byte);
  }
  return hex;
}

// The converge reports what it finds at the secret's place.
constexpr const char* kInspect =
    "stat -c 'secret %a %U %G' /etc/chef/encrypted_data_bag_secret; "
    "sha256sum < /etc/chef/encrypted_data_bag_secret; grep encrypted_data_bag_secret "
    "{work_path}/solo.rb";

std::string node_log(const TempDir& kitchen) {
  return file_text(kitchen.str() + "/logs/latest/nodes/n01.fleet.test.log");
}

}  // namespace

TEST_CASE("data bag secret: in place for the converge, 0600 and root's, gone afterwards",
          "[sshd][deploy][secret]") {
  if (!brigade::test::can_isolate_hosts()) {
    BRIGADE_SKIP("needs root and a mount namespace (unshare -m) for a private /etc/chef");
  }
  Sshd sshd(with_private_etc_chef());
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 1, kInspect);
  const std::string secret = random_secret();
  kitchen.write("secret.key", secret);
  kitchen.write("littlechef.cfg", file_text(kitchen.str() + "/littlechef.cfg") +
                                      "[kitchen]\nencrypted_data_bag_secret = secret.key\n");
  const std::string placed = sshd.private_dir("/etc/chef") + "/encrypted_data_bag_secret";
  // Twice: with the kitchen sent first, then with the kitchen current.
  for (int run_number = 1; run_number <= 2; ++run_number) {
    INFO("run " << run_number);
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    INFO(run.err);
    CHECK(run.status == 0);
    const std::string log = node_log(kitchen);
    INFO(log);
    CHECK(log.find("secret 600 root root") != std::string::npos);
    CHECK(log.find(sha256_hex(secret)) != std::string::npos);
    CHECK(log.find("encrypted_data_bag_secret '/etc/chef/encrypted_data_bag_secret'") !=
          std::string::npos);
    CHECK_FALSE(std::filesystem::exists(placed));
    CHECK_FALSE(std::filesystem::exists(placed + ".brigade-new"));
  }
  CHECK_FALSE(std::filesystem::exists("/tmp/pwned"));
  // Its content is in nothing Brigade wrote (its first line stands for it).
  CHECK(run_shell("grep -rlF 'line one' " + kitchen.str() + "/logs").output.empty());
}

TEST_CASE("data bag secret: removed after a failing converge and after a stopped one",
          "[sshd][deploy][secret]") {
  if (!brigade::test::can_isolate_hosts()) {
    BRIGADE_SKIP("needs root and a mount namespace (unshare -m) for a private /etc/chef");
  }
  Sshd sshd(with_private_etc_chef());
  TempDir kitchen;
  const std::string placed = sshd.private_dir("/etc/chef") + "/encrypted_data_bag_secret";
  SECTION("the converge fails: the deploy's status is its, the secret is gone") {
    brigade::test::make_fleet_kitchen(kitchen, sshd, 1,
                                      "test -s /etc/chef/encrypted_data_bag_secret && exit 3");
    kitchen.write("secret.key", random_secret());
    kitchen.write("littlechef.cfg", file_text(kitchen.str() + "/littlechef.cfg") +
                                        "[kitchen]\nencrypted_data_bag_secret = secret.key\n");
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    CHECK(run.status == 1);
    CHECK(brigade::test::latest_report(kitchen)["nodes"][0]["rc"] == 3);
    CHECK_FALSE(std::filesystem::exists(placed));
  }
  SECTION("the converge is killed by a signal: reported as one, the secret is gone") {
    brigade::test::make_fleet_kitchen(kitchen, sshd, 1, "kill -TERM $$");
    kitchen.write("secret.key", random_secret());
    kitchen.write("littlechef.cfg", file_text(kitchen.str() + "/littlechef.cfg") +
                                        "[kitchen]\nencrypted_data_bag_secret = secret.key\n");
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
    CHECK(run.status == 1);
    CHECK(run.err.find("killed by signal TERM") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(placed));
  }
  SECTION("--timeout stops the converge: the node removes the secret when the connection goes") {
    brigade::test::make_fleet_kitchen(kitchen, sshd, 1, "sleep 300");
    kitchen.write("secret.key", random_secret());
    kitchen.write("littlechef.cfg", file_text(kitchen.str() + "/littlechef.cfg") +
                                        "[kitchen]\nencrypted_data_bag_secret = secret.key\n");
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes", "--timeout", "2"});
    CHECK(run.status == 1);
    for (int attempt = 0; attempt < 100 && std::filesystem::exists(placed); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK_FALSE(std::filesystem::exists(placed));
  }
}

TEST_CASE("data bag secret: through sudo for a user other than root", "[sshd][deploy][secret]") {
  if (!brigade::test::can_isolate_hosts() || !brigade::test::can_create_sudo_users()) {
    BRIGADE_SKIP("needs root, a mount namespace and sudo");
  }
  Sshd sshd(with_private_etc_chef());
  brigade::test::SudoUser user(sshd, brigade::test::SudoUser::Mode::passwordless);
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 1, kInspect);
  const std::string secret = random_secret();
  kitchen.write("secret.key", secret);
  kitchen.write(
      "littlechef.cfg",
      fmt::format("[userinfo]\nssh-config = {}\nencrypted_data_bag_secret = secret.key\n"
                  "[kitchen]\nnode_work_path = {}/work/{{node}}\n[deploy]\ncommand = {}\n",
                  user.ssh_config(sshd, kitchen), sshd.dir().str(), kInspect));
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  INFO(run.err);
  CHECK(run.status == 0);
  CHECK(node_log(kitchen).find("secret 600 root root") != std::string::npos);
  CHECK(node_log(kitchen).find(sha256_hex(secret)) != std::string::npos);
  CHECK_FALSE(
      std::filesystem::exists(sshd.private_dir("/etc/chef") + "/encrypted_data_bag_secret"));
}

TEST_CASE(
    "data bag secret: through sudo it is removed when --timeout stops the converge, "
    "whichever shell the node's sh is",
    "[sshd][deploy][secret][sudo]") {
  if (!brigade::test::can_isolate_hosts() || !brigade::test::can_create_sudo_users()) {
    BRIGADE_SKIP("needs root, a mount namespace and sudo");
  }
  // The node's shell prints "Terminated" for the stopped converge; written to the closed channel
  // that killed dash by SIGPIPE before its EXIT trap removed the secret. The deploy's script
  // runs in the `sh` found on PATH (sudo's secure_path has /usr/local/bin first): each shell a
  // node may have as sh, in a private /usr/local/bin.
  std::vector<std::string> shells = {"dash", "bash"};
  if (run_shell("command -v busybox").status == 0) {
    shells.push_back("busybox");
  } else {
    WARN("busybox is not installed: its sh is not tried");
  }
  for (const auto& shell : shells) {
    INFO(shell);
    Sshd::Options options = with_private_etc_chef();
    options.private_dirs.push_back("/usr/local/bin");
    Sshd sshd(options);
    const std::string sh = sshd.private_dir("/usr/local/bin") + "/sh";
    if (shell == "busybox") {
      brigade::test::run_shell_ok("printf '#!/bin/sh\\nexec busybox sh \"$@\"\\n' > '" + sh +
                                  "' && chmod 755 '" + sh + "'");
    } else {
      std::filesystem::create_symlink(
          brigade::test::run_shell_ok("command -v " + shell + " | tr -d '\\n'"), sh);
    }
    brigade::test::SudoUser user(sshd, brigade::test::SudoUser::Mode::passwordless);
    TempDir kitchen;
    // Names the programs of its ancestors (the deploy's script among them), then waits to be
    // stopped.
    const std::string converge =
        "p=$PPID; while [ $p -gt 1 ]; do echo \"ancestor $(readlink /proc/$p/exe)\"; "
        "p=$(cut -d' ' -f4 /proc/$p/stat); done; sleep 300";
    brigade::test::make_fleet_kitchen(kitchen, sshd, 1, converge);
    kitchen.write("secret.key", random_secret());
    kitchen.write(
        "littlechef.cfg",
        fmt::format("[userinfo]\nssh-config = {}\nencrypted_data_bag_secret = secret.key\n"
                    "[kitchen]\nnode_work_path = {}/work/{{node}}\n[deploy]\ncommand = {}\n",
                    user.ssh_config(sshd, kitchen), sshd.dir().str(), converge));
    auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes", "--timeout", "2"});
    CHECK(run.status == 1);
    // Removed by the node, but the controller cannot see it: the result says so.
    CHECK(
        brigade::test::latest_report(kitchen)["nodes"][0]["error"] ==
        "timeout: timed out after 2 s (--timeout); the command was stopped; the data bag secret's "
        "removal from /etc/chef/encrypted_data_bag_secret could not be confirmed");
    const std::string log = node_log(kitchen);
    INFO(log);
    // Below sudo: the deploy's script, in that shell (above it, the SSH user's login shell).
    const std::string below_sudo = log.substr(0, log.find("ancestor /usr/bin/sudo\n"));
    CHECK(below_sudo.find("ancestor /usr/bin/" + shell + "\n") != std::string::npos);
    if (shell != "dash") {
      CHECK(below_sudo.find("ancestor /usr/bin/dash\n") == std::string::npos);
    }
    const std::string placed = sshd.private_dir("/etc/chef") + "/encrypted_data_bag_secret";
    for (int attempt = 0; attempt < 100 && std::filesystem::exists(placed); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK_FALSE(std::filesystem::exists(placed));
  }
}

TEST_CASE("data bag secret: a file that cannot be read is an error before any node is touched",
          "[sshd][deploy][secret]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 1, "touch " + sshd.dir().str() + "/touched");
  kitchen.write("littlechef.cfg", file_text(kitchen.str() + "/littlechef.cfg") +
                                      "[kitchen]\nencrypted_data_bag_secret = missing.key\n");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  CHECK(run.status == 2);
  CHECK(run.err.find("littlechef.cfg:8: encrypted_data_bag_secret: cannot read ") !=
        std::string::npos);
  CHECK(run.err.find("missing.key: No such file or directory") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(sshd.dir().str() + "/touched"));
  kitchen.write("empty.key", "");
  kitchen.write("littlechef.cfg", file_text(kitchen.str() + "/littlechef.cfg") +
                                      "encrypted_data_bag_secret = empty.key\n");
  auto empty = run_brigade({"fix", "-k", kitchen.str(), "node:all", "--yes"});
  CHECK(empty.status == 2);
  CHECK(empty.err.find("empty.key is empty") != std::string::npos);
}
