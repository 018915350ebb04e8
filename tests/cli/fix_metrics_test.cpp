// fix --metrics: Prometheus' text exposition format for node_exporter's textfile collector,
// checked by promtool (Prometheus' own parser and linter) and line by line against the format's
// grammar, each node's last success kept across runs.

#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using brigade::test::file_text;
using brigade::test::run_brigade;
using brigade::test::run_shell;
using brigade::test::Sshd;
using brigade::test::TempDir;

namespace {

// The samples of a text exposition, by series ("name{labels}"); a line the grammar does not
// allow, a sample before its TYPE, or a series twice fails the test.
std::map<std::string, double> parse_exposition(const std::string& text) {
  static const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$)");
  static const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|untyped)$)");
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:\\[\\"n]|[^"\\\n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:\\[\\"n]|[^"\\\n])*")*\})? (-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)$)");
  std::map<std::string, double> samples;
  std::set<std::string> typed;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    std::smatch match;
    if (std::regex_match(line, match, type)) {
      CHECK(typed.insert(match[1]).second);
    } else if (std::regex_match(line, match, sample)) {
      CHECK(typed.count(match[1]) == 1);
      CHECK(samples.emplace(match[1].str() + match[2].str(), std::stod(match[3])).second);
    } else {
      CHECK(std::regex_match(line, help));
    }
  }
  CHECK(text.ends_with("\n"));
  return samples;
}

// promtool from PATH, or the one scripts/setup took out of Debian's prometheus package.
std::string promtool() {
  if (run_shell("command -v promtool >/dev/null").status == 0)
    return "promtool";
  const std::string fetched = std::string(BRIGADE_TOOLS) + "/promtool";
  return ::access(fetched.c_str(), X_OK) == 0 ? fetched : std::string();
}

// Prometheus' own reading of the file: parse errors and lint problems (names, units, HELP).
void check_with_promtool(const std::string& path) {
  const std::string tool = promtool();
  if (tool.empty()) {
    WARN("promtool not found (scripts/setup fetches it); checked against the grammar only");
    return;
  }
  auto checked = run_shell(tool + " check metrics < " + path + " 2>&1");
  INFO(checked.output);
  CHECK(checked.status == 0);
  CHECK(checked.output.empty());
}

}  // namespace

TEST_CASE("fix --metrics: the run's figures, each node's last success kept across runs",
          "[sshd][deploy][metrics]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::string flag = kitchen.str() + "/n01-fails";
  brigade::test::make_fleet_kitchen(
      kitchen, sshd, 3,
      "if [ {node} = n01.fleet.test ] && [ -e " + flag + " ]; then exit 1; fi; sleep 0.1");
  const std::string metrics = kitchen.str() + "/brigade.prom";
  auto first = run_brigade({"fix", "-k", kitchen.str(), "node:all", "-y", "--metrics", metrics});
  REQUIRE(first.status == 0);
  check_with_promtool(metrics);
  auto before = parse_exposition(file_text(metrics));
  CHECK(before["brigade_last_run_exit_code"] == 0);
  CHECK(before["brigade_last_run_nodes{status=\"deployed\"}"] == 3);
  CHECK(before["brigade_last_run_nodes{status=\"failed\"}"] == 0);
  CHECK(before["brigade_last_run_end_timestamp_seconds"] >=
        before["brigade_last_run_start_timestamp_seconds"]);
  const std::string n01 = "brigade_node_last_success_timestamp_seconds{node=\"n01.fleet.test\"}";
  const std::string n02 = "brigade_node_last_success_timestamp_seconds{node=\"n02.fleet.test\"}";
  REQUIRE(before.count(n01) == 1);
  CHECK(before["brigade_node_last_success_duration_seconds{node=\"n01.fleet.test\"}"] >= 0.1);
  struct stat info {};
  REQUIRE(::stat(metrics.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0644);  // node_exporter runs as a user of its own

  // n01 fails now, and n03 is not in the run: both keep their last success; n02 moves on.
  kitchen.write("n01-fails", "");
  auto second = run_brigade(
      {"fix", "-k", kitchen.str(), "node:n01.fleet.test,n02.fleet.test", "--metrics", metrics});
  CHECK(second.status == 1);
  check_with_promtool(metrics);
  auto after = parse_exposition(file_text(metrics));
  CHECK(after["brigade_last_run_exit_code"] == 1);
  CHECK(after["brigade_last_run_nodes{status=\"failed\"}"] == 1);
  CHECK(after[n01] == before[n01]);
  CHECK(after[n02] > before[n02]);
  CHECK(after["brigade_node_last_success_timestamp_seconds{node=\"n03.fleet.test\"}"] ==
        before["brigade_node_last_success_timestamp_seconds{node=\"n03.fleet.test\"}"]);

  // A previous file that is not Brigade's own is read for what it holds of Brigade's, no more.
  kitchen.write("brigade.prom",
                "garbage {{{\nbrigade_node_last_success_timestamp_seconds{node=\"x\\\"y\"} 12.5\n");
  auto third =
      run_brigade({"fix", "-k", kitchen.str(), "node:n02.fleet.test", "--metrics", metrics});
  CHECK(third.status == 0);
  check_with_promtool(metrics);
  auto kept = parse_exposition(file_text(metrics));
  CHECK(kept["brigade_node_last_success_timestamp_seconds{node=\"x\\\"y\"}"] == 12.5);
  CHECK(kept.count(n01) == 0);
}

TEST_CASE("fix: an output file that is a device or a directory is an error before any node",
          "[sshd][deploy][metrics]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 1, "touch " + sshd.dir().str() + "/touched");
  // As root, renaming over /dev/null would have made it a regular file for the whole machine.
  for (const std::string option : {"--report", "--junit", "--metrics"}) {
    for (const auto& path : {std::string("/dev/null"), kitchen.str()}) {
      INFO(option << " " << path);
      auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "-y", option, path});
      CHECK(run.status == 2);
      CHECK(run.err.find(option + " ") != std::string::npos);
      CHECK(run.err.find("not a regular file") != std::string::npos);
    }
  }
  CHECK_FALSE(std::filesystem::exists(sshd.dir().str() + "/touched"));
  struct stat info {};
  REQUIRE(::stat("/dev/null", &info) == 0);
  CHECK(S_ISCHR(info.st_mode));
}
