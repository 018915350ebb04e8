#include "commands.hpp"

#include <brigade/batch_plan.hpp>
#include <brigade/exit_status.hpp>
#include <brigade/selector.hpp>

#include <optional>

namespace brigade {

int fix(const FixOptions& options, std::ostream& out, std::ostream& err) {
  auto kitchen = open_kitchen(options.kitchen, err);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  auto selection = select_nodes(*kitchen, options.selectors, options.environment);
  if (!selection) {
    print_error(err, selection.error());
    return kExitUsage;
  }
  std::vector<NodeCount> sizes;
  if (!options.batch_size.empty()) {
    auto parsed = parse_batch_sizes(options.batch_size);
    if (!parsed) {
      print_error(err, parsed.error());
      return kExitUsage;
    }
    sizes = std::move(*parsed);
  }
  std::optional<NodeCount> max_fail;
  if (!options.max_fail.empty()) {
    auto parsed = parse_max_fail(options.max_fail);
    if (!parsed) {
      print_error(err, parsed.error());
      return kExitUsage;
    }
    max_fail = *parsed;
  }
  if (!options.dry_run) {
    print_error(err, Diagnostic{.message = "deploying is not available in this build yet: the SSH "
                                           "transport has not landed",
                                .hint = "run with --dry-run to see the plan"});
    return kExitUsage;
  }
  const auto& nodes = selection->nodes;
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
  std::size_t next = 0;
  for (std::size_t b = 0; b < batches.size(); ++b) {
    out << "Batch " << b + 1 << " of " << batches.size() << " ("
        << plural(batches[b], "node", "nodes") << "):\n";
    for (std::size_t i = 0; i < batches[b]; ++i) {
      out << "  " << nodes[next++]->name << '\n';
    }
  }
  if (!selection->left_out.empty()) {
    out << "Left out (dummy):\n";
    for (const Node* node : selection->left_out) {
      out << "  " << node->name << '\n';
    }
  }
  return kExitSuccess;
}

}  // namespace brigade
