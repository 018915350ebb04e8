#include <brigade/run/bounded_runner.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <stdexcept>
#include <vector>

using brigade::BoundedRunner;

namespace {

// Runs `runner` over `count` tasks that each yield `yields` times; returns what escaped.
std::exception_ptr run_all(BoundedRunner& runner, std::size_t count,
                           const BoundedRunner::Task& task, asio::io_context& context) {
  std::exception_ptr escaped;
  bool done = false;
  asio::co_spawn(context, runner.run(count, task), [&](std::exception_ptr e) {
    escaped = e;
    done = true;
  });
  context.run_for(std::chrono::seconds(30));
  REQUIRE(done);
  return escaped;
}

}  // namespace

TEST_CASE("bounded runner: every task once, at most N at a time, in index order", "[runner]") {
  asio::io_context context(1);
  BoundedRunner runner(3);
  std::vector<std::size_t> started;
  std::size_t in_flight = 0;
  std::size_t most = 0;
  auto task = [&](std::size_t index) -> asio::awaitable<void> {
    started.push_back(index);
    most = std::max(most, ++in_flight);
    for (std::size_t i = 0; i < index % 4; ++i) {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    }
    --in_flight;
  };
  CHECK_FALSE(run_all(runner, 20, task, context));
  CHECK(started.size() == 20);
  for (std::size_t i = 0; i < started.size(); ++i) {
    CHECK(started[i] == i);
  }
  CHECK(most == 3);
}

TEST_CASE("bounded runner: stop lets the running finish, cancel ends them, a bug escapes",
          "[runner]") {
  SECTION("stop") {
    asio::io_context context(1);
    BoundedRunner runner(2);
    std::size_t finished = 0;
    auto task = [&](std::size_t index) -> asio::awaitable<void> {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      if (index == 0) {  // the first to resume: task 1 is still running
        runner.stop();
      }
      ++finished;
    };
    CHECK_FALSE(run_all(runner, 10, task, context));
    CHECK(finished == 2);  // 0 and 1 were running; nothing started after the stop
    CHECK(runner.stopped());
  }
  SECTION("cancel") {
    asio::io_context context(1);
    BoundedRunner runner(4);
    std::size_t cancelled = 0;
    auto task = [&](std::size_t) -> asio::awaitable<void> {
      asio::steady_timer forever(co_await asio::this_coro::executor,
                                 asio::steady_timer::time_point::max());
      auto [ec] = co_await forever.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
      cancelled += ec == asio::error::operation_aborted ? 1 : 0;
    };
    asio::steady_timer later(context, std::chrono::milliseconds(1));
    later.async_wait([&](asio::error_code) { runner.cancel(); });
    CHECK_FALSE(run_all(runner, 10, task, context));
    CHECK(cancelled == 4);
    CHECK(runner.cancelled());
  }
  SECTION("an exception other than cancellation is rethrown once all have ended") {
    asio::io_context context(1);
    BoundedRunner runner(2);
    std::size_t finished = 0;
    auto task = [&](std::size_t index) -> asio::awaitable<void> {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      if (index == 0) {
        throw std::logic_error("a bug");
      }
      ++finished;
    };
    auto escaped = run_all(runner, 4, task, context);
    REQUIRE(escaped);
    CHECK_THROWS_WITH(std::rethrow_exception(escaped), "a bug");
    CHECK(finished == 3);
  }
}
