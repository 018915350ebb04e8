#include "support/process.hpp"
#include "support/sshd.hpp"

#include <brigade/run/fleet_run.hpp>
#include <brigade/run/run_plan.hpp>
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

#include <algorithm>
#include <filesystem>
#include <functional>
#include <thread>

using namespace brigade;
using brigade::test::Sshd;

namespace {

struct Collector : RunObserver {
  std::size_t finished = 0;
  std::vector<NodeResult> results;
  void node_finished(const NodeResult& node) override {
    ++finished;
    results.push_back(node);
  }
};

ssh::HostConfig host_for(const Sshd& sshd, const std::string& name, int connect_timeout) {
  auto host = brigade::test::host_config(sshd, name);
  host.connect_timeout = std::chrono::seconds(connect_timeout);
  return host;
}

bool process_alive(int pid) {
  return ::kill(pid, 0) == 0;
}

}  // namespace

TEST_CASE("ssh exec: each node's command, its exit status or signal, its output lines",
          "[sshd][exec]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  std::vector<Node> nodes(3);
  std::vector<const Node*> node_list;
  std::vector<ssh::HostConfig> hosts;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].name = fmt::format("n{}.fleet.test", i + 1);
    hosts.push_back(host_for(sshd, nodes[i].name, 30));
    node_list.push_back(&nodes[i]);
  }
  ssh::Libssh2Library library;
  ssh::HostKeyStore host_keys;
  ssh::Credentials credentials;
  Collector collector;
  SshExec action(hosts, "echo out; echo err >&2; [ \"$(cat)\" = '' ] && exit 3", false,
                 ssh::SessionContext{&host_keys, &credentials});
  const std::vector<Hook> no_hooks;
  const RunPlan plan = plan_run(node_list, no_hooks, {});
  RunOptions options;
  options.parallel = 2;
  FleetRun run(node_list, plan, options, action, collector);
  asio::io_context context(1);
  bool done = false;
  asio::co_spawn(context, run.run(), [&](std::exception_ptr e) {
    done = true;
    REQUIRE_FALSE(e);
  });
  context.run_for(std::chrono::seconds(60));
  REQUIRE(done);
  CHECK(run.exit_code() == 1);
  REQUIRE(collector.results.size() == 3);
  // Each command ran with an empty stdin (the wrapper's), and its exit status came back.
  for (const auto& result : run.results()) {
    CHECK(result.status == NodeStatus::failed);
    CHECK(result.rc == 3);
    CHECK(result.signal.empty());
    CHECK_FALSE(result.failure.has_value());
    CHECK(result.reason("the command") == "the command exited with 3");
  }
}

TEST_CASE("fleet exec: cancelling 500 sessions in flight ends them all and stops the commands",
          "[sshd][exec][cancel]") {
  BRIGADE_REQUIRE_SSHD();
  constexpr std::size_t kSessions = 500;
  Sshd sshd;
  std::filesystem::create_directories(sshd.path("pids"));
  std::vector<ssh::HostConfig> hosts;
  std::vector<Node> nodes(kSessions);
  std::vector<const Node*> node_list;
  for (std::size_t i = 0; i < kSessions; ++i) {
    nodes[i].name = fmt::format("n{:03}.fleet.test", i);
    hosts.push_back(host_for(sshd, nodes[i].name, 120));
    node_list.push_back(&nodes[i]);
  }
  ssh::Libssh2Library library;
  ssh::HostKeyStore host_keys;
  ssh::Credentials credentials;
  Collector collector;
  SshExec action(hosts, "echo $$ > " + sshd.path("pids") + "/$$; exec sleep 600", false,
                 ssh::SessionContext{&host_keys, &credentials});
  const std::vector<Hook> no_hooks;
  const RunPlan plan = plan_run(node_list, no_hooks, {});
  RunOptions options;
  options.parallel = kSessions;
  FleetRun run(node_list, plan, options, action, collector);

  asio::io_context context(1);
  bool done = false;
  std::chrono::steady_clock::time_point cancelled_at;
  std::chrono::steady_clock::time_point ended_at;
  asio::co_spawn(context, run.run(), [&](std::exception_ptr e) {
    ended_at = std::chrono::steady_clock::now();
    done = true;
    REQUIRE_FALSE(e);
  });
  // Cancel once every command runs (each wrote its pid), polling at most 120 s.
  asio::steady_timer poll(context);
  std::function<void(asio::error_code)> check = [&](asio::error_code) {
    std::size_t running = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator(sshd.path("pids"))) {
      ++running;
    }
    if (running >= kSessions ||
        std::chrono::steady_clock::now() - cancelled_at > std::chrono::seconds(120)) {
      cancelled_at = std::chrono::steady_clock::now();
      run.interrupt(SIGINT);
      return;
    }
    poll.expires_after(std::chrono::milliseconds(100));
    poll.async_wait(check);
  };
  cancelled_at = std::chrono::steady_clock::now();
  poll.expires_after(std::chrono::milliseconds(100));
  poll.async_wait(check);
  context.run_for(std::chrono::seconds(180));
  REQUIRE(done);

  std::vector<int> pids;
  for (const auto& entry : std::filesystem::directory_iterator(sshd.path("pids"))) {
    pids.push_back(std::stoi(entry.path().filename().string()));
  }
  REQUIRE(pids.size() == kSessions);
  const auto& results = run.results();
  REQUIRE(results.size() == kSessions);
  std::size_t cancelled = 0;
  for (const auto& r : results) {
    cancelled += r.status == NodeStatus::cancelled && r.failure == FailureKind::cancelled ? 1 : 0;
  }
  CHECK(cancelled == kSessions);
  CHECK(collector.finished == kSessions);
  auto teardown = std::chrono::duration_cast<std::chrono::milliseconds>(ended_at - cancelled_at);
  INFO("all sessions ended " << teardown.count() << " ms after the cancellation");
  // A bound on a hang (a session left waiting on its peer), not a speed assertion: on a
  // quiet machine this is tens of milliseconds.
  CHECK(teardown < std::chrono::seconds(5));

  // The remote commands go too: sshd sees the connection drop, the wrapper sees EOF.
  std::size_t alive = pids.size();
  for (int attempt = 0; attempt < 100 && alive > 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    alive = static_cast<std::size_t>(std::count_if(pids.begin(), pids.end(), process_alive));
  }
  CHECK(alive == 0);
}
