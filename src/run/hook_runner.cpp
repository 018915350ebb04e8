#include <brigade/run/hook_runner.hpp>
#include <brigade/run/local_process.hpp>
#include <brigade/util/last_lines.hpp>

#include <asio/this_coro.hpp>

namespace brigade {

namespace {
constexpr std::size_t kTailLines = 10;
}  // namespace

std::vector<const Hook*> node_hooks(const std::vector<Hook>& hooks, HookType type,
                                    const Node& node) {
  std::vector<const Hook*> out;
  for (const auto& hook : hooks) {
    if (hook.type == type && hook.matches(node)) {
      out.push_back(&hook);
    }
  }
  return out;
}

std::vector<std::string> matching_node_names(const Hook& hook,
                                             const std::vector<const Node*>& nodes) {
  std::vector<std::string> names;
  for (const Node* node : nodes) {
    if (hook.matches(*node)) {
      names.push_back(node->name);
    }
  }
  return names;
}

asio::awaitable<std::optional<std::size_t>> run_hooks(std::vector<HookCall> calls,
                                                      const HookEnvironment& environment,
                                                      std::optional<std::size_t> batch,
                                                      OnHookFailure on_failure, HookEvents events,
                                                      std::vector<HookRecord>& records) {
  std::optional<std::size_t> first_failure;
  for (auto& call : calls) {
    const Hook& hook = *call.hook;
    HookRecord record;
    record.name = hook.name;
    record.type = hook.type;
    record.args = call.args;
    record.started = std::chrono::system_clock::now();
    asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) {
      record.cancelled = true;  // the run ended before this hook's turn
      record.ran = false;
    } else {
      LocalCommand command;
      command.argv = hook.exec;
      command.argv.insert(command.argv.end(), call.args.begin(), call.args.end());
      command.working_directory = environment.kitchen;
      command.environment = {{"BRIGADE_HOOK_NAME", hook.name},
                             {"BRIGADE_HOOK_TYPE", hook_type_name(record.type)},
                             {"BRIGADE_RUN_ID", environment.run_id},
                             {"BRIGADE_KITCHEN", environment.kitchen}};
      if (environment.environment) {
        command.environment.emplace_back("BRIGADE_ENVIRONMENT", *environment.environment);
      }
      if (batch) {
        command.environment.emplace_back("BRIGADE_BATCH", std::to_string(*batch));
      }
      command.timeout = hook.timeout;
      LastLines tail(kTailLines);
      LocalLineSink sink = [&events, &hook, &tail](bool is_stderr, std::string_view line) {
        tail.add(line);
        if (events.output) {
          events.output(hook, is_stderr, line);
        }
      };
      if (events.started) {
        events.started(hook);
      }
      const LocalResult ended = co_await run_local(std::move(command), sink);
      if (ended.exit_status >= 0 && !ended.cancelled && !ended.timed_out) {
        record.rc = ended.exit_status;
      }
      record.signal = ended.signal;
      record.timed_out = ended.timed_out;
      record.cancelled = ended.cancelled;
      record.duration_s = ended.duration_s;
      record.tail = tail.lines();
    }
    records.push_back(record);
    if (events.finished) {
      events.finished(records.back());
    }
    if (!record.succeeded() && !first_failure) {
      first_failure = records.size() - 1;
    }
    if (record.cancelled || (first_failure && on_failure == OnHookFailure::stop)) {
      break;
    }
  }
  co_return first_failure;
}

}  // namespace brigade
