#pragma once

#include <brigade/util/diagnostic.hpp>
#include <brigade/util/result.hpp>

#include <string>

namespace brigade {

/// Asks for a secret on the controlling terminal (/dev/tty, whatever stdin and stdout are),
/// echo off, and reads one line. The terminal's settings are restored afterwards, also when
/// SIGINT, SIGTERM or SIGHUP ends the program meanwhile. An error when there is no terminal.
Result<std::string> ask_secret_on_terminal(const std::string& prompt);

}  // namespace brigade
