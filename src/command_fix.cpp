#include "commands.hpp"

#include <brigade/exit_status.hpp>
#include <brigade/selector.hpp>

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
  if (!options.dry_run) {
    print_error(err, Diagnostic{.message = "deploying is not available in this build yet: the SSH "
                                           "transport has not landed",
                                .hint = "run with --dry-run to see the plan"});
    return kExitUsage;
  }
  const auto& nodes = selection->nodes;
  out << "Plan: " << nodes.size() << (nodes.size() == 1 ? " node" : " nodes");
  if (options.environment) {
    out << " in environment " << *options.environment;
  }
  out << " (dry run, nothing is touched)\n";
  for (const Node* node : nodes) {
    out << "  " << node->name << '\n';
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
