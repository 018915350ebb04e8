#pragma once

// The EAGAIN bridge between libssh2 and Asio, in one place. Private to src/ssh/.

#include <brigade/ssh/session.hpp>
#include <brigade/ssh/ssh_error.hpp>
#include <brigade/util/deadline.hpp>

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

using brigade::seconds_text;
using brigade::within;

}  // namespace brigade::ssh
