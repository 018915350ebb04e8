#include "session_io.hpp"

#include <brigade/ssh/remote_command.hpp>
#include <brigade/ssh/session.hpp>
#include <brigade/util/line_splitter.hpp>

#include <fmt/format.h>
#include <libssh2.h>

#include <algorithm>
#include <vector>

namespace brigade::ssh {

namespace {
// Large enough to keep the SSH window busy, small enough that one write returns quickly.
constexpr std::size_t kWriteChunk = 256 * 1024;
constexpr std::size_t kReadBuffer = 64 * 1024;
}  // namespace

asio::awaitable<ExecResult> Session::exec(ExecRequest request, OutputSink& sink) {
  const auto limit = config_.connect_timeout;
  LIBSSH2_CHANNEL* channel = co_await within(
      limit, open_channel(),
      "opening a channel on " + where() + " timed out after " + seconds_text(limit));
  co_await within(limit, start_command(channel, request),
                  "starting the command on " + where() + " timed out after " + seconds_text(limit));
  co_await pump(channel, request, sink);
  co_await wait_for_exit(channel);
  co_return co_await within(
      limit, finish_channel(channel),
      "closing the channel on " + where() + " timed out after " + seconds_text(limit));
}

asio::awaitable<LIBSSH2_CHANNEL*> Session::open_channel() {
  LIBSSH2_CHANNEL* channel = co_await open_until_done(
      session_, *transport_, [this] { return libssh2_channel_open_session(session_); });
  if (channel == nullptr) {
    throw SshError(FailureKind::channel,
                   "cannot open a channel on " + where() + ": " + last_error());
  }
  co_return channel;
}

asio::awaitable<void> Session::start_command(LIBSSH2_CHANNEL* channel, const ExecRequest& request) {
  if (request.pty) {
    int rc = co_await call_until_done(
        session_, *transport_, [channel] { return libssh2_channel_request_pty(channel, "xterm"); });
    if (rc != 0) {
      throw SshError(FailureKind::channel,
                     "the server refused a terminal on " + where() + ": " + last_error());
    }
  }
  // With a PTY, a hang-up stops the command; with stdin data, EOF on stdin ends it (tar -x);
  // otherwise the wrapper stops it when the connection goes (see stoppable_command).
  const std::string command = request.pty || request.stdin_data || !request.stdin_offers.empty() ||
                                      !request.stdin_at_start.empty() || request.stderr_prompt ||
                                      request.responder != nullptr
                                  ? request.command
                                  : stoppable_command(request.command);
  int rc = co_await call_until_done(session_, *transport_, [channel, &command] {
    return libssh2_channel_process_startup(channel, "exec", 4, command.c_str(),
                                           static_cast<unsigned int>(command.size()));
  });
  if (rc != 0) {
    throw SshError(FailureKind::channel,
                   "cannot start the command on " + where() + ": " + last_error());
  }
}

// One loop drives stdin, stdout and stderr. It waits only after a round in which every call
// returned EAGAIN: while writing, libssh2 may read packets for this channel into its own
// buffers, and a socket that has nothing more to read would never wake us for that data.
asio::awaitable<void> Session::pump(LIBSSH2_CHANNEL* channel, const ExecRequest& request,
                                    OutputSink& sink) {
  // Watches stdout for a line that asks for stdin, when there are offers, and stderr for the
  // prompt; what they ask for is queued in `to_send`, in the order they asked.
  class AskingSink : public OutputSink {
   public:
    AskingSink(OutputSink& next, const ExecRequest& request)
        : to_send(request.stdin_at_start),
          next_(next),
          request_(request),
          answered_(request.stdin_offers.size(), false) {}
    void on_line(OutputStream stream, std::string_view line) override {
      const auto& prompt = request_.stderr_prompt;
      if (stream == OutputStream::out && prompt && !prompt->closed_by.empty() &&
          line == prompt->closed_by) {
        prompt_closed = true;
      }
      if (stream == OutputStream::out && request_.responder != nullptr &&
          request_.responder->on_line(line, to_send)) {
        return;
      }
      if (stream == OutputStream::out) {
        for (std::size_t i = 0; i < request_.stdin_offers.size(); ++i) {
          const auto& offer = request_.stdin_offers[i];
          if (!answered_[i] && line == offer.line) {
            answered_[i] = true;
            to_send.insert(to_send.end(), offer.parts.begin(), offer.parts.end());
            return;
          }
        }
      }
      if (prompt && !prompt_closed && stream == OutputStream::err && line == prompt->line) {
        if (prompted) {
          throw SshError(prompt->kind, prompt->refused);
        }
        prompted = true;
        to_send.push_back(prompt->answer);
        return;
      }
      next_.on_line(stream, line);
    }
    std::vector<std::shared_ptr<const std::string>> to_send;
    bool prompted = false;
    bool prompt_closed = false;

   private:
    OutputSink& next_;
    const ExecRequest& request_;
    std::vector<bool> answered_;
  } asking(sink, request);
  LineSplitter out(asking, OutputStream::out, request.pty);
  LineSplitter err(asking, OutputStream::err, request.pty);
  const std::vector<std::shared_ptr<const std::string>> at_once =
      request.stdin_data ? std::vector{request.stdin_data}
                         : std::vector<std::shared_ptr<const std::string>>{};
  std::size_t part = 0;     // the part being written
  std::size_t written = 0;  // of that part
  // Without stdin data, or with data sent on request, EOF means "stop" to the wrapper: it is
  // never sent; the channel's close is the EOF.
  bool eof_sent = !request.stdin_data;
  // One buffer for every session on this thread: it is filled and emptied between two awaits,
  // so sessions never share it at the same time, and a session costs 64 KiB less.
  thread_local std::vector<char> buffer(kReadBuffer);
  last_keepalive_ = std::chrono::steady_clock::now();
  keepalives_unanswered_ = 0;

  for (;;) {
    int blocked = 0;
    bool progress = false;
    const auto* parts = request.stdin_data ? &at_once : &asking.to_send;
    while (part < parts->size() && written == (*parts)[part]->size()) {
      ++part;
      written = 0;
    }
    // A write that returned EAGAIN must be repeated with the same arguments before any other
    // send on this session (libssh2 keeps the packet it half sent and expects the same call
    // again): the chunk depends only on `part` and `written`, so it is.
    if (part < parts->size()) {
      const std::string& input = *(*parts)[part];
      std::size_t chunk = std::min(input.size() - written, kWriteChunk);
      ssize_t n = libssh2_channel_write(channel, input.data() + written, chunk);
      if (n >= 0) {
        written += static_cast<std::size_t>(n);
        progress = progress || n > 0;
      } else if (n == LIBSSH2_ERROR_EAGAIN) {
        blocked |= libssh2_session_block_directions(session_);
      } else {
        throw SshError(FailureKind::protocol,
                       "sending stdin to the command on " + where() + " failed: " + last_error());
      }
    } else if (!eof_sent) {
      int rc = libssh2_channel_send_eof(channel);
      if (rc == 0) {
        eof_sent = true;
        progress = true;
      } else if (rc == LIBSSH2_ERROR_EAGAIN) {
        blocked |= libssh2_session_block_directions(session_);
      } else {
        throw SshError(FailureKind::protocol,
                       "closing the command's stdin on " + where() + " failed: " + last_error());
      }
    }
    for (auto [stream_id, splitter] :
         {std::pair{0, &out}, std::pair{SSH_EXTENDED_DATA_STDERR, &err}}) {
      for (;;) {
        ssize_t n = libssh2_channel_read_ex(channel, stream_id, buffer.data(), buffer.size());
        if (n > 0) {
          splitter->feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
          progress = true;
          continue;
        }
        if (n == LIBSSH2_ERROR_EAGAIN) {
          blocked |= libssh2_session_block_directions(session_);
        } else if (n < 0) {
          throw SshError(FailureKind::protocol,
                         "reading the command's output on " + where() + " failed: " + last_error());
        }
        break;
      }
    }
    if (libssh2_channel_eof(channel) != 0) {
      out.finish();
      err.finish();
      co_return;
    }
    // Reading one stream makes libssh2 read whatever the socket holds, packets for the other
    // stream included, into its own queue: stdout that arrived between our stdout read and our
    // stderr read now sits in that queue with the socket drained, and waiting on the socket
    // would sleep on it. When that line asks for the kitchen, the node waits for us and we for
    // it — a deploy that hung once in some thousands. So wait only when no stdout is queued
    // (stderr cannot be: the stderr read, last of the round, returns what it queued).
    if (!progress && libssh2_poll_channel_read(channel, 0) != 1) {
      co_await wait_alive(blocked);
    }
  }
}

asio::awaitable<void> Session::wait_alive(int directions) {
  using namespace asio::experimental::awaitable_operators;
  if (config_.server_alive_interval <= 0) {
    co_await transport_->wait(directions);
    co_return;
  }
  const auto interval = std::chrono::seconds(config_.server_alive_interval);
  const auto now = std::chrono::steady_clock::now();
  if (abstract_.last_received > last_keepalive_) {
    keepalives_unanswered_ = 0;  // anything received proves the peer alive
  }
  if (now - std::max(abstract_.last_received, last_keepalive_) >= interval) {
    if (keepalives_unanswered_ >= config_.server_alive_count_max) {
      throw SshError(FailureKind::timeout,
                     fmt::format("{} is not responding: {} keepalives unanswered "
                                 "(ServerAliveInterval {}, ServerAliveCountMax {})",
                                 where(), keepalives_unanswered_, config_.server_alive_interval,
                                 config_.server_alive_count_max));
    }
    // libssh2's keepalive asks for a reply; the reply counts as "received". It cannot be sent
    // while another send is pending (-39); the next round tries again.
    libssh2_keepalive_config(session_, 1, static_cast<unsigned>(config_.server_alive_interval));
    int seconds_to_next = 0;
    if (libssh2_keepalive_send(session_, &seconds_to_next) == 0) {
      ++keepalives_unanswered_;
      last_keepalive_ = now;
    }
  }
  asio::steady_timer timer(executor_,
                           std::max(abstract_.last_received, last_keepalive_) + interval);
  co_await (transport_->wait(directions) || timer.async_wait(asio::use_awaitable));
}

// The server's EOF says the command's output ended, not that the command did: a program may
// close stdout and stderr before it exits (coreutils' do at exit, a daemon does before it goes
// on). Its end is the exit status, which the server sends before it closes the channel. Closing
// ours at EOF would end the command's stdin while it still runs, and the wrapper stops a
// command whose stdin ends: such commands were killed by TERM in that moment. So the close is
// the server's to make, as with OpenSSH's client; the time it takes is the command's, bounded by
// the run's timeout, with keepalives as while it printed.
asio::awaitable<void> Session::wait_for_exit(LIBSSH2_CHANNEL* channel) {
  for (;;) {
    const int rc = libssh2_channel_wait_closed(channel);
    if (rc == 0) {
      co_return;
    }
    if (rc != LIBSSH2_ERROR_EAGAIN) {
      throw SshError(FailureKind::protocol, "waiting for the command's exit status on " + where() +
                                                " failed: " + last_error());
    }
    co_await wait_alive(libssh2_session_block_directions(session_));
  }
}

asio::awaitable<ExecResult> Session::finish_channel(LIBSSH2_CHANNEL* channel) {
  co_await call_until_done(session_, *transport_,
                           [channel] { return libssh2_channel_close(channel); });
  ExecResult result;
  result.exit_status = libssh2_channel_get_exit_status(channel);
  char* signal = nullptr;
  std::size_t signal_length = 0;
  libssh2_channel_get_exit_signal(channel, &signal, &signal_length, nullptr, nullptr, nullptr,
                                  nullptr);
  if (signal != nullptr) {
    result.exit_signal.assign(signal, signal_length);
    result.exit_status = -1;
    libssh2_free(session_, signal);
  }
  co_await call_until_done(session_, *transport_,
                           [channel] { return libssh2_channel_free(channel); });
  co_return result;
}

}  // namespace brigade::ssh
