#include <brigade/run/run_report.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace brigade {

const char* node_status_name(NodeStatus status) {
  switch (status) {
    case NodeStatus::deployed:
      return "deployed";
    case NodeStatus::failed:
      return "failed";
    case NodeStatus::skipped:
      return "skipped";
    case NodeStatus::cancelled:
      return "cancelled";
    case NodeStatus::not_started:
      return "not_started";
  }
  return "unknown";
}

std::string HookRecord::outcome() const {
  if (cancelled) {
    return ran ? "cancelled" : "cancelled before it started";
  }
  if (timed_out) {
    return "timed out";
  }
  if (!signal.empty()) {
    return "killed by signal " + signal;
  }
  return rc ? "exit " + std::to_string(*rc) : "did not run";
}

std::string NodeResult::reason(std::string_view command) const {
  if (failure) {
    return failure_kind_prefixes_message(*failure)
               ? std::string(failure_kind_name(*failure)) + ": " + error
               : error;
  }
  if (!signal.empty()) {
    return std::string(command) + " was killed by signal " + signal;
  }
  if (rc && *rc != 0) {
    return std::string(command) + " exited with " + std::to_string(*rc);
  }
  return "";
}

std::string iso8601_utc(std::chrono::system_clock::time_point when) {
  const auto since_epoch = when.time_since_epoch();
  const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03}Z", buffer, millis);
}

namespace {

nlohmann::ordered_json hooks_json(const std::vector<HookRecord>& hooks) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& hook : hooks) {
    list.push_back({
        {"name", hook.name},
        {"type", hook_type_name(hook.type)},
        {"args", hook.args},
        {"rc", hook.rc ? nlohmann::ordered_json(*hook.rc) : nlohmann::ordered_json(nullptr)},
        {"signal", hook.signal.empty() ? nlohmann::ordered_json(nullptr)
                                       : nlohmann::ordered_json(hook.signal)},
        {"timed_out", hook.timed_out},
        {"cancelled", hook.cancelled},
        {"started", iso8601_utc(hook.started)},
        {"duration_s", std::round(hook.duration_s * 1000) / 1000},
    });
  }
  return list;
}

nlohmann::ordered_json node_json(
    const NodeResult& node, const std::map<std::string, std::vector<std::string>>& jump_hosts) {
  auto when = [](const std::optional<std::chrono::system_clock::time_point>& t) {
    return t ? nlohmann::ordered_json(iso8601_utc(*t)) : nlohmann::ordered_json(nullptr);
  };
  const std::string reason = node.reason(kConvergeCommandNoun);
  auto hops = jump_hosts.find(node.name);
  return {
      {"name", node.name},
      {"status", node_status_name(node.status)},
      {"rc", node.rc ? nlohmann::ordered_json(*node.rc) : nlohmann::ordered_json(nullptr)},
      {"error", reason.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(reason)},
      {"started", when(node.started)},
      {"finished", when(node.finished)},
      {"duration_s", std::round(node.duration_s * 1000) / 1000},
      {"batch", node.batch},
      {"jump_hosts", hops != jump_hosts.end() ? hops->second : std::vector<std::string>{}},
      {"log",
       node.log.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(node.log)},
      {"kitchen_transferred", node.transferred},
      {"hooks", hooks_json(node.hooks)},
  };
}

// `value` as dump(2) prints it nested `depth` levels deep: its lines after the first indented.
void append_nested(std::string& out, const nlohmann::ordered_json& value, std::size_t depth) {
  const std::string text = value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string indent(2 * depth, ' ');
  for (char c : text) {
    out += c;
    if (c == '\n') {
      out += indent;
    }
  }
}

}  // namespace

std::string RunReport::to_json_text() const {
  // The same members in the same order as to_json(); only "nodes" is written element by element.
  nlohmann::ordered_json head = to_json_head();
  std::string out = "{\n";
  for (const auto& [key, value] : head.items()) {
    out += "  " + nlohmann::ordered_json(key).dump() + ": ";
    append_nested(out, value, 1);
    out += ",\n";
  }
  out += "  \"nodes\": ";
  if (nodes.empty()) {
    out += "[]";
  } else {
    out += "[\n";
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      out += "    ";
      append_nested(out, node_json(nodes[i], jump_hosts), 2);
      out += i + 1 < nodes.size() ? ",\n" : "\n";
    }
    out += "  ]";
  }
  out += ",\n  \"hooks\": ";
  append_nested(out, hooks_json(hooks), 1);
  out += "\n}\n";
  return out;
}

nlohmann::ordered_json RunReport::to_json_head() const {
  nlohmann::ordered_json report;
  report["run_id"] = run_id;
  report["started"] = iso8601_utc(started);
  report["finished"] = iso8601_utc(finished);
  report["exit_code"] = exit_code;
  report["aborted"] = aborted;
  report["abort_reason"] = aborted ? nlohmann::ordered_json(abort_reason) : nullptr;
  report["selection"] = selection;
  report["left_out"] = left_out;
  report["batches"] = batches;
  return report;
}

nlohmann::ordered_json RunReport::to_json() const {
  nlohmann::ordered_json report = to_json_head();
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& node : nodes) {
    list.push_back(node_json(node, jump_hosts));
  }
  report["nodes"] = list;
  report["hooks"] = hooks_json(hooks);
  return report;
}

}  // namespace brigade
