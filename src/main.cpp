#include <brigade/cli/cli.hpp>
#include <brigade/util/exit_status.hpp>
#include <brigade/util/fd_budget.hpp>
#include <brigade/util/process_guard.hpp>
#include <brigade/util/stdout_watch.hpp>

#include <malloc.h>

#include <csignal>
#include <cstring>
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
    // A reader of stdout that goes away (`brigade fix --json | head -1`) must not kill the run
    // before it writes its report and runs its global post hooks: the write fails instead
    // (EPIPE), is noted, and the run goes on. Programs Brigade starts get SIGPIPE back.
    std::signal(SIGPIPE, SIG_IGN);
    brigade::StdoutWatch stdout_watch(std::cout);
    int code = brigade::run_cli(argc, argv, std::cout, std::cerr);
    if (const int error = stdout_watch.flush_and_check(); error != 0) {
      std::cerr << "brigade: cannot write to standard output: " << std::strerror(error)
                << " (what came after was lost; a run's own records are in its run directory)\n";
      if (code == 0) {
        code = brigade::kExitWriteFailed;
      }
    }
    return code;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "brigade: internal error: " << e.what()
              << " (a bug in Brigade; please report it)\n";
  } catch (...) {
    std::cerr << "brigade: internal error (a bug in Brigade; please report it)\n";
  }
  return brigade::kExitInternalError;
}
