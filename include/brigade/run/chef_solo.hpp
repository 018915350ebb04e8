#pragma once

// chef-solo's verdict as LittleChef reads it: chef-solo's exit status alone is not trusted
// (LittleChef ran it through a pipe and judged the output), so a run is done only when its
// output says so.

#include <brigade/run/node_action.hpp>
#include <brigade/ssh/remote_command.hpp>

#include <optional>
#include <string>

namespace brigade {

/// Where LittleChef keeps chef-solo's output on the node (the run before in solo.log.1).
inline constexpr const char* kChefSoloLog = "/var/log/chef/solo.log";
/// Where LittleChef puts node.json for chef-solo (mode 0400).
inline constexpr const char* kChefNodeJson = "/etc/chef/node.json";

/// The default chef-solo `command` (rendered) run with the node's files where LittleChef lays
/// them out: node.json from `work_path` also at kChefNodeJson, mode 0400; with `keep_log`,
/// the output also written to kChefSoloLog (the previous one moved to solo.log.1), stdout
/// and stderr together there and in Brigade's log, as LittleChef's pty had them, and
/// chef-solo's exit status kept.
std::string chef_solo_layout(const std::string& command, const std::string& work_path,
                             bool keep_log);

/// Passes a converge's lines on to `next` and notes what chef-solo says about its run.
class ChefSoloWatch : public NodeOutput {
 public:
  explicit ChefSoloWatch(NodeOutput& next) : next_(next) {}

  void on_line(OutputStream stream, std::string_view line) override;
  void note(const std::string& text) override { next_.note(text); }

  /// Why the deploy failed though chef-solo's exit status does not say so (0), or why it
  /// failed in words better than its status (127: not installed); nullopt when the exit status
  /// stands as it is. `exit_status` is -1 when a signal ended it.
  std::optional<std::string> failure(int exit_status) const;

 private:
  NodeOutput& next_;
  bool stacktrace_ = false;  ///< "FATAL: Stacktrace dumped"
  bool complete_ = false;    ///< "Chef Run complete" or "Report handlers complete"
  bool not_found_ = false;   ///< the shell could not find chef-solo
};

}  // namespace brigade
