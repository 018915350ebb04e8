#include <brigade/ssh/startup_limit.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <system_error>
#include <vector>

using brigade::ssh::StartupLimit;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

namespace {

asio::awaitable<void> pause(std::chrono::milliseconds how_long) {
  asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace

TEST_CASE("startup limit: at most N hold a slot, every one gets one, first come first served",
          "[ssh][startups]") {
  StartupLimit limit(3);
  asio::io_context io;
  std::size_t holding = 0;
  std::size_t most_holding = 0;
  std::vector<int> granted;
  for (int i = 0; i < 10; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          auto slot = co_await limit.acquire();
          granted.push_back(i);
          most_holding = std::max(most_holding, ++holding);
          co_await pause(2ms);
          --holding;
        },
        asio::detached);
  }
  io.run_for(10s);
  CHECK(most_holding == 3);
  CHECK(granted == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(limit.in_use() == 0);
  CHECK(limit.waiting() == 0);
}

TEST_CASE("startup limit: a cancelled wait takes no slot and leaves the queue", "[ssh][startups]") {
  StartupLimit limit(1);
  asio::io_context io;
  std::optional<StartupLimit::Slot> held;
  bool waiter_timed_out = false;
  bool late_comer_served = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        held = co_await limit.acquire();
        // A second node waits and is cancelled by its timeout (as within() does).
        auto outcome = co_await (limit.acquire() || pause(20ms));
        waiter_timed_out = outcome.index() == 1;
        CHECK(limit.waiting() == 0);
        CHECK(limit.in_use() == 1);
        held.reset();
        CHECK(limit.in_use() == 0);
        auto slot = co_await limit.acquire();  // free at once: nobody queued, nothing leaked
        late_comer_served = limit.in_use() == 1;
      },
      asio::detached);
  io.run_for(10s);
  CHECK(waiter_timed_out);
  CHECK(late_comer_served);
  CHECK(limit.in_use() == 0);
}

TEST_CASE("startup limit: a slot granted to a wait that never resumes is passed on",
          "[ssh][startups]") {
  StartupLimit limit(1);
  {
    asio::io_context io;
    std::optional<StartupLimit::Slot> first;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { first = co_await limit.acquire(); }, asio::detached);
    io.poll();
    REQUIRE(limit.in_use() == 1);
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { auto slot = co_await limit.acquire(); },
        asio::detached);
    io.restart();  // the first poll ran out of work, which stops an io_context
    io.poll();
    REQUIRE(limit.waiting() == 1);
    first.reset();  // granted to the waiter, whose wake-up is queued but never run
    CHECK(limit.waiting() == 0);
    CHECK(limit.in_use() == 1);
  }  // the io_context goes with the waiting frame
  CHECK(limit.in_use() == 0);
  CHECK(limit.waiting() == 0);
}

TEST_CASE("startup limit: a slot moved is given back once", "[ssh][startups]") {
  StartupLimit limit(2);
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto a = co_await limit.acquire();
        auto b = std::move(a);
        CHECK(limit.in_use() == 1);
        auto c = co_await limit.acquire();
        CHECK(limit.in_use() == 2);
        c = std::move(b);  // c's own slot is given back, b's kept
        CHECK(limit.in_use() == 1);
        c.release();
        c.release();
        CHECK(limit.in_use() == 0);
      },
      asio::detached);
  io.run_for(10s);
  CHECK(limit.in_use() == 0);
}
