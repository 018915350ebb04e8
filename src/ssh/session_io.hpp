#pragma once

// The EAGAIN bridge between libssh2 and Asio, in one place. Private to src/ssh/.

#include <brigade/ssh/session.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <libssh2.h>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

namespace brigade::ssh {

/// Waits until the socket is ready in the directions libssh2 asked for
/// (LIBSSH2_SESSION_BLOCK_INBOUND / _OUTBOUND); neither means "wait to read".
asio::awaitable<void> wait_for_socket(asio::ip::tcp::socket& socket, int directions);

/// Calls `call` until it returns something other than LIBSSH2_ERROR_EAGAIN, waiting for the
/// socket in between; libssh2 insists that the same call is repeated until it completes.
template <class Call>
asio::awaitable<int> call_until_done(LIBSSH2_SESSION* session, asio::ip::tcp::socket& socket,
                                     Call call) {
  for (;;) {
    int rc = static_cast<int>(call());
    if (rc != LIBSSH2_ERROR_EAGAIN) {
      co_return rc;
    }
    co_await wait_for_socket(socket, libssh2_session_block_directions(session));
  }
}

/// The same for calls that return a pointer: NULL with last_errno EAGAIN means "again".
template <class Call>
asio::awaitable<decltype(std::declval<Call>()())> open_until_done(LIBSSH2_SESSION* session,
                                                                  asio::ip::tcp::socket& socket,
                                                                  Call call) {
  for (;;) {
    auto* handle = call();
    if (handle != nullptr || libssh2_session_last_errno(session) != LIBSSH2_ERROR_EAGAIN) {
      co_return handle;
    }
    co_await wait_for_socket(socket, libssh2_session_block_directions(session));
  }
}

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

/// Runs `op`, throwing SshError(timeout, `message`) if it has not finished within `limit`.
/// Cancelling the caller cancels `op`.
template <class T>
asio::awaitable<T> within(std::chrono::steady_clock::duration limit, asio::awaitable<T> op,
                          std::string message) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  auto result = co_await (detail::capture(std::move(op)) || timer.async_wait(asio::use_awaitable));
  if (result.index() == 1) {
    throw SshError(FailureKind::timeout, message);
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

}  // namespace brigade::ssh
