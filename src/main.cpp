#include <brigade/cli/cli.hpp>
#include <brigade/util/exit_status.hpp>
#include <brigade/util/fd_budget.hpp>

#include <exception>
#include <iostream>

// The one catch-all: errors are values below it; what arrives here is a bug, said as such.
int main(int argc, char** argv) {
  try {
    brigade::raise_open_file_limit();
    return brigade::run_cli(argc, argv, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "brigade: internal error: " << e.what()
              << " (a bug in Brigade; please report it)\n";
  } catch (...) {
    std::cerr << "brigade: internal error (a bug in Brigade; please report it)\n";
  }
  return brigade::kExitInternalError;
}
