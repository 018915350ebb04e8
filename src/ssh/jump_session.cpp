#include "jump_session.hpp"

#include "session_io.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/this_coro.hpp>
#include <fmt/format.h>
#include <libssh2.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace brigade::ssh {

namespace {

// What one stream may hold in each direction before the other side must catch up: enough to
// keep a deploy's kitchen stream moving, small enough for hundreds of streams.
constexpr std::size_t kIncomingLimit = 256 * 1024;
constexpr std::size_t kOutgoingLimit = 256 * 1024;
constexpr std::size_t kWriteChunk = 64 * 1024;
constexpr std::size_t kReadBuffer = 64 * 1024;

// libssh2 1.10 refuses a handshake without a descriptor, and sets O_NONBLOCK on the one it is
// given (restoring it when the session is freed, if it had to set it); the callbacks do the
// I/O. One /dev/null descriptor, opened non-blocking and never closed, serves every session
// through a jump host, so nothing it does can touch a descriptor someone else owns.
int shared_null_fd() {
  static int fd = -1;
  if (fd < 0) {
    fd = ::open("/dev/null", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  }
  return fd;
}

}  // namespace

ForwardedStream::ForwardedStream(asio::any_io_executor executor)
    : changed(std::move(executor), std::chrono::steady_clock::time_point::max()) {}

asio::awaitable<void> wait_for_event(asio::steady_timer& event) {
  auto [ec] = co_await event.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  (void)ec;  // operation_aborted is the notification
  if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
    throw asio::system_error(asio::error::operation_aborted);
  }
}

JumpSession::JumpSession(asio::any_io_executor executor, std::string name, std::size_t max_channels,
                         std::function<void()> on_change)
    : executor_(executor),
      name_(std::move(name)),
      max_channels_(std::max<std::size_t>(max_channels, 1)),
      on_change_(std::move(on_change)),
      wake_(executor, std::chrono::steady_clock::time_point::max()),
      buffer_(kReadBuffer) {}

JumpSession::~JumpSession() = default;

void JumpSession::start(std::unique_ptr<Session> session) {
  session_ = std::move(session);
  asio::co_spawn(executor_, pump(), asio::detached);
}

void JumpSession::abandon() {
  ended_ = true;
}

void JumpSession::stop() {
  stopping_ = true;
  wake_pump();
}

asio::awaitable<std::unique_ptr<Transport>> JumpSession::open(std::string host, std::uint16_t port,
                                                              std::chrono::seconds timeout) {
  if (!usable()) {
    throw SshError(FailureKind::connect, "jump host " + name_ + ": the connection is gone");
  }
  auto stream = std::make_shared<ForwardedStream>(executor_);
  stream->host = host;
  stream->port = port;
  streams_.push_back(stream);
  if (opens_.empty()) {
    opening_since_ = std::chrono::steady_clock::now();
  }
  opens_.push_back(stream);
  wake_pump();
  // Made first: if this coroutine is cancelled or times out, the transport's end releases the
  // slot, and the pump frees the channel once libssh2 is done opening it.
  auto transport = std::make_unique<ChannelTransport>(shared_from_this(), stream);
  auto opened = [](std::shared_ptr<ForwardedStream> s) -> asio::awaitable<void> {
    while (s->state == ForwardedStream::State::opening) {
      co_await wait_for_event(s->changed);
    }
  };
  co_await within(timeout, opened(stream),
                  fmt::format("jump host {}: opening a connection to {} port {} timed out after {}",
                              name_, host, port, seconds_text(timeout)));
  if (stream->state == ForwardedStream::State::closed) {
    throw SshError(FailureKind::connect, stream->failure);
  }
  co_return transport;
}

asio::awaitable<void> JumpSession::pump() {
  auto self = shared_from_this();  // the pump keeps its session alive until it ends
  std::string reason;
  try {
    co_await pump_rounds();
    reason = "jump host " + name_ + ": the run is over";
  } catch (const std::exception& e) {
    reason = e.what();
  }
  end(reason);
}

