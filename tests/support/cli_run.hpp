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

/// The lines of `text`, without their newlines.
std::vector<std::string> lines_of(const std::string& text);

}  // namespace brigade::test
