#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>

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

}  // namespace brigade::test
