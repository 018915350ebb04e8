#pragma once

#include <string>

namespace brigade::test {

/// Output and exit status of a shell command run for a test's set-up.
struct CommandOutput {
  int status = -1;
  std::string output;  ///< stdout only
};

/// Runs `command` with /bin/sh and captures stdout; set-up only, never the code under test.
CommandOutput run_shell(const std::string& command);

/// Runs `command`, failing the test (REQUIRE) when it exits non-zero; returns its stdout.
std::string run_shell_ok(const std::string& command);

}  // namespace brigade::test
