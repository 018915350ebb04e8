#include <brigade/util/fd_budget.hpp>

#include <fmt/format.h>

#include <sys/resource.h>

#include <algorithm>

namespace brigade {

namespace {

// Held whatever the fleet's size: stdio, the event loop, the agent, known_hosts being read,
// the run log, the report, libraries' own.
constexpr std::size_t kReservedFds = 64;

}  // namespace

void raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::size_t parallel_within_fd_limit(std::size_t requested, std::size_t fds_per_node,
                                     std::ostream& err) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return requested;
  }
  const auto available = static_cast<std::size_t>(limit.rlim_cur);
  const std::size_t fit = available > kReservedFds
                              ? std::max<std::size_t>(1, (available - kReservedFds) / fds_per_node)
                              : 1;
  if (requested <= fit) {
    return requested;
  }
  err << fmt::format(
      "brigade: warning: --parallel {} lowered to {}: the open-file limit is {} (ulimit -n) and "
      "a node in flight needs up to {} descriptors; raise the hard limit to run more at once\n",
      requested, fit, available, fds_per_node);
  return fit;
}

}  // namespace brigade
