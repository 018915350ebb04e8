#include "support/async.hpp"

#include <brigade/util/deadline.hpp>

#include <asio/steady_timer.hpp>
#include <catch2/catch.hpp>

#include <chrono>

using namespace std::chrono_literals;
using brigade::FailureKind;
using brigade::NodeError;
using brigade::seconds_text;
using brigade::within;

namespace {

asio::awaitable<int> after(std::chrono::milliseconds delay, int value) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
  co_return value;
}

asio::awaitable<int> failing() {
  throw NodeError(FailureKind::auth, "denied");
  co_return 0;
}

}  // namespace

TEST_CASE("deadline: a result in time, a timeout with its message, a failure passed on",
          "[deadline]") {
  CHECK(brigade::test::run_async(within(10s, after(0ms, 7), "late")) == 7);
  try {
    brigade::test::run_async(within(20ms, after(60000ms, 7), "took too long"));
    FAIL("expected a timeout");
  } catch (const NodeError& e) {
    CHECK(e.kind() == FailureKind::timeout);
    CHECK(std::string(e.what()) == "took too long");
  }
  try {
    brigade::test::run_async(within(10s, failing(), "late"));
    FAIL("expected the failure");
  } catch (const NodeError& e) {
    CHECK(e.kind() == FailureKind::auth);
  }
  CHECK(seconds_text(10s) == "10 s");
  CHECK(seconds_text(1500ms) == "1.5 s");
}