asio::awaitable<void> JumpSession::pump_rounds() {
  using namespace asio::experimental::awaitable_operators;
  Transport& transport = *session_->transport_;
  while (!stopping_) {
    bool progress = false;
    int blocked = 0;
    bool half_sent = false;
    if (repeat_) {
      const Pending pending = *repeat_;
      repeat_.reset();
      if (perform(pending.op, pending.stream, progress, blocked) == Step::half_sent) {
        repeat_ = pending;
        half_sent = true;
      }
    }
    // A node that gave up before its open started needs none.
    while (!half_sent && !open_started_ && !opens_.empty() && opens_.front()->released) {
      auto dropped = opens_.front();
      open_ended();
      close_stream(*dropped, "");
      progress = true;
    }
    if (!half_sent && !opens_.empty()) {
      auto stream = opens_.front();
      if (perform(Op::open, stream, progress, blocked) == Step::half_sent) {
        repeat_ = Pending{Op::open, stream};
        half_sent = true;
      }
    }
    for (auto it = streams_.begin(); !half_sent && it != streams_.end();) {
      auto stream = *it++;  // the step may free this stream's slot
      std::vector<Op> ops;
      if (stream->state == ForwardedStream::State::opening) {
        continue;
      }
      if (stream->released || stream->state == ForwardedStream::State::closed) {
        if (stream->released) {
          ops.push_back(Op::free);
        }
      } else {
        if (stream->outgoing_held() > 0) {
          ops.push_back(Op::write);
        }
        if (stream->incoming_held() < kIncomingLimit) {
          ops.push_back(Op::read);
        }
      }
      for (Op op : ops) {
        if (perform(op, stream, progress, blocked) == Step::half_sent) {
          repeat_ = Pending{op, stream};
          half_sent = true;
          break;
        }
        if (stream->state == ForwardedStream::State::closed) {
          break;
        }
      }
    }
    if (half_sent) {
      // Nothing else may send until that packet is out; the jump host reads it on its own.
      co_await transport.wait(LIBSSH2_SESSION_BLOCK_OUTBOUND);
      continue;
    }
    if (progress) {
      continue;
    }
    // Reading one channel has libssh2 read whatever the socket holds into its queue, packets
    // for the other channels included: with those queued and the socket drained, sleeping on
    // the socket would sleep on them.
    bool reading = false;
    bool queued = false;
    for (const auto& stream : streams_) {
      if (stream->state == ForwardedStream::State::open && !stream->released &&
          stream->incoming_held() < kIncomingLimit) {
        reading = true;
        if (libssh2_poll_channel_read(stream->channel, 0) == 1) {
          queued = true;
          break;
        }
      }
    }
    if (queued) {
      continue;
    }
    // Keepalives only while nodes ride it: their replies are read with the nodes' data.
    std::optional<std::chrono::steady_clock::time_point> next_keepalive;
    if (reading) {
      next_keepalive = keep_alive(blocked);
      if (repeat_) {
        continue;
      }
    }
    if (next_keepalive) {
      asio::steady_timer timer(executor_, *next_keepalive);
      co_await (transport.wait(blocked != 0 ? blocked : LIBSSH2_SESSION_BLOCK_INBOUND) ||
                wait_for_event(wake_) || timer.async_wait(asio::use_awaitable));
    } else if (reading || !opens_.empty() || blocked != 0) {
      co_await (transport.wait(blocked != 0 ? blocked : LIBSSH2_SESSION_BLOCK_INBOUND) ||
                wait_for_event(wake_));
    } else {
      co_await wait_for_event(wake_);  // nothing to read for: only a node can give it work
    }
  }
}

