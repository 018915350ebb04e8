#include <brigade/run/chef_solo.hpp>

namespace brigade {

void ChefSoloWatch::on_line(OutputStream stream, std::string_view line) {
  if (line.find("FATAL: Stacktrace dumped") != std::string_view::npos) {
    stacktrace_ = true;
  }
  if (line.find("Chef Run complete") != std::string_view::npos ||
      line.find("Report handlers complete") != std::string_view::npos) {
    complete_ = true;
  }
  // dash: "sh: 1: chef-solo: not found"; bash: "bash: line 1: chef-solo: command not found".
  if (stream == OutputStream::err && line.find("chef-solo: ") != std::string_view::npos &&
      line.find("not found") != std::string_view::npos) {
    not_found_ = true;
  }
  next_.on_line(stream, line);
}

std::optional<std::string> ChefSoloWatch::failure(int exit_status) const {
  if (exit_status == 127 && not_found_) {
    return "chef-solo is not installed on this node (exit 127: not found on its PATH)";
  }
  if (exit_status != 0) {
    return std::nullopt;  // the exit status says it
  }
  if (stacktrace_) {
    return "chef-solo exited 0 but its output says 'FATAL: Stacktrace dumped'";
  }
  if (!complete_) {
    return "chef-solo exited 0 but its output has neither 'Chef Run complete' nor 'Report "
           "handlers complete': the run did not finish";
  }
  return std::nullopt;
}

}  // namespace brigade
