#include <brigade/cli/fix_plan.hpp>
#include <brigade/cli/fix_progress.hpp>
#include <brigade/run/hook_runner.hpp>
#include <brigade/util/strings.hpp>

#include <string>
#include <utility>

namespace brigade {

void print_fix_plan(std::ostream& out, const Selection& selection, const RunPlan& plan,
                    const FailurePolicy& failures, const FixOptions& options) {
  const auto& nodes = selection.nodes;
  out << "Plan: " << plural(nodes.size(), "node", "nodes");
  if (options.environment) {
    out << " in environment " << *options.environment;
  }
  out << ", " << plural(plan.batches.size(), "batch", "batches") << ", at most " << options.parallel
      << " in flight";
  if (failures.budget) {
    out << ", stop after more than "
        << plural(failures.budget->budget(nodes.size()), "failure", "failures");
  } else if (failures.stop_after_failed_batch && plan.batches.size() > 1) {
    out << ", a batch with a failure stops the rollout";
  }
  out << " (dry run, nothing is touched)\n";
  if (!options.run_list.empty()) {
    std::vector<std::string> entries;
    for (const auto& entry : options.run_list) {
      entries.push_back(entry.text());
    }
    out << "Every node converges run_list " << join(entries, ", ")
        << " instead of its own (role:/recipe: orders)\n";
  }
  auto global_hooks = [&](const std::vector<HookCall>& calls, const char* title,
                          const char* leading) {
    if (!calls.empty()) {
      out << title << ":\n";
    }
    for (const auto& call : calls) {
      out << "  " << call.hook->name << ": " << join(call.hook->exec, " ") << leading << " "
          << join_shortened(call.args, 4, "nodes") << '\n';
    }
  };
  auto quoted_names = [](const std::vector<const Hook*>& hooks) {
    std::vector<std::string> names;
    for (const Hook* hook : hooks) {
      names.push_back("'" + hook->name + "'");
    }
    return join(names, ", ");
  };
  global_hooks(plan.global_pre, "Global pre hooks, in order", "");
  for (std::size_t b = 0; b < plan.batches.size(); ++b) {
    out << "Batch " << b + 1 << " of " << plan.batches.size() << " ("
        << plural(plan.batches[b].size(), "node", "nodes")
        << (b < plan.batch_groups.size() ? ", " + plan.batch_groups[b] : "") << "):\n";
    for (std::size_t index : plan.batches[b]) {
      out << "  " << nodes[index]->name;
      const auto& pre = plan.node_pre[index];
      const auto& post = plan.node_post[index];
      if (!pre.empty()) {
        out << "  pre hooks " << quoted_names(pre);
      }
      if (!post.empty()) {
        out << (pre.empty() ? " " : ";") << " post hooks " << quoted_names(post);
      }
      out << '\n';
    }
    if (b < plan.gates.size()) {
      for (const auto& gate : plan.gates[b]) {
        out << "  then gate " << gate.hook->name << ": " << join(gate.hook->exec, " ") << " "
            << b + 1 << " <failed> " << join_shortened(gate.args, 4, "nodes") << '\n';
      }
    }
  }
  global_hooks(plan.global_post, "Global post hooks, in order", " <exit code>");
  if (!selection.left_out.empty()) {
    out << "Left out (dummy):\n";
    for (const Node* node : selection.left_out) {
      out << "  " << node->name << '\n';
    }
  }
}

}  // namespace brigade
