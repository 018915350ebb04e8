#pragma once

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/util/result.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace brigade {

/// When a hook runs.
enum class HookType {
  global_predeployhook,
  global_postdeployhook,
  predeployhook,
  postdeployhook,
  postbatchhook,  ///< A gate between two batches of a staged rollout.
};

/// The name as written in a definition.
const char* hook_type_name(HookType type);

/// How people read it: "global pre hook", "global post hook", "pre hook", "post hook", "batch
/// gate".
const char* hook_kind(HookType type);

/// What a hook's filters look at (in the order `list hooks` shows them).
enum class HookFilter { chef_environment, nodes, recipes, roles, tags };

/// The key as written in a definition: "chef_environment", "nodes", …
const char* hook_filter_name(HookFilter filter);

/// A pre or post deploy hook from the kitchen's hooks/ directory.
struct Hook {
  std::string name;
  HookType type = HookType::predeployhook;
  /// Filter → glob patterns. A node matches when every filter present has a pattern that
  /// matches; no filters match every node.
  std::map<HookFilter, std::vector<std::string>> filters;
  std::vector<std::string> exec;  ///< The executable (resolved path) and its fixed arguments.
  std::optional<std::chrono::seconds> timeout;
  std::string file;          ///< Where it is defined, as shown to the user.
  std::size_t position = 0;  ///< Its index in that file.

  bool matches(const Node& node) const;
};

/// Reads every `hooks/*.json` of the kitchen at `root`, in file-name order and then position,
/// and validates all of it before anything runs: every problem found is reported (the first as
/// the error, the rest in its `also`), with file, line, column and the nearest valid word.
/// Keys given twice in one object go to `warnings`.
Result<std::vector<Hook>> load_hooks(const std::filesystem::path& root,
                                     std::vector<Diagnostic>* warnings = nullptr);

}  // namespace brigade
