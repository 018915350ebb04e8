#pragma once

#include <brigade/kitchen/hooks.hpp>
#include <brigade/kitchen/kitchen.hpp>
#include <brigade/run/run_report.hpp>

#include <asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// What every hook of a run is told through BRIGADE_* variables.
struct HookEnvironment {
  std::string kitchen;                     ///< BRIGADE_KITCHEN, also the working directory.
  std::string run_id;                      ///< BRIGADE_RUN_ID
  std::optional<std::string> environment;  ///< BRIGADE_ENVIRONMENT, when --env is given.
};

/// One hook to run and the arguments Brigade adds after its exec list.
struct HookCall {
  const Hook* hook;
  std::vector<std::string> args;
};

/// Who hears about hooks as they run; any of them may be empty.
struct HookEvents {
  std::function<void(const Hook& hook)> started;
  /// A line of output (`true` for stderr).
  std::function<void(const Hook& hook, bool is_stderr, std::string_view line)> output;
  std::function<void(const HookRecord& record)> finished;
};

/// Hooks of `type` for one node, in definition order (file name, then position).
std::vector<const Hook*> node_hooks(const std::vector<Hook>& hooks, HookType type,
                                    const Node& node);

/// The names of the `nodes` a global hook's filters match, in their order: its arguments.
std::vector<std::string> matching_node_names(const Hook& hook,
                                             const std::vector<const Node*>& nodes);

/// Whether the hooks run one after another until one fails, or all of them run.
enum class OnHookFailure { stop, go_on };

/// Runs `calls` one after another on the caller's io_context, each with the kitchen as working
/// directory, stdin from /dev/null and BRIGADE_HOOK_NAME, BRIGADE_HOOK_TYPE, BRIGADE_RUN_ID,
/// BRIGADE_KITCHEN, BRIGADE_ENVIRONMENT and (node hooks) BRIGADE_BATCH added to the environment.
/// Each one's record is appended to `records` as it ends. Cancellation
/// stops the running hook (TERM, then KILL 5 s later), which is recorded as cancelled, and
/// runs no further hook. Returns the first failed record's index, or nothing when all succeeded.
asio::awaitable<std::optional<std::size_t>> run_hooks(std::vector<HookCall> calls,
                                                      const HookEnvironment& environment,
                                                      std::optional<std::size_t> batch,
                                                      OnHookFailure on_failure, HookEvents events,
                                                      std::vector<HookRecord>& records);

}  // namespace brigade
