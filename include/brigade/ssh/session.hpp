#pragma once

#include <brigade/ssh/ssh_config.hpp>
#include <brigade/ssh/transport.hpp>
#include <brigade/util/failure.hpp>
#include <brigade/util/output_sink.hpp>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct _LIBSSH2_SESSION;
struct _LIBSSH2_CHANNEL;

namespace brigade::ssh {

class HostKeyStore;
class Credentials;
class JumpHosts;
class StartupLimit;

using brigade::OutputSink;
using brigade::OutputStream;

/// Data for a command's stdin that it asks for by printing `line` on stdout (the line is not
/// passed on): `parts` are written one after another, and stdin stays open after them.
struct StdinOffer {
  std::string line;
  std::vector<std::shared_ptr<const std::string>> parts;
};

/// A conversation with the command: sees each stdout line before the offers and the sink, and
/// answers it with stdin data decided when the line arrives (what a node asks for depends on
/// what it said before). A line it takes is not passed on.
class StdinResponder {
 public:
  virtual ~StdinResponder() = default;
  /// True when `line` was the responder's; what to write to stdin is appended to `send`.
  virtual bool on_line(std::string_view line,
                       std::vector<std::shared_ptr<const std::string>>& send) = 0;
};

/// A prompt the command may print on stderr, a line of its own (sudo -S's, made one with `-p`):
/// `answer` is written to its stdin when it appears, ahead of anything offered later, and the
/// line is not passed on. Printed again, the answer was wrong: the exec fails at once with
/// `refused` (of `kind`) rather than wait for an answer that will not come.
struct StderrPrompt {
  std::string line;
  std::shared_ptr<const std::string> answer;
  std::string refused;
  FailureKind kind = FailureKind::auth;
  /// A stdout line after which the prompt is no longer answered (the command it guards runs).
  std::string closed_by{};
};

/// A command to run on a channel.
struct ExecRequest {
  std::string command;
  bool pty = false;  ///< Request a terminal (stderr merges into stdout, as with ssh -t).
  /// Bytes fed to the command's stdin at once, then EOF. Without it (and without offers) the
  /// command's stdin is empty, and the command is wrapped so that it is stopped when the
  /// connection goes away.
  std::shared_ptr<const std::string> stdin_data{};
  /// Instead of stdin_data: what the command may ask for; each offer is answered the first
  /// time its line is printed, in the order asked, and never again. The command is run as
  /// given: it must read exactly what it asked for and, for the rest, stop itself when stdin
  /// ends, as one that ends in stoppable_command() does.
  std::vector<StdinOffer> stdin_offers{};
  /// With stdin_offers (or none): a prompt answered once (a sudo password).
  std::optional<StderrPrompt> stderr_prompt{};
  /// With stdin_offers: written at once, ahead of anything asked for (a script the command
  /// reads from stdin); stdin stays open after them.
  std::vector<std::shared_ptr<const std::string>> stdin_at_start{};
  /// With stdin_offers (or none): answers stdout lines as they come; outlives the exec.
  StdinResponder* responder = nullptr;
};

/// How a remote command ended.
struct ExecResult {
  int exit_status = -1;     ///< -1 when it ended by a signal.
  std::string exit_signal;  ///< "TERM", "KILL", … or empty.
};

/// Shared by every session of a run: host keys and credentials.
struct SessionContext {
  HostKeyStore* host_keys = nullptr;
  Credentials* credentials = nullptr;
  JumpHosts* jump_hosts = nullptr;  ///< For hosts reached through jump hosts.
  /// Bounds the connections being set up at once (connect, handshake, authentication); null:
  /// no bound. Nodes' contexts have one, jump hosts' do not: a jump host's session is set up
  /// inside the slot of the node waiting for it, and waiting for a second slot could deadlock.
  StartupLimit* startups = nullptr;
};

/// One authenticated SSH connection driven by libssh2 in non-blocking mode on an Asio
/// executor, over a Transport (today its own TCP connection). Every step awaits the
/// transport's readiness; nothing blocks the io_context.
class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Reaches the host — its own TCP connection (bounded by ConnectTimeout), its ProxyCommand
  /// (whose stderr lines go to `proxy_stderr`, if given), or a channel through its jump hosts —
  /// then handshakes, verifies the host key and authenticates. Throws SshError.
  static asio::awaitable<std::unique_ptr<Session>> connect(HostConfig config,
                                                           SessionContext context,
                                                           OutputSink* proxy_stderr = nullptr);

  /// The same over a stream already open to the host (a jump host's channel, a ProxyCommand):
  /// handshake, host key as for a direct connection, authentication. Throws SshError.
  static asio::awaitable<std::unique_ptr<Session>> over(std::unique_ptr<Transport> transport,
                                                        HostConfig config, SessionContext context);

  /// Runs `request` on a new channel, streaming its output to `sink`. Throws SshError.
  asio::awaitable<ExecResult> exec(ExecRequest request, OutputSink& sink);

  /// Says goodbye to the server (SSH_MSG_DISCONNECT), bounded by one second.
  asio::awaitable<void> close();

  const HostConfig& config() const { return config_; }

  /// What libssh2 hands back to our callbacks (its session "abstract" pointer).
  struct Abstract {
    std::chrono::steady_clock::time_point last_received;  ///< Set on every byte received.
    const std::string* password = nullptr;                ///< For keyboard-interactive.
    Transport* transport = nullptr;                       ///< What libssh2's I/O goes through.
  };

 private:
  friend class JumpSession;  // drives a jump host's session itself, for many channels
  Session(asio::any_io_executor executor, HostConfig config);

  // The protocol steps, one per function as in curl's ssh_state_*(); defined in src/ssh/.
  asio::awaitable<void> handshake(SessionContext& context);
  void verify_host_key(SessionContext& context);
  asio::awaitable<void> authenticate(SessionContext& context);
  asio::awaitable<void> disconnect();
  asio::awaitable<_LIBSSH2_CHANNEL*> open_channel();
  asio::awaitable<void> start_command(_LIBSSH2_CHANNEL* channel, const ExecRequest& request);
  asio::awaitable<void> pump(_LIBSSH2_CHANNEL* channel, const ExecRequest& request,
                             OutputSink& sink);
  /// After the server's EOF: waits for its close, which follows the command's exit status.
  asio::awaitable<void> wait_for_exit(_LIBSSH2_CHANNEL* channel);
  asio::awaitable<ExecResult> finish_channel(_LIBSSH2_CHANNEL* channel);
  /// Waits for the socket; with ServerAliveInterval, also sends keepalives and gives up on a
  /// peer that answers none of ServerAliveCountMax of them.
  asio::awaitable<void> wait_alive(int directions);
  /// libssh2's last error text, e.g. "Unable to exchange encryption keys".
  std::string last_error() const;
  /// The node and endpoint for messages: "root@127.0.0.1 port 2222".
  std::string where() const;

  asio::any_io_executor executor_;
  std::unique_ptr<Transport> transport_;
  _LIBSSH2_SESSION* session_ = nullptr;  // owned; freed before the transport goes (see ~Session)
  HostConfig config_;
  Abstract abstract_;
  std::chrono::steady_clock::time_point last_keepalive_;
  int keepalives_unanswered_ = 0;
};

}  // namespace brigade::ssh
