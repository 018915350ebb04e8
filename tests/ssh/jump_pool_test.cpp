// Nodes behind jump hosts, end to end: `brigade exec` and `brigade fix` through real sshd
// bastions with stock limits, to a target whose name only the last bastion resolves.

#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/jump_lab.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using brigade::test::JumpLab;
using brigade::test::lines_of;
using brigade::test::run_brigade;
using brigade::test::TempDir;

namespace {

std::vector<std::string> sorted_lines(const std::string& text) {
  auto lines = lines_of(text);
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> expected_lines(int nodes, const std::string& suffix) {
  std::vector<std::string> lines;
  for (int i = 1; i <= nodes; ++i) {
    lines.push_back(fmt::format("n{:02}.behind.test: {}", i, suffix));
  }
  return lines;
}

/// A port on 127.0.0.1 whose connections hang as a machine that is off does: a listener that
/// never accepts, its queue filled, so the kernel drops further SYNs and connect() waits.
class BlackHole {
 public:
  BlackHole() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 0) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    // A backlog of 0 queues one connection; a few more make sure the queue is full.
    for (int i = 0; i < 4; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
      fillers_.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ~BlackHole() {
    for (int fd : fillers_) {
      ::close(fd);
    }
    ::close(listener_);
  }
  BlackHole(const BlackHole&) = delete;
  BlackHole& operator=(const BlackHole&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> fillers_;
};

}  // namespace

TEST_CASE("exec through one jump host: every node answers, and without it none resolves",
          "[sshd][jump]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  JumpLab lab;
  TempDir kitchen;
  SECTION("ProxyJump in ssh_config") {
    lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion"), 5, "true");
    auto run = run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "echo", "behind"});
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(sorted_lines(run.out) == expected_lines(5, "behind"));
  }
  SECTION("littlechef.cfg's gateway, as user@host:port") {
    lab.make_kitchen(
        kitchen, lab.write_ssh_config(""), 3, "true",
        fmt::format("[connection]\ngateway = root@127.0.0.1:{}\n", lab.bastion().port()));
    // The gateway's own settings come from ssh_config like any host's: its key, known_hosts.
    std::ofstream(lab.dir().str() + "/ssh_config", std::ios::app) << fmt::format(
        "Host 127.0.0.1\n  IdentityFile {}\n  UserKnownHostsFile {}\n"
        "  StrictHostKeyChecking yes\n  GlobalKnownHostsFile /dev/null\n",
        lab.bastion().client_key(), lab.known_hosts());
    auto run = run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "echo", "gw"});
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(sorted_lines(run.out) == expected_lines(3, "gw"));
  }
  SECTION("ProxyJump in ssh_config wins over the gateway") {
    lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion"), 2, "true",
                     "[connection]\ngateway = nowhere.invalid\n");
    auto run = run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "echo", "own"});
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(sorted_lines(run.out) == expected_lines(2, "own"));
  }
  SECTION("ProxyJump none: a direct connection, which cannot resolve the name") {
    lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump none"), 2, "true",
                     fmt::format("[connection]\ngateway = bastion\n"));
    auto run = run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "echo", "direct"});
    CHECK(run.status == 1);
    CHECK(run.out.empty());
    CHECK(run.err.find("could not resolve hostname target.behind.test") != std::string::npos);
  }
}

TEST_CASE("exec through two jump hosts, each reached through the one before", "[sshd][jump]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  JumpLab::Options options;
  options.two_hops = true;
  JumpLab lab(options);
  TempDir kitchen;
  SECTION("the second hop's own ProxyJump leads through the first") {
    lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion2"), 4, "true");
  }
  SECTION("both hops in one ProxyJump") {
    lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion,bastion2"), 4, "true");
  }
  auto shown = run_brigade({"ssh-config", "-k", kitchen.str(), "n01.behind.test"});
  CHECK(shown.out.find("bastion (root@127.0.0.1 port " + std::to_string(lab.bastion().port()) +
                       ") -> bastion2 (root@bastion2.behind.test port " +
                       std::to_string(lab.bastion2()->port()) + ") -> n01.behind.test") !=
        std::string::npos);
  auto run = run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "echo", "deep"});
  INFO(run.err);
  CHECK(run.status == 0);
  CHECK(sorted_lines(run.out) == expected_lines(4, "deep"));
}

