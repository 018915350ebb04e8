#pragma once

#include <string>
#include <vector>

namespace brigade::test {

/// What an in-process `brigade …` printed and returned.
struct CliRun {
  int status;
  std::string out;
  std::string err;
};

/// Runs the CLI in this process with `args` (without the program name).
CliRun run_brigade(std::vector<std::string> args);

/// The LittleChef kitchen of tests/fixtures, and the example kitchen in conf/.
inline const std::string kFixture = std::string(BRIGADE_FIXTURES) + "/littlechef_kitchen";
inline const std::string kExampleKitchen = std::string(BRIGADE_CONF_DIR) + "/kitchen";

/// `err` without the warnings the fixture kitchen always prints (it is meant to carry them).
std::string without_warnings(const std::string& err);

/// A node log without the UTC time stamp that starts each of its lines.
std::string without_time_stamps(const std::string& log);

/// The lines of `text`, without their newlines.
std::vector<std::string> lines_of(const std::string& text);

}  // namespace brigade::test
