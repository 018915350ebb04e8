#include <brigade/cli/fix_events.hpp>
#include <brigade/kitchen/hooks.hpp>

namespace brigade {

void JsonEvents::emit(nlohmann::ordered_json event) {
  // Each line whole and at once: a reader sees complete events. Bytes that are not UTF-8 (node
  // output in an error) become U+FFFD rather than end the stream.
  out_ << event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n'
       << std::flush;
}

void JsonEvents::run_started(const std::string& run_id, std::size_t nodes, std::size_t batches) {
  emit({{"event", "run_started"},
        {"time", iso8601_utc(std::chrono::system_clock::now())},
        {"run_id", run_id},
        {"nodes", nodes},
        {"batches", batches}});
}

void JsonEvents::batch_started(std::size_t batch, std::size_t batches, std::size_t nodes) {
  emit({{"event", "batch_started"},
        {"time", iso8601_utc(std::chrono::system_clock::now())},
        {"batch", batch},
        {"batches", batches},
        {"nodes", nodes}});
  next_.batch_started(batch, batches, nodes);
}

void JsonEvents::node_started(const NodeResult& node) {
  emit({{"event", "node_started"},
        {"time", iso8601_utc(std::chrono::system_clock::now())},
        {"node", node.name},
        {"batch", node.batch}});
  next_.node_started(node);
}

void JsonEvents::node_finished(const NodeResult& node) {
  nlohmann::ordered_json event = {
      {"event", "node_finished"},
      {"time", iso8601_utc(std::chrono::system_clock::now())},
      {"node", node.name},
      {"batch", node.batch},
      {"status", node_status_name(node.status)},
      {"rc", node.rc ? nlohmann::ordered_json(*node.rc) : nullptr},
      {"signal",
       node.signal.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(node.signal)},
      {"failure",
       node.failure ? nlohmann::ordered_json(failure_kind_name(*node.failure)) : nullptr},
      {"reason", node.reason(kConvergeCommandNoun)},
      {"duration_s", node.duration_s},
      {"transferred", node.transferred}};
  emit(std::move(event));
  next_.node_finished(node);
}

void JsonEvents::hook_finished(const std::string& node, const HookRecord& hook) {
  emit({{"event", "hook_finished"},
        {"time", iso8601_utc(std::chrono::system_clock::now())},
        {"node", node.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(node)},
        {"hook", hook.name},
        {"type", hook_type_name(hook.type)},
        {"outcome", hook.outcome()},
        {"succeeded", hook.succeeded()},
        {"duration_s", hook.duration_s}});
  next_.hook_finished(node, hook);
}

void JsonEvents::run_finished(const RunReport& report) {
  nlohmann::ordered_json counts = nlohmann::ordered_json::object();
  for (NodeStatus status : {NodeStatus::deployed, NodeStatus::failed, NodeStatus::skipped,
                            NodeStatus::cancelled, NodeStatus::not_started}) {
    counts[node_status_name(status)] = 0;
  }
  for (const auto& node : report.nodes) {
    counts[node_status_name(node.status)] = counts[node_status_name(node.status)].get<int>() + 1;
  }
  emit({{"event", "run_finished"},
        {"time", iso8601_utc(report.finished)},
        {"run_id", report.run_id},
        {"exit_code", report.exit_code},
        {"aborted", report.aborted},
        {"abort_reason", report.abort_reason},
        {"nodes", counts},
        {"duration_s", std::chrono::duration<double>(report.finished - report.started).count()}});
}

}  // namespace brigade
