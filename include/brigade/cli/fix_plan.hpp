#pragma once

// `brigade fix --dry-run`: what a run would do.

#include <brigade/cli/commands.hpp>
#include <brigade/kitchen/hooks.hpp>
#include <brigade/kitchen/selector.hpp>
#include <brigade/run/batch_plan.hpp>
#include <brigade/run/run_plan.hpp>

#include <optional>
#include <ostream>
#include <vector>

namespace brigade {

/// Prints the batches of `selection` and the hooks that would run, in their order: global
/// hooks with the nodes they would get, node hooks beside each node. Touches nothing.
/// `plan` is the one a run would carry out (plan_run), so the two never disagree.
void print_fix_plan(std::ostream& out, const Selection& selection, const RunPlan& plan,
                    const FailurePolicy& failures, const FixOptions& options);

}  // namespace brigade
