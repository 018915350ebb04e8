#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
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

int spawn_brigade(const std::vector<std::string>& args, const std::string& out_file,
                  const std::string& err_file) {
  std::vector<std::string> words{BRIGADE_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& word : words) {
    argv.push_back(word.data());
  }
  argv.push_back(nullptr);
  pid_t child = ::fork();
  if (child == 0) {
    [[maybe_unused]] auto* in = std::freopen("/dev/null", "r", stdin);
    [[maybe_unused]] auto* out = std::freopen(out_file.c_str(), "w", stdout);
    [[maybe_unused]] auto* err = std::freopen(err_file.c_str(), "w", stderr);
    ::execv(BRIGADE_BINARY, argv.data());
    ::_exit(127);
  }
  return child;
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

}  // namespace brigade::test
