#pragma once

// What a run will do, computed once: its batches and, for every hook, the nodes it runs for.
// `fix --dry-run` prints it and FleetRun carries it out, so the two never disagree.

#include <brigade/kitchen/hooks.hpp>
#include <brigade/kitchen/kitchen.hpp>
#include <brigade/run/batch_plan.hpp>
#include <brigade/run/hook_runner.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace brigade {

struct RunPlan {
  /// Indices into the run's nodes, batch by batch, in the order they start.
  std::vector<std::vector<std::size_t>> batches;
  /// With --batch-by: the failure domain of each batch ("rack=r1", "rack not set"); else empty.
  std::vector<std::string> batch_groups;
  /// Global pre hooks, in order, each with the selected nodes its filters match as arguments;
  /// a hook that matches none is not in the plan.
  std::vector<HookCall> global_pre;
  /// Global post hooks the same way; the run puts its exit code before the node names.
  std::vector<HookCall> global_post;
  /// The gates (postbatchhook) after each batch but the last: `gates[b]` runs after batch b,
  /// each call with the nodes of that batch its filters match; the run puts the batch number
  /// and its count of failed nodes before them. A gate that matches none is not in the plan.
  std::vector<std::vector<HookCall>> gates;
  /// Each node's own pre and post hooks, in order (indexed like the run's nodes).
  std::vector<std::vector<const Hook*>> node_pre;
  std::vector<std::vector<const Hook*>> node_post;

  std::size_t node_count() const { return node_pre.size(); }
  /// The names in each batch, as the report lists them.
  std::vector<std::vector<std::string>> batch_names(const std::vector<const Node*>& nodes) const;
};

/// The plan for `nodes` (in selection order) with `hooks` (every definition of the kitchen) and
/// the `--batch-size` list (empty: one batch). With `batch_by` (a dotted attribute path such as
/// `ec2.placement.availability_zone`), nodes are grouped by that attribute's value — groups in
/// the order their first node is selected, nodes without it in a group of their own, last — and
/// each group is cut into batches by the list (percentages of the group): no batch ever holds
/// nodes of two groups. The hooks must outlive the plan.
RunPlan plan_run(const std::vector<const Node*>& nodes, const std::vector<Hook>& hooks,
                 const std::vector<NodeCount>& batch_sizes,
                 const std::optional<std::string>& batch_by = std::nullopt);

/// Checks a `--batch-by` path: dot-separated, no empty part.
Result<Ok> check_batch_by(const std::string& path);

}  // namespace brigade
