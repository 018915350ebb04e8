#include <brigade/run/run_plan.hpp>

#include <algorithm>
#include <map>
#include <utility>

namespace brigade {

std::vector<std::vector<std::string>> RunPlan::batch_names(
    const std::vector<const Node*>& nodes) const {
  std::vector<std::vector<std::string>> names;
  for (const auto& batch : batches) {
    auto& list = names.emplace_back();
    for (std::size_t index : batch) {
      list.push_back(nodes[index]->name);
    }
  }
  return names;
}

namespace {

std::vector<HookCall> global_calls(const std::vector<Hook>& hooks, HookType type,
                                   const std::vector<const Node*>& nodes) {
  std::vector<HookCall> calls;
  for (const auto& hook : hooks) {
    if (hook.type != type) {
      continue;
    }
    auto names = matching_node_names(hook, nodes);
    if (!names.empty()) {  // a global hook runs only when a selected node matches its filters
      calls.push_back({&hook, std::move(names)});
    }
  }
  return calls;
}

}  // namespace

Result<Ok> check_batch_by(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.' ||
      path.find("..") != std::string::npos) {
    return Diagnostic{.field = "--batch-by",
                      .message =
                          "expected an attribute path such as rack or "
                          "ec2.placement.availability_zone, got '" +
                          path + "'"};
  }
  return Ok{};
}

namespace {

// The value of `path` in a node's data as a group name, or nothing when it is not set.
std::optional<std::string> attribute_value(const Node& node, const std::string& path) {
  const nlohmann::json* value = &node.data;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    const std::string key = path.substr(start, dot - start);
    if (!value->is_object() || !value->contains(key)) {
      return std::nullopt;
    }
    value = &(*value)[key];
    start = dot + 1;
  }
  if (value->is_null()) {
    return std::nullopt;
  }
  return value->is_string() ? value->get<std::string>()
                            : value->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The nodes (indices) grouped by `path`, each group labelled.
std::vector<std::pair<std::string, std::vector<std::size_t>>> failure_domains(
    const std::vector<const Node*>& nodes, const std::string& path) {
  std::vector<std::pair<std::string, std::vector<std::size_t>>> groups;
  std::vector<std::size_t> unset;
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto value = attribute_value(*nodes[i], path);
    if (!value) {
      unset.push_back(i);
      continue;
    }
    auto [it, added] = position.try_emplace(*value, groups.size());
    if (added) {
      groups.push_back({path + "=" + *value, {}});
    }
    groups[it->second].second.push_back(i);
  }
  if (!unset.empty()) {
    groups.push_back({path + " not set", std::move(unset)});
  }
  return groups;
}

}  // namespace

RunPlan plan_run(const std::vector<const Node*>& nodes, const std::vector<Hook>& hooks,
                 const std::vector<NodeCount>& batch_sizes,
                 const std::optional<std::string>& batch_by) {
  RunPlan plan;
  std::vector<std::pair<std::string, std::vector<std::size_t>>> groups;
  if (batch_by) {
    groups = failure_domains(nodes, *batch_by);
  } else {
    auto& all = groups.emplace_back();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      all.second.push_back(i);
    }
  }
  for (const auto& [label, members] : groups) {
    std::size_t next = 0;
    for (std::size_t size : plan_batches(members.size(), batch_sizes)) {
      auto& batch = plan.batches.emplace_back();
      for (std::size_t i = 0; i < size; ++i) {
        batch.push_back(members[next++]);
      }
      if (batch_by) {
        plan.batch_groups.push_back(label);
      }
    }
  }
  plan.global_pre = global_calls(hooks, HookType::global_predeployhook, nodes);
  plan.global_post = global_calls(hooks, HookType::global_postdeployhook, nodes);
  for (std::size_t b = 0; b + 1 < plan.batches.size(); ++b) {
    std::vector<const Node*> batch;
    for (std::size_t index : plan.batches[b]) {
      batch.push_back(nodes[index]);
    }
    plan.gates.push_back(global_calls(hooks, HookType::postbatchhook, batch));
  }
  for (const Node* node : nodes) {
    plan.node_pre.push_back(node_hooks(hooks, HookType::predeployhook, *node));
    plan.node_post.push_back(node_hooks(hooks, HookType::postdeployhook, *node));
  }
  return plan;
}

}  // namespace brigade