JumpSession::Step JumpSession::perform(Op op, const std::shared_ptr<ForwardedStream>& stream,
                                       bool& progress, int& blocked) {
  Step step = Step::done;
  switch (op) {
    case Op::open:
      step = open_channel(*stream, progress);
      break;
    case Op::write:
      step = write_channel(*stream, progress);
      break;
    case Op::read:
      step = read_channel(*stream, progress);
      break;
    case Op::free:
      step = free_channel(stream, progress);
      break;
    case Op::keepalive: {
      // Sending another finishes the half-sent one (libssh2 sends what it holds first).
      int seconds_to_next = 0;
      libssh2_keepalive_send(session_->session_, &seconds_to_next);
      step = Step::again;
      break;
    }
  }
  if (step != Step::done) {
    step = blocked_step(blocked);
  }
  return step;
}

JumpSession::Step JumpSession::blocked_step(int& blocked) const {
  const int directions = libssh2_session_block_directions(session_->session_);
  blocked |= directions;
  return (directions & LIBSSH2_SESSION_BLOCK_OUTBOUND) != 0 ? Step::half_sent : Step::again;
}

bool JumpSession::channel_error(int rc) {
  switch (rc) {
    case LIBSSH2_ERROR_CHANNEL_FAILURE:
    case LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED:
    case LIBSSH2_ERROR_CHANNEL_UNKNOWN:
    case LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED:
    case LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED:
    case LIBSSH2_ERROR_CHANNEL_CLOSED:
    case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
      return true;
    default:
      return false;
  }
}

JumpSession::Step JumpSession::open_channel(ForwardedStream& stream, bool& progress) {
  LIBSSH2_SESSION* session = session_->session_;
  open_started_ = true;
  LIBSSH2_CHANNEL* channel =
      libssh2_channel_direct_tcpip_ex(session, stream.host.c_str(), stream.port, "127.0.0.1", 22);
  if (channel == nullptr) {
    const int rc = libssh2_session_last_errno(session);
    if (rc == LIBSSH2_ERROR_EAGAIN) {
      return Step::again;
    }
    open_started_ = false;
    if (!channel_error(rc)) {
      throw SshError(FailureKind::connect, "jump host " + name_ + ": the connection was lost (" +
                                               session_->last_error() + ")");
    }
    open_ended();
    progress = true;
    // "Channel open failure (connect failed)", "(administratively prohibited)": the jump host
    // could not, or may not, connect there.
    close_stream(stream, fmt::format("jump host {} could not connect to {} port {}: {}", name_,
                                     stream.host, stream.port, session_->last_error()));
    return Step::done;
  }
  open_started_ = false;
  open_ended();
  progress = true;
  stream.channel = channel;
  stream.state = ForwardedStream::State::open;
  stream.notify();
  return Step::done;
}

JumpSession::Step JumpSession::write_channel(ForwardedStream& stream, bool& progress) {
  // Repeated after EAGAIN with what was passed before at its start: only the front is consumed.
  const std::size_t chunk = std::min(stream.outgoing_held(), kWriteChunk);
  const ssize_t n =
      libssh2_channel_write(stream.channel, stream.outgoing.data() + stream.outgoing_sent, chunk);
  if (n == LIBSSH2_ERROR_EAGAIN) {
    return Step::again;
  }
  if (n < 0) {
    if (!channel_error(static_cast<int>(n))) {
      throw SshError(FailureKind::protocol, "jump host " + name_ + ": the connection was lost (" +
                                                session_->last_error() + ")");
    }
    close_stream(stream, fmt::format("jump host {}: sending to {} port {} failed: {}", name_,
                                     stream.host, stream.port, session_->last_error()));
    progress = true;
    return Step::done;
  }
  stream.outgoing_sent += static_cast<std::size_t>(n);
  if (stream.outgoing_held() == 0) {
    stream.outgoing.clear();
    stream.outgoing_sent = 0;
  }
  if (n > 0) {
    progress = true;
    stream.notify();
  }
  return Step::done;
}

