#include <brigade/kitchen/selector.hpp>
#include <brigade/util/glob.hpp>
#include <brigade/util/spellcheck.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <unordered_set>

namespace brigade {

namespace {

struct KindName {
  Selector::Kind kind;
  const char* name;
};

constexpr std::array<KindName, 4> kKinds = {{
    {Selector::Kind::node, "node"},
    {Selector::Kind::nodes_with_role, "nodes_with_role"},
    {Selector::Kind::nodes_with_recipe, "nodes_with_recipe"},
    {Selector::Kind::nodes_with_tag, "nodes_with_tag"},
}};

std::vector<std::string> kind_names() {
  std::vector<std::string> names;
  for (const auto& k : kKinds) {
    names.push_back(k.name);
  }
  return names;
}

bool selector_matches(const Selector& selector, const Node& node) {
  switch (selector.kind) {
    case Selector::Kind::node:
      return any_glob_matches(selector.patterns, {node.name});
    case Selector::Kind::nodes_with_role:
      return any_glob_matches(selector.patterns, node.roles);
    case Selector::Kind::nodes_with_recipe:
      return any_glob_matches(selector.patterns, node.recipes);
    case Selector::Kind::nodes_with_tag:
      return any_glob_matches(selector.patterns, node.tags);
  }
  return false;
}

// Names that do not exist deserve their own message: a typo in a node name is the most common
// way to select nothing, and the user wants the right name, not "selects no node".
Result<Ok> check_named_nodes_exist(const Kitchen& kitchen, const Selector& selector) {
  if (selector.kind != Selector::Kind::node) {
    return Ok{};
  }
  for (const auto& pattern : selector.patterns) {
    if ((selector.exact || !is_glob(pattern)) && kitchen.find_node(pattern) == nullptr) {
      std::string message = "unknown node '" + pattern + "'";
      if (selector.patterns.size() > 1) {
        message += " in '" + selector.text + "'";
      }
      return Diagnostic{.message = message,
                        .hint = did_you_mean(closest_matches(pattern, kitchen.node_names()))};
    }
  }
  return Ok{};
}

// The roles, recipes or tags the kitchen's nodes have, each once.
std::vector<std::string> values_of(const Kitchen& kitchen, Selector::Kind kind) {
  std::set<std::string> values;
  for (const auto& node : kitchen.nodes) {
    const auto& list = kind == Selector::Kind::nodes_with_role     ? node.roles
                       : kind == Selector::Kind::nodes_with_recipe ? node.recipes
                                                                   : node.tags;
    values.insert(list.begin(), list.end());
  }
  return {values.begin(), values.end()};
}

std::string quoted_list(const std::set<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    out += (out.empty() ? "'" : ", '") + name + "'";
  }
  return out;
}

}  // namespace

Result<Selector> parse_selector(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos) {
    std::string hint;
    if (!text.empty() && text.find_first_of("*?[") == std::string::npos) {
      hint = "did you mean 'node:" + text + "'?";
    }
    return Diagnostic{
        .message = "invalid selector '" + text +
                   "': expected node:NAME[,NAME…], node:all, nodes_with_role:PATTERN, "
                   "nodes_with_recipe:PATTERN or nodes_with_tag:TAG",
        .hint = hint};
  }
  const std::string kind = text.substr(0, colon);
  const std::string rest = text.substr(colon + 1);
  Selector selector;
  selector.text = text;
  auto known =
      std::find_if(kKinds.begin(), kKinds.end(), [&](const KindName& k) { return kind == k.name; });
  if (known == kKinds.end()) {
    return Diagnostic{.message = "unknown selector '" + kind + ":'",
                      .hint = did_you_mean(closest_matches(kind, kind_names(), 1))};
  }
  selector.kind = known->kind;
  std::size_t start = 0;
  while (start <= rest.size()) {
    std::size_t end = rest.find(',', start);
    if (end == std::string::npos) {
      end = rest.size();
    }
    std::string pattern = rest.substr(start, end - start);
    if (!pattern.empty()) {
      if (selector.kind == Selector::Kind::nodes_with_recipe) {
        pattern = normalize_recipe(pattern);
      }
      selector.patterns.push_back(pattern);
    }
    start = end + 1;
  }
  if (selector.patterns.empty()) {
    return Diagnostic{.message = "selector '" + text + "' names nothing after the ':'"};
  }
  if (selector.kind == Selector::Kind::node &&
      std::find(selector.patterns.begin(), selector.patterns.end(), "all") !=
          selector.patterns.end()) {
    if (selector.patterns.size() > 1) {
      return Diagnostic{.message = "selector '" + text + "' mixes 'all' with node names"};
    }
    selector.patterns = {"*"};
  }
  return selector;
}

