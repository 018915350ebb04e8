#pragma once

#include <brigade/kitchen/hooks.hpp>
#include <brigade/util/failure.hpp>
#include <brigade/util/result.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// What became of one selected node in a run.
enum class NodeStatus { deployed, failed, skipped, cancelled, not_started };

/// "deployed", "failed", "skipped", "cancelled", "not_started".
const char* node_status_name(NodeStatus status);

/// One hook that ran, as the report lists it (per node, or at run level for global hooks).
struct HookRecord {
  std::string name;
  HookType type = HookType::predeployhook;
  std::vector<std::string> args;  ///< What Brigade added after the hook's own exec list.
  std::optional<int> rc;          ///< Its exit status, when it exited by itself.
  std::string signal;             ///< "TERM", "KILL", … when a signal ended it.
  bool timed_out = false;
  bool cancelled = false;  ///< Stopped because the run was aborted or interrupted.
  bool ran = true;         ///< false: the run was cancelled before this hook's turn.
  std::chrono::system_clock::time_point started;
  double duration_s = 0;
  std::vector<std::string> tail;  ///< Its last lines of output, for the summary.

  bool succeeded() const { return rc == 0 && !timed_out && !cancelled; }
  /// "exit 3", "killed by signal KILL", "timed out after its 5 s", "cancelled", "exit 0".
  std::string outcome() const;
  /// The run's exit code this result stands for: rc, else 1.
  int exit_code() const { return rc && !timed_out && !cancelled ? *rc : 1; }
};

/// What became of one node of a run: its line in the report.
struct NodeResult {
  std::string name;
  NodeStatus status = NodeStatus::not_started;
  std::optional<int> rc;  ///< The command's exit status, when it ran to its end.
  std::string signal;     ///< The signal that ended the command, if one did.
  /// Why the node's work did not run to its end or did not count (a hook, a cancellation).
  std::optional<FailureKind> failure;
  std::string error;  ///< The failure's own message, without its kind.
  std::optional<std::chrono::system_clock::time_point> started;
  std::optional<std::chrono::system_clock::time_point> finished;
  double duration_s = 0;
  std::size_t batch = 0;          ///< 1-based.
  std::string log;                ///< The node's log file (empty: the run keeps no node logs).
  std::string log_error;          ///< Why the log could not be written in full, if it could not.
  bool transferred = false;       ///< The kitchen was sent (false: the node already held it).
  std::vector<std::string> tail;  ///< The last lines of output, for the summary.
  std::vector<HookRecord> hooks;  ///< The node's pre and post hooks that ran, in order.

  /// Why it did not succeed, for people: "auth: …", "pre hook 'x' failed (exit 3): not
  /// deployed", "<command> exited with 2", "<command> was killed by signal KILL"; empty when
  /// it succeeded or never started.
  std::string reason(std::string_view command) const;
};

/// How a deploy's messages name its command: "the converge command exited with 2".
inline constexpr std::string_view kConvergeCommandNoun = "the converge command";

/// Everything a run did, as written to report.json (see the README for the format).
struct RunReport {
  std::string run_id;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;
  int exit_code = 0;
  bool aborted = false;
  std::string abort_reason;
  nlohmann::json selection;           ///< Selectors and options.
  std::vector<std::string> left_out;  ///< Selected but dummy: never deployed.
  std::vector<std::vector<std::string>> batches;
  std::vector<NodeResult> nodes;
  std::vector<HookRecord> hooks;  ///< Global pre and post hooks that ran, in order.
  /// By node name: the jump hosts it is reached through, the first connected to first, as
  /// "bastion (admin@10.0.0.1 port 22)"; a node reached directly has none.
  std::map<std::string, std::vector<std::string>> jump_hosts;

  nlohmann::ordered_json to_json() const;

  /// report.json's text: to_json().dump(2) and a newline, bytes that are not UTF-8 replaced,
  /// written one node at a time, so a report of 10,000 nodes never exists as one JSON tree
  /// (≈ 3 KB a node, 30 MB at 10,000: most of the run's peak memory).
  std::string to_json_text() const;

 private:
  nlohmann::ordered_json to_json_head() const;  ///< The members before "nodes".
};

/// `2026-11-25T10:45:00.123Z`
std::string iso8601_utc(std::chrono::system_clock::time_point when);

}  // namespace brigade