JumpSession::Step JumpSession::read_channel(ForwardedStream& stream, bool& progress) {
  while (stream.incoming_held() < kIncomingLimit) {
    const std::size_t room = std::min(buffer_.size(), kIncomingLimit - stream.incoming_held());
    const ssize_t n = libssh2_channel_read(stream.channel, buffer_.data(), room);
    if (n > 0) {
      if (stream.incoming_taken > 0 && stream.incoming_taken == stream.incoming.size()) {
        stream.incoming.clear();
        stream.incoming_taken = 0;
      }
      stream.incoming.append(buffer_.data(), static_cast<std::size_t>(n));
      progress = true;
      stream.notify();
      continue;
    }
    if (n == LIBSSH2_ERROR_EAGAIN) {
      return Step::again;
    }
    if (n < 0 && !channel_error(static_cast<int>(n))) {
      throw SshError(FailureKind::protocol, "jump host " + name_ + ": the connection was lost (" +
                                                session_->last_error() + ")");
    }
    if (n == 0 && libssh2_channel_eof(stream.channel) == 0) {
      return Step::done;
    }
    // The far end closed the connection (or the channel broke): what is buffered is the rest.
    close_stream(stream,
                 n == 0 ? std::string()
                        : fmt::format("jump host {}: the connection to {} port {} broke: {}", name_,
                                      stream.host, stream.port, session_->last_error()));
    progress = true;
    return Step::done;
  }
  return Step::done;
}

JumpSession::Step JumpSession::free_channel(const std::shared_ptr<ForwardedStream>& stream,
                                            bool& progress) {
  if (stream->channel != nullptr) {
    if (libssh2_channel_free(stream->channel) == LIBSSH2_ERROR_EAGAIN) {
      return Step::again;
    }
    stream->channel = nullptr;
  }
  streams_.remove(stream);
  progress = true;
  if (on_change_) {
    on_change_();
  }
  return Step::done;
}

std::optional<std::chrono::steady_clock::time_point> JumpSession::keep_alive(int& blocked) {
  const HostConfig& hop = session_->config();
  if (hop.server_alive_interval <= 0) {
    return std::nullopt;
  }
  const auto interval = std::chrono::seconds(hop.server_alive_interval);
  const auto now = std::chrono::steady_clock::now();
  const auto received = session_->abstract_.last_received;
  if (received > last_keepalive_) {
    keepalives_unanswered_ = 0;  // anything received proves the jump host alive
  }
  if (now - std::max(received, last_keepalive_) >= interval) {
    if (keepalives_unanswered_ >= hop.server_alive_count_max) {
      throw SshError(FailureKind::timeout,
                     fmt::format("jump host {} is not responding: {} keepalives unanswered "
                                 "(ServerAliveInterval {}, ServerAliveCountMax {})",
                                 name_, keepalives_unanswered_, hop.server_alive_interval,
                                 hop.server_alive_count_max));
    }
    libssh2_keepalive_config(session_->session_, 1,
                             static_cast<unsigned>(hop.server_alive_interval));
    int seconds_to_next = 0;
    if (libssh2_keepalive_send(session_->session_, &seconds_to_next) == 0) {
      ++keepalives_unanswered_;
      last_keepalive_ = now;
    }
    const int directions = libssh2_session_block_directions(session_->session_);
    blocked |= directions;
    if ((directions & LIBSSH2_SESSION_BLOCK_OUTBOUND) != 0) {
      repeat_ = Pending{Op::keepalive, nullptr};
    }
  }
  return std::max(received, last_keepalive_) + interval;
}

void JumpSession::open_ended() {
  opens_.pop_front();
  opening_since_ = std::chrono::steady_clock::now();
  if (on_change_) {
    on_change_();  // the pool may hand it the next node
  }
}

