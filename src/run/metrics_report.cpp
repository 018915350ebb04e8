#include <brigade/run/metrics_report.hpp>

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <sstream>

namespace brigade {

namespace {

constexpr const char* kSuccessTime = "brigade_node_last_success_timestamp_seconds";
constexpr const char* kSuccessDuration = "brigade_node_last_success_duration_seconds";

struct Success {
  double at = 0;
  double duration = 0;
};

// A label value as the exposition format writes it: \ " and newline escaped.
std::string label_value(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// The node label of `line` if it is `metric{node="…"} VALUE`: the name unescaped, and the value.
bool parse_node_sample(const std::string& line, const std::string& metric, std::string& node,
                       double& value) {
  const std::string lead = metric + "{node=\"";
  if (!line.starts_with(lead)) {
    return false;
  }
  node.clear();
  std::size_t i = lead.size();
  for (; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      ++i;
      node += line[i] == 'n' ? '\n' : line[i];
    } else {
      node += line[i];
    }
  }
  if (i + 2 >= line.size() || line.compare(i, 3, "\"} ") != 0 || node.empty()) {
    return false;
  }
  try {
    std::size_t used = 0;
    const std::string number = line.substr(i + 3);
    value = std::stod(number, &used);
    return used == number.size();
  } catch (const std::exception&) {
    return false;
  }
}

double epoch_seconds(std::chrono::system_clock::time_point when) {
  return std::chrono::duration<double>(when.time_since_epoch()).count();
}

std::string number(double value) {
  return fmt::format("{:.3f}", value);
}

}  // namespace

std::string prometheus_metrics(const RunReport& report, const std::string& previous) {
  std::map<std::string, Success> successes;
  std::istringstream lines(previous);
  for (std::string line; std::getline(lines, line);) {
    std::string node;
    double value = 0;
    if (parse_node_sample(line, kSuccessTime, node, value)) {
      successes[node].at = value;
    } else if (parse_node_sample(line, kSuccessDuration, node, value)) {
      successes[node].duration = value;
    }
  }
  std::map<NodeStatus, std::size_t> counts;
  for (const auto& node : report.nodes) {
    ++counts[node.status];
    if (node.status == NodeStatus::deployed) {
      successes[node.name] = {
          node.finished ? epoch_seconds(*node.finished) : epoch_seconds(report.finished),
          node.duration_s};
    }
  }
  std::string text;
  auto gauge = [&](const char* name, const char* help) {
    text += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
  };
  gauge("brigade_last_run_start_timestamp_seconds", "When the last brigade fix run started.");
  text +=
      "brigade_last_run_start_timestamp_seconds " + number(epoch_seconds(report.started)) + "\n";
  gauge("brigade_last_run_end_timestamp_seconds", "When the last brigade fix run ended.");
  text += "brigade_last_run_end_timestamp_seconds " + number(epoch_seconds(report.finished)) + "\n";
  gauge("brigade_last_run_duration_seconds", "How long the last brigade fix run took.");
  text += "brigade_last_run_duration_seconds " +
          number(std::chrono::duration<double>(report.finished - report.started).count()) + "\n";
  gauge("brigade_last_run_exit_code", "The exit code of the last brigade fix run.");
  text += fmt::format("brigade_last_run_exit_code {}\n", report.exit_code);
  gauge("brigade_last_run_nodes", "Nodes of the last brigade fix run, by status.");
  for (NodeStatus status : {NodeStatus::deployed, NodeStatus::failed, NodeStatus::skipped,
                            NodeStatus::cancelled, NodeStatus::not_started}) {
    text += fmt::format("brigade_last_run_nodes{{status=\"{}\"}} {}\n", node_status_name(status),
                        counts[status]);
  }
  gauge(kSuccessTime, "When the node last converged with brigade fix (kept across runs).");
  for (const auto& [node, success] : successes) {
    text +=
        fmt::format("{}{{node=\"{}\"}} {}\n", kSuccessTime, label_value(node), number(success.at));
  }
  gauge(kSuccessDuration, "How long the node's last successful deploy took.");
  for (const auto& [node, success] : successes) {
    text += fmt::format("{}{{node=\"{}\"}} {}\n", kSuccessDuration, label_value(node),
                        number(success.duration));
  }
  return text;
}

}  // namespace brigade