TEST_CASE("200 nodes through one stock bastion at parallel 64: none fails", "[sshd][jump]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  // The target stands for 200 machines: its own MaxStartups is theirs together. The bastion
  // keeps the stock 10:30:100, which one connection per node would overrun at once.
  JumpLab::Options options;
  options.target_extra_config = "MaxStartups 2000:30:2000\n";
  JumpLab lab(options);
  TempDir kitchen;
  lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion\n  ConnectTimeout 60"), 200,
                   "true");
  auto run = run_brigade(
      {"exec", "-k", kitchen.str(), "--parallel", "64", "node:all", "--", "echo", "up"});
  INFO(run.err.substr(0, 4000));
  CHECK(run.status == 0);
  CHECK(lines_of(run.out).size() == 200);
}

TEST_CASE("jump limits: --jump-max-channels and --jump-max-sessions cap what one bastion carries",
          "[sshd][jump]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  // Every authenticated connection to the bastion is a line in its log.
  JumpLab::Options options;
  options.bastion_extra_config = "LogLevel VERBOSE\n";
  JumpLab lab(options);
  TempDir kitchen;
  lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion"), 30, "true");
  auto sessions = [&] {
    const std::string log = lab.bastion().log();
    std::size_t count = 0;
    for (std::size_t at = log.find("Accepted publickey"); at != std::string::npos;
         at = log.find("Accepted publickey", at + 1)) {
      ++count;
    }
    return count;
  };
  SECTION("10 channels a session: three sessions for 30 nodes at once") {
    auto run = run_brigade({"exec", "-k", kitchen.str(), "--parallel", "30", "--jump-max-channels",
                            "10", "node:all", "--", "sleep 1"});
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(sessions() == 3);
  }
  SECTION("one session of 10: the others wait for a channel, none fails") {
    kitchen.write("littlechef.cfg",
                  brigade::test::run_shell_ok("cat " + kitchen.str() + "/littlechef.cfg") +
                      "[connection]\njump_max_channels = 10\njump_max_sessions = 1\n");
    auto run =
        run_brigade({"exec", "-k", kitchen.str(), "--parallel", "30", "node:all", "--", "sleep 1"});
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(sessions() == 1);
  }
  SECTION("a bad value in littlechef.cfg is an error with its place") {
    kitchen.write("littlechef.cfg",
                  brigade::test::run_shell_ok("cat " + kitchen.str() + "/littlechef.cfg") +
                      "[connection]\njump_max_sessions = lots\n");
    auto run = run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "true"});
    CHECK(run.status == 2);
    CHECK(run.err.find("jump_max_sessions must be a whole number from 1 to 1000, not 'lots'") !=
          std::string::npos);
    CHECK(sessions() == 0);
  }
}

TEST_CASE("through a jump host the node's host key is checked as for a direct connection",
          "[sshd][jump]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  JumpLab lab;
  TempDir kitchen;
  lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion"), 2, "true");
  // One known_hosts entry is replaced by another key: a changed host key.
  const std::string other =
      brigade::test::run_shell_ok("ssh-keygen -q -t ed25519 -N '' -f " + lab.dir().str() +
                                  "/other && cut -d' ' -f1,2 " + lab.dir().str() + "/other.pub");
  const std::string key = other.substr(0, other.find('\n'));
  std::string changed;
  SECTION("the node's") {
    changed = fmt::format("[target.behind.test]:{}", lab.target().port());
  }
  SECTION("the jump host's") {
    changed = fmt::format("[127.0.0.1]:{}", lab.bastion().port());
  }
  brigade::test::run_shell_ok(
      fmt::format("sed -i 's|^\\{} .*|{} {}|' {}", changed, changed, key, lab.known_hosts()));
  const std::string known = brigade::test::run_shell_ok("cat " + lab.known_hosts());
  REQUIRE(known.find(changed + " " + key) != std::string::npos);
  auto run = run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "echo", "never"});
  INFO(run.err);
  CHECK(run.status == 1);
  CHECK(run.out.empty());
  CHECK(run.err.find("has changed") != std::string::npos);
  if (changed.starts_with("[127")) {
    CHECK(run.err.find("jump host bastion (root@127.0.0.1 port") != std::string::npos);
  }
}

