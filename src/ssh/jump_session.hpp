#pragma once

// One SSH session to a jump host that carries many nodes' connections, each a direct-tcpip
// channel, and the transport a node's session runs over through it. Private to src/ssh/.

#include <brigade/ssh/session.hpp>
#include <brigade/ssh/transport.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace brigade::ssh {

/// What a forwarded connection's transport and the pump share. The transport side only moves
/// bytes between these buffers and the node's session; every libssh2 call on the jump host's
/// session is the pump's.
struct ForwardedStream {
  explicit ForwardedStream(asio::any_io_executor executor);

  enum class State { opening, open, closed };
  State state = State::opening;
  std::string host;  ///< Where the jump host connects to, for messages.
  std::uint16_t port = 0;
  _LIBSSH2_CHANNEL* channel = nullptr;  ///< The pump's; null until open and once freed.
  std::string incoming;                 ///< Received from the far end, not yet taken.
  std::size_t incoming_taken = 0;
  std::string outgoing;  ///< From the node's session, not yet written to the channel.
  std::size_t outgoing_sent = 0;
  std::string failure;    ///< Why it closed; empty when the far end closed it.
  bool released = false;  ///< The node's session is done with it: the channel is freed.
  /// Cancelled (never re-armed) whenever the state or a buffer changes: what waits on it
  /// looks again.
  asio::steady_timer changed;

  std::size_t incoming_held() const { return incoming.size() - incoming_taken; }
  std::size_t outgoing_held() const { return outgoing.size() - outgoing_sent; }
  void notify() { changed.cancel(); }
};

/// Waits until `event` is cancelled by a notifier; throws operation_aborted when the waiting
/// coroutine itself is cancelled (a deadline, the run's cancellation).
asio::awaitable<void> wait_for_event(asio::steady_timer& event);

/// One session to a jump host, shared by the nodes behind it. A single coroutine, the pump,
/// makes every libssh2 call on it: libssh2 keeps one half-sent packet per session and expects
/// the call that returned EAGAIN to be repeated before any other that sends (a different one
/// would finish that packet and report its own as sent, dropping it), and it keeps one channel
/// open in progress per session. The pump repeats such a call first, alone; opens one channel at
/// a time, which also paces them; and reads for every channel, looking at libssh2's queue before
/// it sleeps, since reading one channel queues what arrived for the others.
class JumpSession : public std::enable_shared_from_this<JumpSession> {
 public:
  /// `name` says which jump host it is in messages ("bastion (admin@10.0.0.1 port 22)");
  /// `on_change` is called when a channel slot frees, an open ends or the session ends.
  JumpSession(asio::any_io_executor executor, std::string name, std::size_t max_channels,
              std::function<void()> on_change);
  ~JumpSession();
  JumpSession(const JumpSession&) = delete;
  JumpSession& operator=(const JumpSession&) = delete;

  /// Takes the authenticated session and starts the pump.
  void start(std::unique_ptr<Session> session);
  /// The connection could not be made: nothing will be carried.
  void abandon();
  /// Ends the session: what it carries is cut (the run is over).
  void stop();

  bool connecting() const { return !session_ && !ended_; }
  bool usable() const { return session_ && !ended_ && !stopping_; }
  bool ended() const { return ended_; }
  bool has_room() const { return streams_.size() < max_channels_; }
  /// Whether it takes a node's open now: libssh2 opens one channel at a time per session, so a
  /// node handed one that is opening another would wait behind it, however long that takes.
  bool takes_open() const { return usable() && has_room() && opens_.empty(); }
  /// Whether it is opening a channel, and since when: an open that takes long is usually a
  /// target that does not answer (the jump host waits for its TCP timeout).
  bool opening() const { return !opens_.empty(); }
  std::chrono::steady_clock::time_point opening_since() const { return opening_since_; }
  std::size_t channels() const { return streams_.size(); }
  const std::string& name() const { return name_; }

  /// A stream to `host` port `port` from the jump host; its slot is taken at once. Throws
  /// SshError naming the jump host when it cannot be opened within `timeout`.
  asio::awaitable<std::unique_ptr<Transport>> open(std::string host, std::uint16_t port,
                                                   std::chrono::seconds timeout);

  void wake_pump() { wake_.cancel(); }

 private:
  enum class Step { done, again, half_sent };
  enum class Op { open, write, read, free, keepalive };
  struct Pending {
    Op op;
    std::shared_ptr<ForwardedStream> stream;
  };

  asio::awaitable<void> pump();
  asio::awaitable<void> pump_rounds();
  Step perform(Op op, const std::shared_ptr<ForwardedStream>& stream, bool& progress, int& blocked);
  Step open_channel(ForwardedStream& stream, bool& progress);
  Step write_channel(ForwardedStream& stream, bool& progress);
  Step read_channel(ForwardedStream& stream, bool& progress);
  Step free_channel(const std::shared_ptr<ForwardedStream>& stream, bool& progress);
  /// With the jump host's ServerAliveInterval: a keepalive when it has been silent that long;
  /// throws when ServerAliveCountMax of them went unanswered. When the next one is due.
  std::optional<std::chrono::steady_clock::time_point> keep_alive(int& blocked);
  /// After EAGAIN: `half_sent` when libssh2 holds a packet it could not finish sending.
  Step blocked_step(int& blocked) const;
  /// Whether a libssh2 error concerns one channel only (the session goes on).
  static bool channel_error(int rc);
  /// The front of opens_ is done with (opened, failed or dropped): the next may start.
  void open_ended();
  void close_stream(ForwardedStream& stream, std::string failure);
  /// Every stream closes with `reason`; the session is freed (the hard way).
  void end(const std::string& reason);

  asio::any_io_executor executor_;
  std::string name_;
  std::size_t max_channels_;
  std::function<void()> on_change_;
  std::unique_ptr<Session> session_;
  std::list<std::shared_ptr<ForwardedStream>> streams_;  ///< Every slot taken.
  std::deque<std::shared_ptr<ForwardedStream>> opens_;   ///< Waiting for their channel.
  std::optional<Pending> repeat_;  ///< The call that must come next (half-sent packet).
  bool open_started_ = false;      ///< libssh2 is opening the front of opens_.
  std::chrono::steady_clock::time_point opening_since_{};  ///< When the front of opens_ came.
  asio::steady_timer wake_;                                ///< Cancelled to wake the pump.
  std::vector<char> buffer_;
  std::chrono::steady_clock::time_point last_keepalive_{};
  int keepalives_unanswered_ = 0;
  bool stopping_ = false;
  bool ended_ = false;
};

/// A node's session's byte stream through a jump host: a direct-tcpip channel, read and
/// written by the jump session's pump.
class ChannelTransport final : public Transport {
 public:
  ChannelTransport(std::shared_ptr<JumpSession> jump, std::shared_ptr<ForwardedStream> stream);
  ~ChannelTransport() override;

  ssize_t send(const void* data, std::size_t length) override;
  ssize_t receive(void* data, std::size_t length) override;
  asio::awaitable<void> wait(int directions) override;
  std::string why_closed() override { return stream_->failure; }
  int handshake_fd() const override;
  int release_for_disposal() override;
  asio::any_io_executor executor() override { return stream_->changed.get_executor(); }

 private:
  bool ready(int directions) const;
  void release();

  std::shared_ptr<JumpSession> jump_;
  std::shared_ptr<ForwardedStream> stream_;
};

}  // namespace brigade::ssh
