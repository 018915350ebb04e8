#include <brigade/util/exit_status.hpp>
#include <brigade/util/failure.hpp>

#include <catch2/catch.hpp>

#include <csignal>

using brigade::FailureKind;

TEST_CASE("failure: kinds as a summary names them, hooks and cancellations say it all",
          "[failure]") {
  CHECK(std::string(brigade::failure_kind_name(FailureKind::connect)) == "unreachable");
  CHECK(std::string(brigade::failure_kind_name(FailureKind::resolve)) == "unreachable");
  CHECK(std::string(brigade::failure_kind_name(FailureKind::protocol)) == "connection lost");
  CHECK(std::string(brigade::failure_kind_name(FailureKind::sync)) == "sync");
  CHECK(brigade::failure_kind_prefixes_message(FailureKind::auth));
  CHECK_FALSE(brigade::failure_kind_prefixes_message(FailureKind::hook));
  CHECK_FALSE(brigade::failure_kind_prefixes_message(FailureKind::cancelled));
  const brigade::NodeError error(FailureKind::timeout, "too slow");
  CHECK(error.kind() == FailureKind::timeout);
  CHECK(std::string(error.what()) == "too slow");
  CHECK(brigade::exit_code_for_signal(SIGINT) == 130);
  CHECK(brigade::exit_code_for_signal(SIGTERM) == 143);
}
