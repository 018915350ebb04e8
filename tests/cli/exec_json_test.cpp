// brigade exec --json: each node's object as it finishes, its output bounded, and a line for
// every node the run never reached.

#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

using brigade::test::lines_of;
using brigade::test::run_brigade;
using brigade::test::Sshd;
using brigade::test::TempDir;

namespace {

std::vector<nlohmann::json> objects_of(const std::string& out) {
  std::vector<nlohmann::json> objects;
  for (const auto& line : lines_of(out)) {
    INFO(line);
    auto object = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_FALSE(object.is_discarded());
    objects.push_back(std::move(object));
  }
  return objects;
}

}  // namespace

TEST_CASE("brigade exec --json: a node's output is kept up to --json-max-output, whole lines",
          "[sshd][exec][json]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 1, "true");
  // Three stdout lines of 400 bytes (401 with the newline) against a bound of 1K: two are kept.
  auto run =
      run_brigade({"exec", "-k", kitchen.str(), "--json", "--json-max-output", "1K", "node:all",
                   "--", "for i in 1 2 3; do printf \"%0400d\\n\" $i; done; echo warn >&2"});
  INFO(run.err);
  CHECK(run.status == 0);
  auto objects = objects_of(run.out);
  REQUIRE(objects.size() == 1);
  const auto& node = objects.front();
  CHECK(node["started"] == true);
  CHECK(node["rc"] == 0);
  CHECK(node["stdout"].get<std::string>() == fmt::format("{:0400d}\n{:0400d}\n", 1, 2));
  CHECK(node["stdout_omitted"] == 401);
  CHECK(node["stderr"] == "warn\n");
  CHECK(node["stderr_omitted"] == 0);

  // 0 keeps everything.
  auto all = run_brigade({"exec", "-k", kitchen.str(), "--json", "--json-max-output", "0",
                          "node:all", "--", "for i in 1 2 3; do printf \"%0400d\\n\" $i; done"});
  auto complete = objects_of(all.out);
  REQUIRE(complete.size() == 1);
  CHECK(complete.front()["stdout"].get<std::string>().size() == 3 * 401);
  CHECK(complete.front()["stdout_omitted"] == 0);
}

TEST_CASE("brigade exec --json: 50 MB from a node do not stay in memory", "[sshd][exec][json]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 1, "true");
  const int pid =
      brigade::test::spawn_brigade({"exec", "-k", kitchen.str(), "--json", "node:all", "--",
                                    "head -c 50000000 /dev/zero | tr '\\0' x | fold -w 999"},
                                   kitchen.str() + "/out", kitchen.str() + "/err");
  int status = 0;
  rusage usage{};
  pid_t ended = 0;
  for (int attempt = 0; attempt < 1200 && ended == 0; ++attempt) {  // at most 60 s
    ended = ::wait4(pid, &status, WNOHANG, &usage);
    if (ended == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (ended == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  REQUIRE(ended == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  auto objects = objects_of(brigade::test::file_text(kitchen.str() + "/out"));
  REQUIRE(objects.size() == 1);
  const auto kept = objects.front()["stdout"].get<std::string>().size();
  CHECK(kept <= 1024 * 1024);
  // Every line counts its newline, the last one too (fold ends without one; Brigade adds it).
  CHECK(kept + objects.front()["stdout_omitted"].get<std::size_t>() ==
        50000000 + (50000000 + 998) / 999);
  // The default bound is 1 MiB: all else is the process itself (≈ 20 MiB here), far from 50 MB.
  CHECK(usage.ru_maxrss < 48 * 1024);  // KiB
}

TEST_CASE("brigade exec --json: interrupted, every node still gets its line",
          "[sshd][exec][json]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 6, "true");
  std::filesystem::create_directories(sshd.path("pids"));
  const int pid = brigade::test::spawn_brigade(
      {"exec", "-k", kitchen.str(), "--json", "--parallel", "2", "node:all", "--",
       "echo $$ > " + sshd.path("pids") + "/$$; exec sleep 600"},
      kitchen.str() + "/out", kitchen.str() + "/err");
  REQUIRE(brigade::test::wait_for_entries(sshd.path("pids"), 2, 60000) == 2);
  ::kill(pid, SIGINT);
  CHECK(brigade::test::wait_for_exit(pid, 10000) == 130);
  auto objects = objects_of(brigade::test::file_text(kitchen.str() + "/out"));
  REQUIRE(objects.size() == 6);
  int started = 0;
  std::set<std::string> names;
  for (const auto& object : objects) {
    names.insert(object["name"].get<std::string>());
    if (object["started"] == true) {
      ++started;
      CHECK(object["error"] == "cancelled; the command was stopped");
    } else {
      CHECK(object["error"] == "not started: the run was stopped first");
      CHECK(object["rc"].is_null());
    }
  }
  CHECK(started == 2);
  CHECK(names.size() == 6);
}
