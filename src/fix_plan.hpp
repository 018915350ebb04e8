#pragma once

// `brigade fix --dry-run`: what a run would do. Internal to brigade_core.

#include "commands.hpp"

#include <brigade/batch_plan.hpp>
#include <brigade/hooks.hpp>
#include <brigade/selector.hpp>

#include <optional>
#include <ostream>
#include <vector>

namespace brigade {

/// Prints the batches of `selection` and the hooks that would run, in their order: global
/// hooks with the nodes they would get, node hooks beside each node. Touches nothing.
void print_fix_plan(std::ostream& out, const Selection& selection, const std::vector<Hook>& hooks,
                    const std::vector<NodeCount>& sizes, const std::optional<NodeCount>& max_fail,
                    const FixOptions& options);

}  // namespace brigade
