#pragma once

// LittleChef's `fix` orders beside the node selectors: `role:NAME` and `recipe:NAME` (converge
// that instead of each node's run_list), `ssh:CMD` (run a command, as `brigade exec`), and
// `deploy_chef` (which Brigade does not do).

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/kitchen/run_list.hpp>
#include <brigade/util/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace brigade {

struct FixOrders {
  std::vector<std::string> selectors;  ///< Everything that is not an order, as given.
  std::vector<RunListEntry> run_list;  ///< role:/recipe: orders in the order given; empty: none.
  std::optional<std::string> ssh;      ///< ssh:CMD's command.
};

/// Takes the orders out of `words`; an order that names no role or cookbook of `kitchen`, an
/// empty one, `ssh:` beside role:/recipe:, or `deploy_chef` is an error (with the nearest name).
Result<FixOrders> parse_fix_orders(const std::vector<std::string>& words, const Kitchen& kitchen);

/// What `brigade fix --list` prints: the orders and selectors it understands.
std::string fix_orders_help();

}  // namespace brigade
