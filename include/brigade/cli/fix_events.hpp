#pragma once

// fix --json: the run as a stream of JSON events on stdout, one object a line, for wrappers and
// dashboards (the README lists the events and their fields).

#include <brigade/run/fleet_run.hpp>
#include <brigade/run/run_report.hpp>

#include <ostream>
#include <string>

namespace brigade {

class JsonEvents : public RunObserver {
 public:
  /// Writes to `out` and passes every event on to `next`.
  JsonEvents(std::ostream& out, RunObserver& next) : out_(out), next_(next) {}

  void run_started(const std::string& run_id, std::size_t nodes, std::size_t batches);
  void run_finished(const RunReport& report);

  void batch_started(std::size_t batch, std::size_t batches, std::size_t nodes) override;
  void node_started(const NodeResult& node) override;
  void node_output(const NodeResult& node, OutputStream stream, std::string_view line) override {
    next_.node_output(node, stream, line);
  }
  void node_finished(const NodeResult& node) override;
  void batch_wait_started(std::chrono::seconds wait, std::size_t next_batch) override {
    next_.batch_wait_started(wait, next_batch);
  }
  void global_hook_started(const Hook& hook) override { next_.global_hook_started(hook); }
  void hook_output(const std::string& node, const std::string& hook, bool is_stderr,
                   std::string_view line) override {
    next_.hook_output(node, hook, is_stderr, line);
  }
  void hook_finished(const std::string& node, const HookRecord& hook) override;

 private:
  void emit(nlohmann::ordered_json event);

  std::ostream& out_;
  RunObserver& next_;
};

}  // namespace brigade