TEST_CASE("an unreachable jump host fails its nodes with one reason that names it",
          "[sshd][jump]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  JumpLab lab;
  TempDir kitchen;
  lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion"), 6, "true");
  lab.bastion().stop();
  auto run = run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "echo", "never"});
  CHECK(run.status == 1);
  CHECK(run.out.empty());
  const std::string reason = fmt::format(
      "jump host bastion (root@127.0.0.1 port {}): connect to "
      "127.0.0.1 port {}: Connection refused",
      lab.bastion().port(), lab.bastion().port());
  INFO(run.err);
  int failed = 0;
  for (const auto& line : lines_of(run.err)) {
    if (line.starts_with("FAILED ")) {
      ++failed;
      CHECK(line.find(reason) != std::string::npos);
    }
  }
  CHECK(failed == 6);
}

TEST_CASE("a node behind the bastion that never answers does not hold up the others",
          "[sshd][jump]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  // libssh2 opens one channel at a time per session: an open the bastion cannot finish (its
  // connect() waits for a SYN that is never answered) must not queue the other nodes behind it
  // until they time out. Where one session is stuck, the others go on another.
  JumpLab lab;
  BlackHole off;
  TempDir kitchen;
  const std::string path = lab.dir().str() + "/ssh_config";
  std::ofstream(path) << fmt::format("Host n01.behind.test\n  Port {}\n", off.port())
                      << lab.ssh_config("ProxyJump bastion") << "Host *\n  ConnectTimeout 4\n";
  lab.make_kitchen(kitchen, path, 12, "true");
  auto run = run_brigade(
      {"exec", "-k", kitchen.str(), "--parallel", "12", "node:all", "--", "echo", "up"});
  INFO(run.err);
  CHECK(run.status == 1);
  auto expected = expected_lines(12, "up");
  expected.erase(expected.begin());
  CHECK(sorted_lines(run.out) == expected);
  std::vector<std::string> failed;
  for (const auto& line : lines_of(run.err)) {
    if (line.starts_with("FAILED ")) {
      failed.push_back(line);
    }
  }
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].find("n01.behind.test") != std::string::npos);
  CHECK(failed[0].find(fmt::format("jump host bastion (root@127.0.0.1 port {}): opening a "
                                   "connection to target.behind.test port {} timed out after 4 s",
                                   lab.bastion().port(), off.port())) != std::string::npos);
}

TEST_CASE("fix through a jump host: the kitchen synced, the converge run, the route reported",
          "[sshd][jump][deploy]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  JumpLab lab;
  TempDir kitchen;
  lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion"), 4,
                   "test -f {work_path}/cookbooks/demo/recipes/default.rb && "
                   "grep -q '\"recipe\\[demo\\]\"' {work_path}/node.json");
  auto run = run_brigade({"fix", "-k", kitchen.str(), "--yes", "node:all"});
  INFO(run.out);
  INFO(run.err);
  CHECK(run.status == 0);
  CHECK((run.out + run.err).find("4 nodes: 4 deployed, 0 failed") != std::string::npos);
  const auto report = brigade::test::latest_report(kitchen);
  REQUIRE(report["nodes"].size() == 4);
  const std::string hop = fmt::format("bastion (root@127.0.0.1 port {})", lab.bastion().port());
  for (const auto& node : report["nodes"]) {
    CHECK(node["status"] == "deployed");
    CHECK(node["jump_hosts"] == nlohmann::json::array({hop}));
    const std::string log = brigade::test::run_shell_ok("cat " + node["log"].get<std::string>());
    CHECK(log.find("connecting to target.behind.test port " + std::to_string(lab.target().port()) +
                   " through " + hop) != std::string::npos);
  }
  // Unchanged the second time: nothing sent, through the same route.
  auto again = run_brigade({"fix", "-k", kitchen.str(), "--yes", "node:all"});
  CHECK(again.status == 0);
}

