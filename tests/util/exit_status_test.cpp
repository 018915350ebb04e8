#include <brigade/util/exit_status.hpp>

#include <catch2/catch.hpp>

#include <csignal>

TEST_CASE("exit status: a run ended by a signal exits as a shell reports it", "[exit_status]") {
  CHECK(brigade::exit_code_for_signal(SIGINT) == 130);
  CHECK(brigade::exit_code_for_signal(SIGTERM) == 143);
  CHECK(brigade::exit_code_for_signal(SIGINT) == brigade::kExitInterrupted);
  CHECK(brigade::exit_code_for_signal(SIGTERM) == brigade::kExitTerminated);
  // The codes the README's table lists, distinct from each other.
  CHECK(brigade::kExitNodeFailed == 1);
  CHECK(brigade::kExitUsage == 2);
  CHECK(brigade::kExitGlobalPreHook == 3);
  CHECK(brigade::kExitAborted == 4);
  CHECK(brigade::kExitWriteFailed == 5);
  CHECK(brigade::kExitInternalError == 70);
}
