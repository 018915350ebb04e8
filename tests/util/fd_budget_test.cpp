#include "support/process.hpp"

#include <brigade/util/fd_budget.hpp>

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <sstream>

using brigade::parallel_within_fd_limit;

TEST_CASE("fd budget: --parallel lowered to what the open-file limit holds, said once", "[fds]") {
  // In a child: the soft limit is the process's, and the tests go on with theirs.
  const int status = brigade::test::result_in_child([] {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = 256;  // 64 reserved: 192 left, 24 deploys or 96 execs
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      return 10;
    }
    std::ostringstream err;
    if (parallel_within_fd_limit(20, brigade::kFdsPerDeployNode, err) != 20 || !err.str().empty()) {
      return 11;
    }
    if (parallel_within_fd_limit(100, brigade::kFdsPerDeployNode, err) != 24) {
      return 12;
    }
    if (err.str().find("--parallel 100 lowered to 24: the open-file limit is 256") ==
        std::string::npos) {
      return 13;
    }
    if (parallel_within_fd_limit(500, brigade::kFdsPerExecNode, err) != 96) {
      return 14;
    }
    limit.rlim_cur = 32;  // less than the reserve: still one at a time, never none
    ::setrlimit(RLIMIT_NOFILE, &limit);
    return parallel_within_fd_limit(8, brigade::kFdsPerExecNode, err) == 1 ? 0 : 15;
  });
  CHECK(status == 0);
}
