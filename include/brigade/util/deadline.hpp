#pragma once

// A deadline around any awaitable operation: the one way Brigade bounds a step in time.

#include <brigade/util/failure.hpp>

#include <asio/awaitable.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

namespace brigade {

namespace detail {
// Outcome of an operation, with its failure as a value: `||` waits for one *success*, so a
// failing operation must still "succeed" for the group to end without waiting on the timer.
template <class T>
struct Outcome {
  std::exception_ptr error;
  std::optional<T> value;
};
template <>
struct Outcome<void> {
  std::exception_ptr error;
};

template <class T>
asio::awaitable<Outcome<T>> capture(asio::awaitable<T> op) {
  Outcome<T> outcome;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(op);
    } else {
      outcome.value.emplace(co_await std::move(op));
    }
  } catch (...) {
    outcome.error = std::current_exception();
  }
  co_return outcome;
}
}  // namespace detail

/// Runs `op`, throwing NodeError(timeout, `message`) if it has not finished within `limit`.
/// Cancelling the caller cancels `op`.
template <class T>
asio::awaitable<T> within(std::chrono::steady_clock::duration limit, asio::awaitable<T> op,
                          std::string message) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  auto result = co_await (detail::capture(std::move(op)) || timer.async_wait(asio::use_awaitable));
  if (result.index() == 1) {
    throw NodeError(FailureKind::timeout, message);
  }
  auto& outcome = std::get<0>(result);
  if (outcome.error) {
    std::rethrow_exception(outcome.error);
  }
  if constexpr (!std::is_void_v<T>) {
    co_return std::move(*outcome.value);
  }
}

/// "10 s", "1.5 s": a duration for messages.
std::string seconds_text(std::chrono::steady_clock::duration duration);

}  // namespace brigade
