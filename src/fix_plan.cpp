#include "fix_plan.hpp"

#include "fix_progress.hpp"

#include <brigade/hook_runner.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>
#include <utility>

namespace brigade {

void print_fix_plan(std::ostream& out, const Selection& selection, const std::vector<Hook>& hooks,
                    const std::vector<NodeCount>& sizes, const std::optional<NodeCount>& max_fail,
                    const FixOptions& options) {
  const auto& nodes = selection.nodes;
  const auto batches = plan_batches(nodes.size(), sizes);
  auto plural = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  out << "Plan: " << plural(nodes.size(), "node", "nodes");
  if (options.environment) {
    out << " in environment " << *options.environment;
  }
  out << ", " << plural(batches.size(), "batch", "batches") << ", at most " << options.parallel
      << " in flight";
  if (max_fail) {
    out << ", stop after more than "
        << plural(max_fail->budget(nodes.size()), "failure", "failures");
  }
  out << " (dry run, nothing is touched)\n";
  auto global_hooks = [&](HookType type, const char* title, const char* leading) {
    bool first = true;
    for (const auto& hook : hooks) {
      if (hook.type != type) {
        continue;
      }
      auto names = matching_node_names(hook, nodes);
      if (names.empty()) {
        continue;
      }
      if (std::exchange(first, false)) {
        out << title << ":\n";
      }
      out << "  " << hook.name << ": " << fmt::format("{}", fmt::join(hook.exec, " ")) << leading
          << " " << join_shortened(names, 4, "nodes") << '\n';
    }
  };
  auto node_hook_names = [&](HookType type, const Node& node) {
    std::vector<std::string> names;
    for (const Hook* hook : node_hooks(hooks, type, node)) {
      names.push_back("'" + hook->name + "'");
    }
    return names;
  };
  global_hooks(HookType::global_predeployhook, "Global pre hooks, in order", "");
  std::size_t next = 0;
  for (std::size_t b = 0; b < batches.size(); ++b) {
    out << "Batch " << b + 1 << " of " << batches.size() << " ("
        << plural(batches[b], "node", "nodes") << "):\n";
    for (std::size_t i = 0; i < batches[b]; ++i) {
      const Node& node = *nodes[next++];
      out << "  " << node.name;
      auto pre = node_hook_names(HookType::predeployhook, node);
      auto post = node_hook_names(HookType::postdeployhook, node);
      if (!pre.empty()) {
        out << fmt::format("  pre hooks {}", fmt::join(pre, ", "));
      }
      if (!post.empty()) {
        out << fmt::format("{} post hooks {}", pre.empty() ? " " : ";", fmt::join(post, ", "));
      }
      out << '\n';
    }
  }
  global_hooks(HookType::global_postdeployhook, "Global post hooks, in order", " <exit code>");
  if (!selection.left_out.empty()) {
    out << "Left out (dummy):\n";
    for (const Node* node : selection.left_out) {
      out << "  " << node->name << '\n';
    }
  }
}

}  // namespace brigade
