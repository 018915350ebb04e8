#pragma once

// The byte stream an SSH session runs over. libssh2 does its I/O through the session's send
// and receive callbacks, which call the transport; the session waits for readiness through it
// too. Today's transport is a TCP connection of the session's own (TcpTransport); a channel on
// a jump host's session or a ProxyCommand's pipes are others behind the same seam.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace brigade::ssh {

class Transport {
 public:
  virtual ~Transport() = default;

  /// Non-blocking, as libssh2's callbacks want: the bytes moved, or -errno (-EAGAIN: not now).
  virtual ssize_t send(const void* data, std::size_t length) = 0;
  virtual ssize_t receive(void* data, std::size_t length) = 0;

  /// Until the stream can move bytes in `directions` (LIBSSH2_SESSION_BLOCK_INBOUND and/or
  /// _OUTBOUND; neither: inbound).
  virtual asio::awaitable<void> wait(int directions) = 0;

  /// After the stream ended: what it knows of why, for the message ("its ProxyCommand exited
  /// with status 1", "jump host … : the connection was lost …"); empty when nothing.
  virtual std::string why_closed() { return {}; }

  /// The descriptor handed to libssh2_session_handshake. libssh2 1.10 refuses -1 ("Bad socket
  /// provided") and sets O_NONBLOCK on what it is given; the callbacks do the I/O.
  virtual int handshake_fd() const = 0;

  /// For the hard stop (see SessionReaper): the descriptor to shut down and close after the
  /// session is freed, taken out of Asio's hands on the io thread; -1 if there is none. The
  /// transport is unusable afterwards.
  virtual int release_for_disposal() = 0;

  virtual asio::any_io_executor executor() = 0;
};

}  // namespace brigade::ssh