Result<Selection> select_nodes(const Kitchen& kitchen, const std::vector<std::string>& selectors,
                               const std::optional<std::string>& environment,
                               std::string_view nothing) {
  if (selectors.empty()) {
    return Diagnostic{.message = "no selector given",
                      .hint = "name nodes with node:NAME, node:all or nodes_with_role:PATTERN"};
  }
  std::vector<Selector> parsed;
  for (const auto& text : selectors) {
    auto selector = parse_selector(text);
    if (!selector) {
      return selector.error();
    }
    parsed.push_back(std::move(*selector));
  }
  return select_nodes(kitchen, parsed, environment, nothing);
}

Result<Selection> select_nodes(const Kitchen& kitchen, const std::vector<Selector>& parsed,
                               const std::optional<std::string>& environment,
                               std::string_view nothing) {
  if (parsed.empty()) {
    return Diagnostic{.message = "no selector given",
                      .hint = "name nodes with node:NAME, node:all or nodes_with_role:PATTERN"};
  }
  for (const auto& selector : parsed) {
    if (auto ok = check_named_nodes_exist(kitchen, selector); !ok) {
      return ok.error();
    }
  }

  Selection selection;
  std::unordered_set<const Node*> seen;
  std::set<std::string> environments_outside;
  for (const auto& selector : parsed) {
    bool matched_any = false;
    auto take = [&](const Node& node) {
      matched_any = true;
      if (!seen.insert(&node).second) {
        return;
      }
      if (node.dummy) {
        selection.left_out.push_back(&node);
      } else if (environment && node.chef_environment != *environment) {
        environments_outside.insert(node.chef_environment);
      } else {
        selection.nodes.push_back(&node);
      }
    };
    if (selector.kind == Selector::Kind::node) {
      // `node:b,a` means b, then a: names keep the order given; a glob adds its matches by name.
      for (const auto& pattern : selector.patterns) {
        if (selector.exact || !is_glob(pattern)) {
          // Checked above. A name is found by search, not matched against every node: a list
          // of 1,000 names in a kitchen of 10,000 nodes would be 10^7 matches.
          take(*kitchen.find_node(pattern));
          continue;
        }
        for (const auto& node : kitchen.nodes) {
          if (glob_match(pattern, node.name)) {
            take(node);
          }
        }
      }
    } else {
      for (const auto& node : kitchen.nodes) {
        if (selector_matches(selector, node)) {
          take(node);
        }
      }
    }
    if (!matched_any) {
      // A role, recipe or tag that matches nothing is most often a typo: the nearest one the
      // kitchen's nodes have.
      const auto known = values_of(kitchen, selector.kind);
      return Diagnostic{
          .message = "selector '" + selector.text + "' selects no node",
          .hint = selector.kind == Selector::Kind::node || selector.patterns.empty()
                      ? std::string()
                      : did_you_mean(closest_matches(selector.patterns.front(), known, 1))};
    }
  }
  if (selection.nodes.empty()) {
    if (!environments_outside.empty()) {
      // Only environments the selected nodes are in: never the one typed.
      std::vector<std::string> candidates(environments_outside.begin(), environments_outside.end());
      return Diagnostic{.message = "no selected node is in environment '" + *environment +
                                   "' (their environments: " + quoted_list(environments_outside) +
                                   ")",
                        .hint = did_you_mean(closest_matches(*environment, candidates, 1))};
    }
    std::set<std::string> dummies;
    for (const Node* node : selection.left_out) {
      dummies.insert(node->name);
    }
    return Diagnostic{.message = std::string(nothing) + ": every selected node is a dummy (" +
                                 quoted_list(dummies) + ")"};
  }
  return selection;
}

}  // namespace brigade
