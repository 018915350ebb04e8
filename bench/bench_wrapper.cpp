// What the stop-on-disconnect wrapper costs a node: each command run as sshd runs it (the login
// shell's `-c`, stdin a pipe that closes when the command has exited, as the channel's does),
// once bare and once wrapped. Every process the command leaves behind (the watcher) is reaped
// here too (a child subreaper), so the CPU of all of them is counted. Prints a table.
//
//   build/bench/bench_wrapper [RUNS] [LOGIN_SHELL]

#include <brigade/ssh/remote_command.hpp>
#include <brigade/util/text_table.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

struct Cost {
  double cpu_ms = 0;   // user + system of every process, per command
  double wall_ms = 0;  // until the command and everything it started are gone
};

double cpu_seconds_of_children() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Runs `shell -c command` `runs` times, one after another.
Cost measure(const std::string& shell, const std::string& command, int runs) {
  const double cpu_before = cpu_seconds_of_children();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < runs; ++i) {
    int stdin_pipe[2];
    if (::pipe2(stdin_pipe, O_CLOEXEC) != 0) {
      std::perror("pipe2");
      std::exit(1);
    }
    const pid_t child = ::fork();
    if (child == 0) {
      ::dup2(stdin_pipe[0], 0);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::setsid();  // sshd makes each session's command a session leader
      ::execl(shell.c_str(), shell.c_str(), "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(stdin_pipe[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(stdin_pipe[1]);  // the channel closes once the command has exited
    while (::waitpid(-1, &status, 0) > 0) {
      // the watcher, once it has seen stdin end
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Cost{.cpu_ms = (cpu_seconds_of_children() - cpu_before) * 1000 / runs,
              .wall_ms = wall * 1000 / runs};
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 500;
  const std::string shell = argc > 2 ? argv[2] : "/bin/bash";
  if (runs <= 0) {
    std::cerr << "usage: bench_wrapper [RUNS] [LOGIN_SHELL]\n";
    return 2;
  }
  ::setenv("SHELL", shell.c_str(), 1);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  std::cout << fmt::format("{} runs of each, login shell {}, one at a time\n\n", runs, shell);
  brigade::TextTable table({"COMMAND", "CPU MS", "WALL MS"});
  for (const std::string command : {"true", "/bin/true"}) {
    measure(shell, command, runs / 10 + 1);  // warm the page cache
    const Cost bare = measure(shell, command, runs);
    const Cost wrapped = measure(shell, brigade::ssh::stoppable_command(command), runs);
    table.add_row(
        {command, fmt::format("{:.2f}", bare.cpu_ms), fmt::format("{:.2f}", bare.wall_ms)});
    table.add_row({command + " (wrapped)", fmt::format("{:.2f}", wrapped.cpu_ms),
                   fmt::format("{:.2f}", wrapped.wall_ms)});
    table.add_row({"  wrapper's share", fmt::format("{:.2f}", wrapped.cpu_ms - bare.cpu_ms),
                   fmt::format("{:.2f}", wrapped.wall_ms - bare.wall_ms)});
  }
  std::cout << table.render();
  return 0;
}
