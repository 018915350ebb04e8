#pragma once

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/util/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// One node selector as LittleChef spells it: `node:a,b`, `node:all`, `nodes_with_role:web*`,
/// `nodes_with_recipe:nginx`, `nodes_with_tag:canary`.
struct Selector {
  enum class Kind { node, nodes_with_role, nodes_with_recipe, nodes_with_tag };
  Kind kind = Kind::node;
  std::vector<std::string> patterns;  ///< Globs; `node:all` is the single pattern `*`.
  std::string text;                   ///< As the user wrote it.
  bool exact = false;  ///< node: the patterns are names, never globs (`--rerun failed`).
};

/// Parses `KIND:PATTERN[,PATTERN…]`; an unknown kind suggests the nearest one.
Result<Selector> parse_selector(const std::string& text);

/// The nodes a run works on.
struct Selection {
  std::vector<const Node*> nodes;     ///< Union of the selectors, in the order given, each once.
  std::vector<const Node*> left_out;  ///< Dummy nodes the selectors matched; never deployed.
};

/// Applies `selectors` (their union) and then `environment`; selecting nothing is an error.
/// `nothing` says what an all-dummy selection leaves the command with ("nothing to deploy",
/// "nothing to run").
Result<Selection> select_nodes(const Kitchen& kitchen, const std::vector<std::string>& selectors,
                               const std::optional<std::string>& environment,
                               std::string_view nothing = "nothing to deploy");

/// The same for selectors already parsed (or built, as `--rerun failed` builds exact ones).
Result<Selection> select_nodes(const Kitchen& kitchen, const std::vector<Selector>& selectors,
                               const std::optional<std::string>& environment,
                               std::string_view nothing = "nothing to deploy");

}  // namespace brigade
