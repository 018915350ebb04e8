#include <brigade/cli/interrupt_watch.hpp>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

namespace {

// Runs `body` in a child process (signals and their dispositions are the whole process's) and
// returns its wait status; the child's stdout comes back in `output`.
int in_child(void (*body)(), std::string& output) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  std::fflush(stdout);  // what the test runner buffered is not the child's to write
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // As from a terminal, whatever the test runner inherited (see the last test).
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
      ::signal(signal, SIG_DFL);
    }
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[0]);
    body();
    std::fflush(stdout);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  char buffer[256];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) {
    output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return status;
}

}  // namespace

TEST_CASE("interrupt watch: the first signal reaches the run, the second ends the process",
          "[cli][signals]") {
  std::string output;
  const int status = in_child(
      [] {
        asio::io_context context;
        brigade::InterruptWatch watch(context, [](int signal) {
          std::printf("interrupted by %d\n", signal);
          std::fflush(stdout);
        });
        asio::post(context, [] { ::kill(::getpid(), SIGTERM); });
        context.run();  // ends when the handler ran: nothing else is queued
        std::printf("signal %d\n", watch.signal());
        std::fflush(stdout);
        ::kill(::getpid(), SIGINT);  // the default action again: the process ends here
        ::pause();
        std::printf("still here\n");
      },
      output);
  CHECK(output == "interrupted by 15\nsignal 15\n");
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGINT);
}

TEST_CASE("interrupt watch: once stopped, the run is not told of a signal", "[cli][signals]") {
  std::string output;
  const int status = in_child(
      [] {
        asio::io_context context;
        brigade::InterruptWatch watch(context, [](int) { std::printf("told\n"); });
        watch.stop();
        context.run();
        std::printf("signal %d\n", watch.signal());
      },
      output);
  CHECK(output == "signal 0\n");
  CHECK(WIFEXITED(status));
}

TEST_CASE("interrupt watch: a signal ignored at the start stays ignored (nohup)",
          "[cli][signals]") {
  std::string output;
  const int status = in_child(
      [] {
        ::signal(SIGHUP, SIG_IGN);
        asio::io_context context;
        brigade::InterruptWatch watch(context, [](int signal) {
          std::printf("interrupted by %d\n", signal);
          std::fflush(stdout);
        });
        asio::post(context, [] {
          ::kill(::getpid(), SIGHUP);  // ignored: the run goes on
          ::kill(::getpid(), SIGTERM);
        });
        context.run();
        std::printf("signal %d\n", watch.signal());
      },
      output);
  CHECK(output == "interrupted by 15\nsignal 15\n");
  CHECK(WIFEXITED(status));
}