void JumpSession::close_stream(ForwardedStream& stream, std::string failure) {
  if (stream.state == ForwardedStream::State::closed) {
    return;
  }
  if (stream.state == ForwardedStream::State::opening) {
    // The node waiting for it hears why; a released one is dropped by the round.
    if (stream.released) {
      streams_.remove_if([&stream](const auto& s) { return s.get() == &stream; });
      if (on_change_) {
        on_change_();
      }
    }
  }
  stream.state = ForwardedStream::State::closed;
  stream.failure = std::move(failure);
  stream.notify();
}

void JumpSession::end(const std::string& reason) {
  ended_ = true;
  repeat_.reset();
  opens_.clear();
  auto streams = std::move(streams_);
  streams_.clear();
  for (const auto& stream : streams) {
    stream->channel = nullptr;  // freed with the session
    if (stream->state != ForwardedStream::State::closed) {
      stream->state = ForwardedStream::State::closed;
      stream->failure = reason;
    }
    stream->notify();
  }
  session_.reset();  // the hard path: the reaper shuts the connection down and frees it
  if (on_change_) {
    on_change_();
  }
}

ChannelTransport::ChannelTransport(std::shared_ptr<JumpSession> jump,
                                   std::shared_ptr<ForwardedStream> stream)
    : jump_(std::move(jump)), stream_(std::move(stream)) {}

ChannelTransport::~ChannelTransport() {
  release();
}

void ChannelTransport::release() {
  if (!stream_->released) {
    stream_->released = true;
    jump_->wake_pump();
  }
}

ssize_t ChannelTransport::send(const void* data, std::size_t length) {
  if (stream_->state == ForwardedStream::State::closed || stream_->released) {
    return -ECONNRESET;
  }
  if (stream_->outgoing_held() >= kOutgoingLimit) {
    return -EAGAIN;
  }
  if (stream_->outgoing_sent > 0 && stream_->outgoing_sent >= stream_->outgoing.size() / 2) {
    stream_->outgoing.erase(0, stream_->outgoing_sent);
    stream_->outgoing_sent = 0;
  }
  stream_->outgoing.append(static_cast<const char*>(data), length);
  jump_->wake_pump();
  return static_cast<ssize_t>(length);
}

ssize_t ChannelTransport::receive(void* data, std::size_t length) {
  const std::size_t held = stream_->incoming_held();
  if (held == 0) {
    return stream_->state == ForwardedStream::State::closed ? -ECONNRESET : -EAGAIN;
  }
  const bool was_full = held >= kIncomingLimit;
  const std::size_t n = std::min(held, length);
  std::memcpy(data, stream_->incoming.data() + stream_->incoming_taken, n);
  stream_->incoming_taken += n;
  if (stream_->incoming_taken == stream_->incoming.size()) {
    stream_->incoming.clear();
    stream_->incoming_taken = 0;
  } else if (stream_->incoming_taken >= kReadBuffer) {
    stream_->incoming.erase(0, stream_->incoming_taken);
    stream_->incoming_taken = 0;
  }
  if (was_full) {
    jump_->wake_pump();  // it stopped reading for this stream
  }
  return static_cast<ssize_t>(n);
}

bool ChannelTransport::ready(int directions) const {
  if (stream_->state == ForwardedStream::State::closed) {
    return true;  // the next call says so
  }
  const bool out = (directions & LIBSSH2_SESSION_BLOCK_OUTBOUND) != 0;
  const bool in = (directions & LIBSSH2_SESSION_BLOCK_INBOUND) != 0 || !out;
  return (in && stream_->incoming_held() > 0) || (out && stream_->outgoing_held() < kOutgoingLimit);
}

asio::awaitable<void> ChannelTransport::wait(int directions) {
  while (!ready(directions)) {
    co_await wait_for_event(stream_->changed);
  }
}

int ChannelTransport::handshake_fd() const {
  return shared_null_fd();
}

int ChannelTransport::release_for_disposal() {
  release();
  return -1;
}

}  // namespace brigade::ssh
