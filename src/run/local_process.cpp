#include <brigade/run/local_process.hpp>
#include <brigade/util/fd.hpp>
#include <brigade/util/line_splitter.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>

extern char** environ;

namespace brigade {

namespace {

constexpr auto kKillAfter = std::chrono::seconds(5);
constexpr auto kOutputGrace = std::chrono::seconds(2);
constexpr auto tuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string signal_name(int signal) {
  const char* abbreviation = sigabbrev_np(signal);
  return abbreviation != nullptr ? abbreviation : std::to_string(signal);
}

// A LocalLineSink as an OutputSink, for the line splitter.
class LocalSinkAdapter : public OutputSink {
 public:
  explicit LocalSinkAdapter(const LocalLineSink& sink) : sink_(sink) {}
  void on_line(OutputStream stream, std::string_view line) override {
    sink_(stream == OutputStream::err, line);
  }

 private:
  const LocalLineSink& sink_;
};

// Reads one pipe to its end, cutting lines as SSH output is cut: a program that never prints
// a newline still reaches the sink in bounded pieces, never grows Brigade's memory.
asio::awaitable<void> drain(asio::posix::stream_descriptor& pipe, bool is_stderr,
                            const LocalLineSink& sink) {
  LocalSinkAdapter adapter(sink);
  LineSplitter lines(adapter, is_stderr ? OutputStream::err : OutputStream::out, false);
  char buffer[4096];
  for (;;) {
    auto [ec, n] = co_await pipe.async_read_some(asio::buffer(buffer), tuple);
    if (ec) {
      break;  // EOF (the program closed it) or cancelled
    }
    lines.feed(std::string_view(buffer, n));
  }
  lines.finish();
}

// A pipe whose ends are both close-on-exec: the child gets its end through dup2 only.
struct Pipe {
  Fd read;
  Fd write;
};

std::optional<Pipe> make_pipe() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    return std::nullopt;
  }
  return Pipe{Fd(ends[0]), Fd(ends[1])};
}

// Waits without throwing: on cancellation these end like the rest, and the state tells.
asio::awaitable<void> wait_readable(asio::posix::stream_descriptor& descriptor) {
  co_await descriptor.async_wait(asio::posix::stream_descriptor::wait_read, tuple);
}
asio::awaitable<void> wait_timer(asio::steady_timer& timer) {
  co_await timer.async_wait(tuple);
}

// Reads both pipes to their ends (or until they are cancelled), then says so through `done`
// and `signal`: a task beside the wait for the program's exit.
asio::awaitable<void> drain_both(asio::posix::stream_descriptor& out,
                                 asio::posix::stream_descriptor& err, const LocalLineSink& sink,
                                 bool& done, asio::steady_timer& signal) {
  using namespace asio::experimental::awaitable_operators;
  co_await (drain(out, false, sink) && drain(err, true, sink));
  done = true;
  signal.cancel();
}

// Variables Brigade takes secrets from: they never reach a program it starts.
constexpr std::string_view kSecretVariables[] = {"BRIGADE_KEY_PASSPHRASE"};

}  // namespace

