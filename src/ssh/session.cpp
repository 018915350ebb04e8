#include "process_transport.hpp"
#include "session_io.hpp"
#include "session_reaper.hpp"
#include "tcp_transport.hpp"

#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/jump_pool.hpp>
#include <brigade/ssh/session.hpp>
#include <brigade/ssh/startup_limit.hpp>
#include <brigade/util/strings.hpp>

#include <fmt/format.h>
#include <libssh2.h>

#include <sys/socket.h>

#include <cerrno>
#include <cmath>

namespace brigade::ssh {

namespace this_coro = asio::this_coro;

namespace {

// libssh2's I/O goes through the session's transport. What is received is noted, so that
// keepalives can tell a silent peer from a live one.
ssize_t receive_through_transport(libssh2_socket_t, void* buffer, size_t length, int,
                                  void** abstract) {
  auto* state = static_cast<Session::Abstract*>(*abstract);
  const ssize_t n = state->transport->receive(buffer, length);
  if (n > 0) {
    state->last_received = std::chrono::steady_clock::now();
  }
  return n;  // -errno on failure: libssh2's convention for its I/O callbacks
}

ssize_t send_through_transport(libssh2_socket_t, const void* buffer, size_t length, int,
                               void** abstract) {
  return static_cast<Session::Abstract*>(*abstract)->transport->send(buffer, length);
}

// A session handed over for freeing outlives its Session and transport: whatever libssh2 still
// tries to send or receive fails at once, touching neither (the connection is shut down too).
ssize_t send_nothing(libssh2_socket_t, const void*, size_t, int, void**) {
  return -ECONNRESET;
}

ssize_t receive_nothing(libssh2_socket_t, void*, size_t, int, void**) {
  return -ECONNRESET;
}

// The algorithms HostKeyAlgorithms allows, those known_hosts holds for the host first, so that
// a server with several keys shows one we can verify (OpenSSH's order_hostkeyalgs(), curl's
// ssh_force_knownhost_key_type).
std::string host_key_preference(const std::vector<std::string>& allowed,
                                const std::vector<std::string>& known_types) {
  std::vector<std::string> order;
  for (const auto& type : known_types) {
    if (std::find(allowed.begin(), allowed.end(), type) != allowed.end()) {
      order.push_back(type);
    }
  }
  for (const auto& algorithm : allowed) {
    if (std::find(order.begin(), order.end(), algorithm) == order.end()) {
      order.push_back(algorithm);
    }
  }
  return join(order, ",");
}

}  // namespace

Session::Session(asio::any_io_executor executor, HostConfig config)
    : executor_(std::move(executor)), config_(std::move(config)) {}

// The hard path, for errors and cancellation as well as after close(): the connection is shut
// down and the session freed by the reaper thread (see SessionReaper), never waiting on the peer.
Session::~Session() {
  if (session_ == nullptr) {
    return;  // the transport, if any, closes as it goes
  }
  libssh2_session_callback_set(session_, LIBSSH2_CALLBACK_SEND,
                               reinterpret_cast<void*>(&send_nothing));
  libssh2_session_callback_set(session_, LIBSSH2_CALLBACK_RECV,
                               reinterpret_cast<void*>(&receive_nothing));
  *libssh2_session_abstract(session_) = nullptr;
  const int fd = transport_ ? transport_->release_for_disposal() : -1;
  if (SessionReaper* reaper = SessionReaper::instance()) {
    reaper->dispose(session_, fd);
  } else {
    SessionReaper::dispose_now(session_, fd);
  }
}

std::string Session::last_error() const {
  char* message = nullptr;
  int length = 0;
  const int rc = libssh2_session_last_error(session_, &message, &length, 0);
  std::string text =
      message != nullptr ? std::string(message, static_cast<std::size_t>(length)) : "";
  // A stream that is not a socket of our own may know why it ended: say so.
  if ((rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND ||
       rc == LIBSSH2_ERROR_SOCKET_DISCONNECT) &&
      transport_) {
    if (const std::string why = transport_->why_closed(); !why.empty()) {
      text += "; " + why;
    }
  }
  return text;
}

std::string Session::where() const {
  return fmt::format("{} port {}", config_.host_name, config_.port);
}

asio::awaitable<std::unique_ptr<Session>> Session::connect(HostConfig config,
                                                           SessionContext context,
                                                           OutputSink* proxy_stderr) {
  if (config.unusable) {
    throw SshError(FailureKind::config, config.unusable->render());
  }
  // Held until the session is authenticated (or failed); ConnectTimeout starts after the wait.
  StartupLimit::Slot slot;
  if (context.startups != nullptr) {
    slot = co_await context.startups->acquire();
  }
  const auto limit = config.connect_timeout;
  std::unique_ptr<Transport> transport;
  if (!config.jump_hosts.empty()) {
    if (context.jump_hosts == nullptr) {
      throw std::logic_error("Session::connect through jump hosts without JumpHosts");
    }
    transport = co_await context.jump_hosts->forward(config.jump_hosts, config.host_name,
                                                     config.port, limit);
  } else if (config.proxy_command) {
    transport = ProcessTransport::start(config, co_await this_coro::executor, proxy_stderr);
  } else if (config.proxy_jump) {
    // Never a direct connection for a host that has a route of its own.
    throw SshError(FailureKind::config,
                   "ProxyJump " + *config.proxy_jump + ": its jump hosts were not resolved");
  } else {
    const std::string where = fmt::format("{} port {}", config.host_name, config.port);
    transport = co_await within(
        limit, TcpTransport::connect(config),
        "connect to " + where + ": timed out after " + seconds_text(limit) + " (ConnectTimeout)");
  }
  co_return co_await over(std::move(transport), std::move(config), context);
}

asio::awaitable<std::unique_ptr<Session>> Session::over(std::unique_ptr<Transport> transport,
                                                        HostConfig config, SessionContext context) {
  if (config.unusable) {
    throw SshError(FailureKind::config, config.unusable->render());
  }
  std::unique_ptr<Session> session(new Session(transport->executor(), std::move(config)));
  session->transport_ = std::move(transport);
  session->abstract_.transport = session->transport_.get();
  const auto limit = session->config_.connect_timeout;
  const std::string where = session->where();
  co_await within(limit, session->handshake(context),
                  "SSH handshake with " + where + " timed out after " + seconds_text(limit) +
                      " (ConnectTimeout)");
  session->verify_host_key(context);
  co_await within(limit, session->authenticate(context),
                  "authentication at " + where + " timed out after " + seconds_text(limit) +
                      " (ConnectTimeout)");
  co_return session;
}

asio::awaitable<void> Session::handshake(SessionContext& context) {
  session_ = libssh2_session_init_ex(nullptr, nullptr, nullptr, &abstract_);
  if (session_ == nullptr) {
    throw SshError(FailureKind::handshake, "cannot create an SSH session: out of memory");
  }
  libssh2_session_set_blocking(session_, 0);
  libssh2_session_callback_set(session_, LIBSSH2_CALLBACK_RECV,
                               reinterpret_cast<void*>(&receive_through_transport));
  libssh2_session_callback_set(session_, LIBSSH2_CALLBACK_SEND,
                               reinterpret_cast<void*>(&send_through_transport));
  std::vector<std::string> known;
  if (context.host_keys != nullptr) {
    known = context.host_keys->known_key_types(config_);
  }
  const std::string preference = host_key_preference(config_.host_key_algorithms, known);
  if (preference.empty() ||
      libssh2_session_method_pref(session_, LIBSSH2_METHOD_HOSTKEY, preference.c_str()) != 0) {
    throw SshError(FailureKind::config,
                   "no host-key algorithm Brigade can verify is allowed for " + where());
  }
  abstract_.last_received = std::chrono::steady_clock::now();
  int rc = co_await call_until_done(session_, *transport_, [this] {
    return libssh2_session_handshake(session_, transport_->handshake_fd());
  });
  if (rc == LIBSSH2_ERROR_KEX_FAILURE) {
    throw SshError(FailureKind::handshake,
                   "SSH handshake with " + where() + " failed: " + last_error() +
                       ". If the host has only an RSA host key: libssh2 1.10 verifies RSA host "
                       "keys only with ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse; give "
                       "the host an ed25519 key (ssh-keygen -A) or enable ssh-rsa there");
  }
  if (rc != 0) {
    std::string reason = last_error();
    if (rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
        rc == LIBSSH2_ERROR_SOCKET_SEND) {
      reason = "connection closed by the remote host (" + reason + ")";
    }
    throw SshError(FailureKind::handshake, "SSH handshake with " + where() + " failed: " + reason);
  }
}

void Session::verify_host_key(SessionContext& context) {
  std::size_t length = 0;
  int type = LIBSSH2_HOSTKEY_TYPE_UNKNOWN;
  const char* blob = libssh2_session_hostkey(session_, &length, &type);
  const char* name = nullptr;
  switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      name = "ssh-ed25519";
      break;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      name = "ecdsa-sha2-nistp256";
      break;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      name = "ecdsa-sha2-nistp384";
      break;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      name = "ecdsa-sha2-nistp521";
      break;
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      name = "ssh-rsa";
      break;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      name = "ssh-dss";
      break;
    default:
      break;
  }
  // A key we cannot name cannot be checked, and an unchecked key is never trusted.
  if (blob == nullptr || name == nullptr) {
    throw SshError(FailureKind::host_key,
                   "host key of " + where() + " has an unsupported type; refusing to connect");
  }
  if (context.host_keys == nullptr) {
    throw std::logic_error("Session::connect without a HostKeyStore");
  }
  context.host_keys->verify(config_, HostKey{name, std::string(blob, length)});
}

asio::awaitable<void> Session::close() {
  if (session_ == nullptr) {
    co_return;
  }
  try {
    co_await within(std::chrono::seconds(1), disconnect(), "disconnect timed out");
  } catch (const std::exception&) {
    // The destructor's hard path finishes the job either way.
  }
}

asio::awaitable<void> Session::disconnect() {
  co_await call_until_done(session_, *transport_, [this] {
    return libssh2_session_disconnect(session_, "brigade: done");
  });
}

}  // namespace brigade::ssh
