#include <brigade/util/exit_status.hpp>

#include <csignal>

namespace brigade {

int exit_code_for_signal(int signal) {
  return signal == SIGTERM ? kExitTerminated : signal == SIGHUP ? kExitHungUp : kExitInterrupted;
}

}  // namespace brigade