asio::awaitable<LocalResult> run_local(LocalCommand command, LocalLineSink sink) {
  using namespace asio::experimental::awaitable_operators;
  auto executor = co_await asio::this_coro::executor;
  const auto started = std::chrono::steady_clock::now();
  LocalResult result;

  // Both or neither: the first pipe is closed again when the second cannot be made.
  std::optional<Pipe> out = make_pipe();
  std::optional<Pipe> err = out ? make_pipe() : std::nullopt;
  if (!out || !err) {
    sink(true, std::string("cannot create pipes: ") + std::strerror(errno));
    result.exit_status = 127;
    co_return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out->write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err->write.get(), 2);
  // Nothing else Brigade holds open (SSH sockets, the agent's socket, logs) reaches the
  // program, whether or not whoever opened it asked for close-on-exec.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!command.working_directory.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, command.working_directory.c_str());
  }
  // Our environment, without the secrets Brigade reads from it, plus the command's own
  // variables (later ones win).
  std::vector<std::string> variables;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view variable(*e);
    if (std::none_of(std::begin(kSecretVariables), std::end(kSecretVariables),
                     [&](std::string_view name) {
                       return variable.size() > name.size() && variable.starts_with(name) &&
                              variable[name.size()] == '=';
                     })) {
      variables.emplace_back(variable);
    }
  }
  for (const auto& [name, value] : command.environment) {
    std::erase_if(variables, [&](const std::string& v) { return v.starts_with(name + "="); });
    variables.push_back(name + "=" + value);
  }
  std::vector<char*> envp;
  for (auto& v : variables) {
    envp.push_back(v.data());
  }
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (auto& a : command.argv) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  // Its own process group, so that TERM and KILL reach what it started too (a script's sleep)
  // and a terminal's Ctrl-C reaches Brigade alone, which then stops it.
  // SIGPIPE as a program expects it: Brigade ignores it for itself, and an ignored signal would
  // stay ignored across exec.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  pid_t pid = -1;
  int rc = command.argv.empty()
               ? EINVAL
               : posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  out->write.reset();  // the child holds its own copies: EOF comes when it is done
  err->write.reset();
  asio::posix::stream_descriptor out_pipe(executor, out->read.release());
  asio::posix::stream_descriptor err_pipe(executor, err->read.release());
  if (rc != 0) {
    sink(true, "cannot run " + (command.argv.empty() ? std::string("nothing") : command.argv[0]) +
                   ": " + std::strerror(rc));
    result.exit_status = 127;
    co_return result;
  }
  // The pidfd becomes readable when the process exits: its exit is awaited like any I/O.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    // Out of descriptors: a program Brigade cannot watch is not left running unwatched.
    const int error = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    sink(true, std::string("cannot watch the process (pidfd_open): ") + std::strerror(error) +
                   "; it was stopped");
    result.exit_status = 127;
    co_return result;
  }
  asio::posix::stream_descriptor exited(executor, pidfd);

  auto kill_and_wait = [&]() -> asio::awaitable<void> {
    ::kill(-pid, SIGTERM);
    asio::steady_timer grace(executor, kKillAfter);
    auto first = co_await (exited.async_wait(asio::posix::stream_descriptor::wait_read, tuple) ||
                           grace.async_wait(tuple));
    if (first.index() == 1) {
      ::kill(-pid, SIGKILL);
      co_await exited.async_wait(asio::posix::stream_descriptor::wait_read, tuple);
    }
  };

  asio::steady_timer deadline(executor, asio::steady_timer::time_point::max());
  if (command.timeout) {
    deadline.expires_after(*command.timeout);
  }
  // The output is read by a task of its own, beside the wait for the exit.
  bool output_done = false;
  asio::steady_timer output_signal(executor, asio::steady_timer::time_point::max());
  asio::co_spawn(executor, drain_both(out_pipe, err_pipe, sink, output_done, output_signal),
                 asio::detached);
  auto ended = co_await (wait_readable(exited) || wait_timer(deadline));
  asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  if (state.cancelled() != asio::cancellation_type::none) {
    result.cancelled = true;  // an aborted run, SIGINT
  } else if (ended.index() == 1) {
    result.timed_out = true;
  }
  if (result.cancelled || result.timed_out) {
    // The program still goes, TERM then KILL, awaited on a fresh cancellation state so that
    // these waits are not cancelled in turn.
    co_await asio::this_coro::reset_cancellation_state();
    co_await asio::this_coro::throw_if_cancelled(false);
    co_await kill_and_wait();
  }
  // It has exited. What it started may still hold its output open (a daemon started without
  // redirecting stdout): read on for a short grace, then stop reading rather than wait for
  // them. These waits end by themselves, so a cancellation now must not interrupt them.
  const bool throwing = co_await asio::this_coro::throw_if_cancelled();
  co_await asio::this_coro::throw_if_cancelled(false);
  if (!output_done) {
    output_signal.expires_after(kOutputGrace);
    co_await output_signal.async_wait(tuple);
  }
  if (!output_done) {
    sink(true, fmt::format("brigade: processes it started still hold its output open {} s "
                           "after its exit; their output is no longer read",
                           kOutputGrace.count()));
    out_pipe.cancel();
    err_pipe.cancel();
    output_signal.expires_at(asio::steady_timer::time_point::max());
    while (!output_done) {
      co_await output_signal.async_wait(tuple);
    }
  }
  co_await asio::this_coro::throw_if_cancelled(throwing);
  int status = 0;
  ::waitpid(pid, &status, 0);  // it has exited: this reaps without waiting
  if (WIFEXITED(status)) {
    result.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = signal_name(WTERMSIG(status));
  }
  result.duration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  co_return result;
}

}  // namespace brigade
