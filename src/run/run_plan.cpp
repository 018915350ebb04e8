#include <brigade/run/run_plan.hpp>

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

RunPlan plan_run(const std::vector<const Node*>& nodes, const std::vector<Hook>& hooks,
                 const std::vector<NodeCount>& batch_sizes) {
  RunPlan plan;
  std::size_t next = 0;
  for (std::size_t size : plan_batches(nodes.size(), batch_sizes)) {
    auto& batch = plan.batches.emplace_back();
    for (std::size_t i = 0; i < size; ++i) {
      batch.push_back(next++);
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
