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

/// Calls `call` until it returns something other than LIBSSH2_ERROR_EAGAIN, waiting for the
/// transport in the directions libssh2 asks for in between; libssh2 insists that the same call
/// is repeated until it completes.
template <class Call>
asio::awaitable<int> call_until_done(LIBSSH2_SESSION* session, Transport& transport, Call call) {
  for (;;) {
    int rc = static_cast<int>(call());
    if (rc != LIBSSH2_ERROR_EAGAIN) {
      co_return rc;
    }
    co_await transport.wait(libssh2_session_block_directions(session));
  }
}

/// The same for calls that return a pointer: NULL with last_errno EAGAIN means "again".
template <class Call>
asio::awaitable<decltype(std::declval<Call>()())> open_until_done(LIBSSH2_SESSION* session,
                                                                  Transport& transport, Call call) {
  for (;;) {
    auto* handle = call();
    if (handle != nullptr || libssh2_session_last_errno(session) != LIBSSH2_ERROR_EAGAIN) {
      co_return handle;
    }
    co_await transport.wait(libssh2_session_block_directions(session));
  }
}

using brigade::seconds_text;
using brigade::within;

}  // namespace brigade::ssh
