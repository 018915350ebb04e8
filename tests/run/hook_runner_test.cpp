// run_hooks on its own: cancellation while a hook runs, and before a hook's turn.
#include "support/fleet_kitchen.hpp"
#include "support/temp_dir.hpp"

#include <brigade/run/hook_runner.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

using brigade::Hook;
using brigade::HookCall;
using brigade::HookEnvironment;
using brigade::HookRecord;
using brigade::HookType;
using brigade::OnHookFailure;
using brigade::test::TempDir;
using brigade::test::write_script;

namespace {

struct Outcome {
  std::optional<std::size_t> failed;
  std::vector<HookRecord> records;
  bool done = false;
};

// Waits `before` (a wait the cancellation ends early), then runs the hooks: the cancellation
// state stays cancelled once emitted, as in a node's deploy after the run was aborted.
asio::awaitable<void> wait_then_run(std::chrono::milliseconds before, std::vector<HookCall> calls,
                                    const HookEnvironment& environment, Outcome& outcome) {
  co_await asio::this_coro::throw_if_cancelled(false);
  asio::steady_timer timer(co_await asio::this_coro::executor, before);
  std::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  outcome.failed = co_await brigade::run_hooks(std::move(calls), environment, std::nullopt,
                                               OnHookFailure::stop, {}, outcome.records);
  outcome.done = true;
}

// Runs wait_then_run and emits a cancellation `cancel_after` after the start.
Outcome run_cancelled(std::chrono::milliseconds before, std::chrono::milliseconds cancel_after,
                      std::vector<HookCall> calls, const HookEnvironment& environment) {
  asio::io_context context(1);
  asio::cancellation_signal signal;
  Outcome outcome;
  asio::co_spawn(context, wait_then_run(before, std::move(calls), environment, outcome),
                 asio::bind_cancellation_slot(signal.slot(), [](std::exception_ptr error) {
                   if (error) {
                     std::rethrow_exception(error);
                   }
                 }));
  asio::steady_timer cancel(context, cancel_after);
  cancel.async_wait([&](std::error_code) { signal.emit(asio::cancellation_type::terminal); });
  context.run_for(std::chrono::seconds(30));
  return outcome;
}

Hook script_hook(const TempDir& dir, const std::string& name, const std::string& body) {
  Hook hook;
  hook.name = name;
  hook.type = HookType::postdeployhook;
  hook.exec = {write_script(dir, name + ".sh", body)};
  return hook;
}

}  // namespace

TEST_CASE("hook runner: a hook cancelled while it runs ends the list", "[hooks][cancel]") {
  TempDir dir;
  const Hook slow = script_hook(dir, "slow", "touch slow.started\nexec sleep 30\n");
  const Hook next = script_hook(dir, "next", "touch next.started\n");
  const HookEnvironment environment{dir.str(), "run-1", std::nullopt};
  const auto outcome = run_cancelled(std::chrono::milliseconds(0), std::chrono::milliseconds(300),
                                     {{&slow, {"0", "n1"}}, {&next, {"0", "n1"}}}, environment);
  REQUIRE(outcome.done);
  CHECK(outcome.failed == 0u);
  REQUIRE(outcome.records.size() == 1);
  CHECK(outcome.records[0].cancelled);
  CHECK(outcome.records[0].ran);
  CHECK(outcome.records[0].outcome() == "cancelled");
  CHECK(std::filesystem::exists(dir.path() / "slow.started"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "next.started"));
}

TEST_CASE("hook runner: a hook whose turn comes after the cancellation never starts",
          "[hooks][cancel]") {
  TempDir dir;
  const Hook hook = script_hook(dir, "late", "touch late.started\n");
  const HookEnvironment environment{dir.str(), "run-1", std::nullopt};
  const auto outcome = run_cancelled(std::chrono::seconds(20), std::chrono::milliseconds(50),
                                     {{&hook, {"0", "n1"}}}, environment);
  REQUIRE(outcome.done);
  CHECK(outcome.failed == 0u);
  REQUIRE(outcome.records.size() == 1);
  CHECK(outcome.records[0].cancelled);
  CHECK_FALSE(outcome.records[0].ran);
  CHECK_FALSE(outcome.records[0].rc.has_value());
  CHECK(outcome.records[0].outcome() == "cancelled before it started");
  CHECK_FALSE(std::filesystem::exists(dir.path() / "late.started"));
}