TEST_CASE("the bastion dies mid-run: its nodes fail naming it, the report is complete",
          "[sshd][jump][deploy]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  JumpLab lab;
  TempDir kitchen;
  const std::string started = lab.dir().str() + "/started";
  std::filesystem::create_directories(started);
  lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion"), 6,
                   "touch " + started + "/{node}; exec sleep 60");
  const int child = brigade::test::spawn_brigade(
      {"fix", "-k", kitchen.str(), "--yes", "--parallel", "6", "node:all"}, kitchen.str() + "/out",
      kitchen.str() + "/err");
  auto count = [&] {
    return std::distance(std::filesystem::directory_iterator(started),
                         std::filesystem::directory_iterator());
  };
  for (int attempt = 0; attempt < 600 && count() < 6; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(count() == 6);
  lab.bastion().kill_with_connections();
  CHECK(brigade::test::wait_for_exit(child, 30000) == 1);
  const auto report = brigade::test::latest_report(kitchen);
  REQUIRE(report["nodes"].size() == 6);
  CHECK(report["finished"].is_string());
  const std::string hop =
      fmt::format("jump host bastion (root@127.0.0.1 port {})", lab.bastion().port());
  for (const auto& node : report["nodes"]) {
    CHECK(node["status"] == "failed");
    INFO(node["error"]);
    CHECK(node["error"].get<std::string>().find(hop) != std::string::npos);
  }
}

TEST_CASE("a jump host that hangs: its ServerAliveInterval fails the nodes riding it",
          "[sshd][jump]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  JumpLab lab;
  TempDir kitchen;
  const std::string started = lab.dir().str() + "/started";
  std::filesystem::create_directories(started);
  std::string config = lab.ssh_config("ProxyJump bastion");
  config.insert(config.find("Host bastion\n") + 13,
                "  ServerAliveInterval 1\n  ServerAliveCountMax 2\n");
  const std::string path = lab.dir().str() + "/ssh_config";
  std::ofstream(path) << config;
  lab.make_kitchen(kitchen, path, 3, "true");
  const int child = brigade::test::spawn_brigade(
      {"exec", "-k", kitchen.str(), "node:all", "--", "touch " + started + "/$$; exec sleep 60"},
      kitchen.str() + "/out", kitchen.str() + "/err");
  auto count = [&] {
    return std::distance(std::filesystem::directory_iterator(started),
                         std::filesystem::directory_iterator());
  };
  for (int attempt = 0; attempt < 600 && count() < 3; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(count() == 3);
  lab.bastion().signal_connections(SIGSTOP);
  const int status = brigade::test::wait_for_exit(child, 20000);
  lab.bastion().signal_connections(SIGCONT);
  CHECK(status == 1);
  const std::string err = brigade::test::run_shell_ok("cat " + kitchen.str() + "/err");
  INFO(err);
  CHECK(err.find(fmt::format("jump host bastion (root@127.0.0.1 port {}) is not responding: 2 "
                             "keepalives unanswered (ServerAliveInterval 1, ServerAliveCountMax 2)",
                             lab.bastion().port())) != std::string::npos);
}

TEST_CASE("SIGINT through a jump host stops the remote commands", "[sshd][jump][exec]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  JumpLab lab;
  TempDir kitchen;
  const std::string pids = lab.dir().str() + "/pids";
  std::filesystem::create_directories(pids);
  lab.make_kitchen(kitchen, lab.write_ssh_config("ProxyJump bastion"), 8, "true");
  const int child = brigade::test::spawn_brigade(
      {"exec", "-k", kitchen.str(), "node:all", "--", "echo $$ > " + pids + "/$$; exec sleep 600"},
      kitchen.str() + "/out", kitchen.str() + "/err");
  auto listed = [&] {
    std::vector<int> found;
    for (const auto& entry : std::filesystem::directory_iterator(pids)) {
      found.push_back(std::stoi(entry.path().filename().string()));
    }
    return found;
  };
  for (int attempt = 0; attempt < 600 && listed().size() < 8; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(listed().size() == 8);
  ::kill(child, SIGINT);
  CHECK(brigade::test::wait_for_exit(child, 10000) == 130);
  const auto remote = listed();
  std::size_t alive = remote.size();
  for (int attempt = 0; attempt < 100 && alive > 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    alive = static_cast<std::size_t>(
        std::count_if(remote.begin(), remote.end(), [](int pid) { return ::kill(pid, 0) == 0; }));
  }
  CHECK(alive == 0);
}
