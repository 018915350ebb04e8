#include "process_transport.hpp"

#include "session_reaper.hpp"
#include "socket_io.hpp"

#include <brigade/ssh/proxy_command.hpp>
#include <brigade/ssh/ssh_error.hpp>
#include <brigade/util/fd.hpp>
#include <brigade/util/line_splitter.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/use_awaitable.hpp>
#include <libssh2.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>

extern char** environ;

namespace brigade::ssh {

namespace {

// What may stand for a token in a command a shell reads: host names, IPv6 addresses, ports and
// user names as fleets have them. Anything else (a space, a quote, ';', '$', a newline…) would
// be read by the shell, and is refused.
bool plain(const std::string& value) {
  return !value.empty() && value.front() != '-' &&
         std::all_of(value.begin(), value.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' ||
                  c == ']' || c == '@' || c == '+';
         });
}

}  // namespace

Result<std::string> proxy_command_line(const HostConfig& host) {
  if (!host.proxy_command) {
    return Diagnostic{.message = "no ProxyCommand"};
  }
  const std::map<char, std::string> tokens = {
      {'h', host.host_name}, {'n', host.host}, {'p', std::to_string(host.port)}, {'r', host.user}};
  const std::string& text = *host.proxy_command;
  std::string out = "exec ";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 1 >= text.size()) {
      return Diagnostic{.message = "ProxyCommand: '%' at the end of '" + text + "'"};
    }
    const char t = text[++i];
    if (t == '%') {
      out += '%';
      continue;
    }
    const auto it = tokens.find(t);
    if (it == tokens.end()) {
      return Diagnostic{.message = std::string("ProxyCommand: unknown token %") + t + " in '" +
                                   text + "' (it takes %h, %n, %p, %r and %%)"};
    }
    if (!plain(it->second)) {
      return Diagnostic{.message = std::string("ProxyCommand: %") + t + " would put '" +
                                   it->second +
                                   "' into a shell command; refusing a value that is not a plain "
                                   "name (letters, digits and . - _ : [ ] @ +, no leading -)"};
    }
    out += it->second;
  }
  return out;
}

// The command's stderr, line by line, to the node's sink while the transport lives.
struct ProcessTransport::StderrReader : OutputSink {
  StderrReader(asio::any_io_executor executor, int fd, OutputSink* sink)
      : pipe(std::move(executor), fd), sink(sink), splitter(*this, OutputStream::err, true) {}
  void on_line(OutputStream stream, std::string_view line) override {
    if (sink != nullptr) {
      sink->on_line(stream, line);
    }
  }
  asio::posix::stream_descriptor pipe;
  OutputSink* sink;
  LineSplitter splitter;
};

namespace {

asio::awaitable<void> read_stderr(std::shared_ptr<ProcessTransport::StderrReader> reader);

}  // namespace

std::unique_ptr<ProcessTransport> ProcessTransport::start(const HostConfig& host,
                                                          asio::any_io_executor executor,
                                                          OutputSink* stderr_sink) {
  auto command = proxy_command_line(host);
  if (!command) {
    throw SshError(FailureKind::config, command.error().message);
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    throw SshError(FailureKind::connect,
                   std::string("ProxyCommand: cannot make a socket pair: ") + std::strerror(errno));
  }
  Fd ours(pair[0]);
  Fd theirs(pair[1]);
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw SshError(FailureKind::connect,
                   std::string("ProxyCommand: cannot make a pipe: ") + std::strerror(errno));
  }
  Fd err_read(err_pipe[0]);
  Fd err_write(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD}) {
    sigaddset(&defaults, signal);
  }
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  const char* argv[] = {"/bin/sh", "-c", command->c_str(), nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes,
                               const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    throw SshError(FailureKind::connect,
                   std::string("ProxyCommand: cannot start /bin/sh: ") + std::strerror(rc));
  }
  std::unique_ptr<ProcessTransport> transport(new ProcessTransport(executor, ours.release(), pid));
  transport->stderr_ = std::make_shared<StderrReader>(executor, err_read.release(), stderr_sink);
  asio::co_spawn(executor, read_stderr(transport->stderr_), asio::detached);
  return transport;
}

namespace {

asio::awaitable<void> read_stderr(std::shared_ptr<ProcessTransport::StderrReader> reader) {
  char buffer[4096];
  for (;;) {
    auto [ec, n] = co_await reader->pipe.async_read_some(
        asio::buffer(buffer), asio::experimental::as_tuple(asio::use_awaitable));
    if (n > 0) {
      reader->splitter.feed(std::string_view(buffer, n));
    }
    if (ec) {
      break;
    }
  }
  reader->splitter.finish();
}

}  // namespace

ProcessTransport::ProcessTransport(asio::any_io_executor executor, int fd, pid_t pid)
    : socket_(std::move(executor), asio::local::stream_protocol(), fd), pid_(pid) {}

// The command goes with the session: stopped (its group, a shell's children too) and reaped off
// the io thread.
ProcessTransport::~ProcessTransport() {
  if (stderr_) {
    stderr_->sink = nullptr;  // the node's output may be gone before the last line arrives
  }
  if (pid_ > 0) {
    ::kill(-pid_, SIGTERM);
    if (SessionReaper* reaper = SessionReaper::instance()) {
      reaper->reap_child(pid_);
    } else {
      SessionReaper::reap_child_now(pid_);
    }
  }
}

ssize_t ProcessTransport::send(const void* data, std::size_t length) {
  return socket_send(socket_.native_handle(), data, length);
}

ssize_t ProcessTransport::receive(void* data, std::size_t length) {
  return socket_receive(socket_.native_handle(), data, length);
}

asio::awaitable<void> ProcessTransport::wait(int directions) {
  return socket_wait(socket_, directions);
}

// On the failure path only: the command has usually ended when its end of the stream closed,
// but may take a moment to be seen as ended. Looked at without reaping it (the reaper does).
std::string ProcessTransport::why_closed() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid_) {
      if (info.si_code == CLD_EXITED) {
        return "its ProxyCommand exited with status " + std::to_string(info.si_status);
      }
      return std::string("its ProxyCommand was killed by signal ") + sigabbrev_np(info.si_status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return "";
}

int ProcessTransport::handshake_fd() const {
  return const_cast<asio::local::stream_protocol::socket&>(socket_).native_handle();
}

int ProcessTransport::release_for_disposal() {
  if (!socket_.is_open()) {
    return -1;
  }
  asio::error_code ec;
  const int fd = socket_.release(ec);
  return ec ? -1 : fd;
}

}  // namespace brigade::ssh
