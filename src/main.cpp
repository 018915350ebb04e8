#include <brigade/cli/cli.hpp>
#include <brigade/util/exit_status.hpp>
#include <brigade/util/fd_budget.hpp>
#include <brigade/util/process_guard.hpp>

#include <malloc.h>

#include <exception>
#include <iostream>

// The one catch-all: errors are values below it; what arrives here is a bug, said as such.
int main(int argc, char** argv) {
  brigade::open_standard_fds();
  brigade::forbid_core_dumps();
  try {
    // Each SSH session is one block of ~55 KB (libssh2 keeps its transport buffers in the
    // session struct); hundreds of them come and go during a run, between small records that
    // live to its end. Left in the heap they fragment it: at 10,000 nodes with 1024 sessions
    // at once (--max-startups 1024) the process held 13 MB more than with this. Blocks from
    // 32 KiB get their own mapping instead, returned whole when freed (a mmap and a munmap a
    // session: microseconds).
    mallopt(M_MMAP_THRESHOLD, 32 * 1024);
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
