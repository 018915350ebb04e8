#pragma once

// What every transport over a socket of its own does the same way (a TCP connection, a
// ProxyCommand's socket pair). Private to src/ssh/.

#include <asio/awaitable.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/use_awaitable.hpp>
#include <libssh2.h>

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>

namespace brigade::ssh {

/// Non-blocking send and receive as libssh2's callbacks want them: bytes moved, or -errno.
inline ssize_t socket_send(int fd, const void* data, std::size_t length) {
  const ssize_t n = ::send(fd, data, length, MSG_NOSIGNAL);
  return n < 0 ? -errno : n;
}

inline ssize_t socket_receive(int fd, void* data, std::size_t length) {
  const ssize_t n = ::recv(fd, data, length, 0);
  return n < 0 ? -errno : n;
}

/// Until `socket` is ready in libssh2's `directions` (neither: readable).
template <class Socket>
asio::awaitable<void> socket_wait(Socket& socket, int directions) {
  using namespace asio::experimental::awaitable_operators;
  const bool in = (directions & LIBSSH2_SESSION_BLOCK_INBOUND) != 0;
  const bool out = (directions & LIBSSH2_SESSION_BLOCK_OUTBOUND) != 0;
  if (in && out) {
    co_await (socket.async_wait(Socket::wait_read, asio::use_awaitable) ||
              socket.async_wait(Socket::wait_write, asio::use_awaitable));
  } else if (out) {
    co_await socket.async_wait(Socket::wait_write, asio::use_awaitable);
  } else {
    co_await socket.async_wait(Socket::wait_read, asio::use_awaitable);
  }
}

}  // namespace brigade::ssh
