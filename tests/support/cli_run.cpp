#include "support/cli_run.hpp"

#include <brigade/cli/cli.hpp>

#include <regex>
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

std::string without_warnings(const std::string& err) {
  std::istringstream in(err);
  std::string line;
  std::string kept;
  bool in_warning = false;
  while (std::getline(in, line)) {
    if (line.starts_with("brigade: warning: ")) {
      in_warning = true;
      continue;
    }
    if (in_warning && line.starts_with("    ")) {
      continue;
    }
    in_warning = false;
    kept += line + '\n';
  }
  return kept;
}

std::string without_time_stamps(const std::string& log) {
  static const std::regex stamp(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z )");
  std::string out;
  for (const auto& line : lines_of(log)) {
    out += std::regex_replace(line, stamp, "", std::regex_constants::format_first_only);
    out += '\n';
  }
  return out;
}

}  // namespace brigade::test
