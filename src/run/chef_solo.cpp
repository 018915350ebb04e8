#include <brigade/run/chef_solo.hpp>

#include <fmt/format.h>

namespace brigade {

std::string chef_solo_layout(const std::string& command, const std::string& work_path,
                             bool keep_log) {
  const std::string node_json = ssh::shell_quote(work_path + "/node.json");
  // Removed first: a file left with another mode would keep it.
  std::string text = fmt::format(
      "mkdir -p /etc/chef && rm -f {0} && ( umask 0277 && exec cat {1} > {0} ) || exit; ",
      kChefNodeJson, node_json);
  if (!keep_log) {
    return text + command;
  }
  // The status travels on fd 3 out of the pipe (POSIX sh has no pipefail); chef-solo and tee
  // get neither 3 nor 4, so nothing they leave running holds the command substitution open.
  return text + fmt::format(
                    "mkdir -p /var/log/chef && {{ [ ! -e {0} ] || mv -f {0} {0}.1; }} || exit; "
                    "exec 4>&1; s=$( {{ {{ {1} 2>&1 3>&- 4>&-; echo $? >&3; }} | "
                    "tee {0} >&4 3>&- 4>&-; }} 3>&1 ); exec 4>&-; exit ${{s:-1}}",
                    kChefSoloLog, command);
}

void ChefSoloWatch::on_line(OutputStream stream, std::string_view line) {
  if (line.find("FATAL: Stacktrace dumped") != std::string_view::npos) {
    stacktrace_ = true;
  }
  if (line.find("Chef Run complete") != std::string_view::npos ||
      line.find("Report handlers complete") != std::string_view::npos) {
    complete_ = true;
  }
  // dash: "sh: 1: chef-solo: not found"; bash: "bash: line 1: chef-solo: command not found".
  // On either stream: with the log kept, stderr comes through the pipe with stdout.
  (void)stream;
  if (line.find("chef-solo: ") != std::string_view::npos &&
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
