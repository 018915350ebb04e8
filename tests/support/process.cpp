#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace brigade::test {

CommandOutput run_shell(const std::string& command) {
  CommandOutput result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    result.output.append(buffer, n);
  }
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string run_shell_ok(const std::string& command) {
  auto result = run_shell(command);
  INFO(command);
  REQUIRE(result.status == 0);
  return result.output;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

int result_in_child(const std::function<int()>& body) {
  std::fflush(nullptr);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int code = 2;
    try {
      code = body();
    } catch (...) {
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

namespace {

// The brigade binary's argv for `args`: `words` holds the strings `argv` points into.
std::vector<char*> brigade_argv(const std::vector<std::string>& args,
                                std::vector<std::string>& words) {
  words = {BRIGADE_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& word : words) {
    argv.push_back(word.data());
  }
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

namespace {

// Brigade, as a user starts it from a terminal: the signals it watches at their default, whatever
// the test runner inherited (a runner started in the background of a script ignores SIGINT, and
// Brigade keeps a signal ignored at its start ignored).
void default_signals() {
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    ::signal(signal, SIG_DFL);
  }
}

}  // namespace

int spawn_brigade(const std::vector<std::string>& args, const std::string& out_file,
                  const std::string& err_file) {
  std::vector<std::string> words;
  std::vector<char*> argv = brigade_argv(args, words);
  pid_t child = ::fork();
  if (child == 0) {
    [[maybe_unused]] auto* in = std::freopen("/dev/null", "r", stdin);
    [[maybe_unused]] auto* out = std::freopen(out_file.c_str(), "w", stdout);
    [[maybe_unused]] auto* err = std::freopen(err_file.c_str(), "w", stderr);
    default_signals();
    ::execv(BRIGADE_BINARY, argv.data());
    ::_exit(127);
  }
  return child;
}

TerminalRun run_brigade_on_terminal(const std::vector<std::string>& args, const std::string& prompt,
                                    const std::string& typed) {
  std::vector<std::string> words;
  std::vector<char*> argv = brigade_argv(args, words);
  int master = -1;
  const pid_t child = ::forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(child >= 0);
  if (child == 0) {
    default_signals();
    ::execv(BRIGADE_BINARY, argv.data());
    ::_exit(127);
  }
  TerminalRun run;
  bool answered = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{master, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) {
      continue;
    }
    char buffer[4096];
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0) {
      break;  // EIO: the program is gone, and its terminal with it
    }
    run.output.append(buffer, static_cast<std::size_t>(n));
    if (!answered && run.output.find(prompt) != std::string::npos) {
      const std::string line = typed + "\n";
      REQUIRE(::write(master, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
      answered = true;
    }
  }
  ::close(master);
  run.status = wait_for_exit(child, 10000);
  return run;
}

int wait_for_exit(int pid, int limit_ms) {
  int status = 0;
  for (int waited = 0; waited < limit_ms; waited += 20) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return kDidNotExit;
}

std::size_t wait_for_entries(const std::string& dir, std::size_t count, int limit_ms) {
  auto entries = [&] {
    std::error_code error;
    std::filesystem::directory_iterator listing(dir, error);
    return error ? std::size_t{0}
                 : static_cast<std::size_t>(
                       std::distance(listing, std::filesystem::directory_iterator()));
  };
  for (int waited = 0; waited < limit_ms && entries() < count; waited += 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return entries();
}

bool wait_until(const std::function<bool()>& done, int limit_ms) {
  for (int waited = 0; waited < limit_ms; waited += 20) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

bool wait_for_file(const std::string& path, int limit_ms) {
  return wait_until([&] { return std::filesystem::exists(path); }, limit_ms);
}

}  // namespace brigade::test
