#include "support/cli_run.hpp"

#include <brigade/cli/cli.hpp>

#include <sstream>

namespace brigade::test {

CliRun run_brigade(std::vector<std::string> args) {
  args.insert(args.begin(), "brigade");
  std::vector<const char*> argv;
  for (const auto& arg : args) {
    argv.push_back(arg.c_str());
  }
  std::ostringstream out;
  std::ostringstream err;
  int status = brigade::run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  return {status, out.str(), err.str()};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

}  // namespace brigade::test
