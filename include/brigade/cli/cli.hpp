#pragma once

#include <ostream>

namespace brigade {

/// The `brigade` command line: parses `argv`, runs the command, returns the exit status.
/// Output goes to `out`, errors and warnings to `err`, so tests can run it in-process.
int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace brigade
