#include <brigade/util/process_guard.hpp>

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

namespace brigade {

void open_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      // open() returns the lowest free descriptor: this one, as the lower ones are open. No
      // O_CLOEXEC: a standard descriptor is meant to reach the programs Brigade starts.
      const int opened = open("/dev/null", O_RDWR | O_NOCTTY);
      if (opened != fd && opened >= 0) {
        dup2(opened, fd);
        close(opened);
      }
    }
  }
}

void forbid_core_dumps() {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace brigade
