#include "support/async.hpp"
#include "support/process.hpp"
#include "support/ssh_run.hpp"
#include "support/sshd.hpp"

#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>
#include <brigade/ssh/session.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include <openssl/sha.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

using namespace brigade::ssh;
using brigade::test::config_for;
using brigade::test::run_command;
using brigade::test::Sshd;

TEST_CASE("ssh: a command's output, stderr and exit status", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto run = run_command(config_for(sshd), {"echo hello; echo 'two words'; echo oops >&2; "
                                            "printf 'no newline'; exit 3"});
  CHECK(run.result.exit_status == 3);
  CHECK(run.result.exit_signal.empty());
  CHECK(run.sink.out == std::vector<std::string>{"hello", "two words", "no newline"});
  CHECK(run.sink.err == std::vector<std::string>{"oops"});
}

TEST_CASE("ssh: a command killed by a signal reports the signal", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto term = run_command(config_for(sshd), {"kill -TERM $$"});
  CHECK(term.result.exit_signal == "TERM");
  CHECK(term.result.exit_status == -1);
  auto kill = run_command(config_for(sshd), {"sleep 0.1; kill -KILL $$"});
  CHECK(kill.result.exit_signal == "KILL");
  auto zero = run_command(config_for(sshd), {"true"});
  CHECK(zero.result.exit_status == 0);
  // An exit status that looks like a signal's (130 = 128 + INT, 141 = 128 + PIPE) stays one,
  // and a real INT stays a signal.
  for (int status : {129, 130, 141, 143, 159}) {
    INFO(status);
    auto exited = run_command(config_for(sshd), {"exit " + std::to_string(status)});
    CHECK(exited.result.exit_status == status);
    CHECK(exited.result.exit_signal.empty());
  }
  auto interrupted = run_command(config_for(sshd), {"kill -INT $$; sleep 1"});
  CHECK(interrupted.result.exit_signal == "INT");
}

TEST_CASE("ssh: a command that closes its output before it exits is waited for, not stopped",
          "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  // The server's EOF says only that the output ended; the command's end is its exit status,
  // then the server's close. Closing the channel at EOF would end the command's stdin, and the
  // wrapper stops a command whose stdin ends: every program that closes stdout at exit (all of
  // coreutils) could be killed in that moment, and this one would be killed at once.
  Sshd sshd;
  auto run = run_command(config_for(sshd), {"echo before; exec >&- 2>&-; sleep 1; exit 3"});
  CHECK(run.sink.out == std::vector<std::string>{"before"});
  CHECK(run.result.exit_signal.empty());
  CHECK(run.result.exit_status == 3);
}

TEST_CASE("ssh: 50 MB of output arrive complete and in order", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  // 7,000,000 lines, 54 MB; stderr interleaved every 100,000 lines.
  auto run =
      run_command(config_for(sshd),
                  {"seq 1 7000000 | awk '{print} NR % 100000 == 0 {print NR > \"/dev/stderr\"}'"});
  CHECK(run.result.exit_status == 0);
  REQUIRE(run.sink.out.size() == 7000000);
  bool in_order = true;
  for (std::size_t i = 0; i < run.sink.out.size() && in_order; ++i) {
    in_order = run.sink.out[i] == std::to_string(i + 1);
  }
  CHECK(in_order);
  CHECK(run.sink.err.size() == 70);
  CHECK(run.sink.err.back() == "7000000");
}

TEST_CASE("ssh: 50 MB streamed to stdin arrive intact", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto data = std::make_shared<std::string>();
  data->reserve(50 << 20);
  std::uint32_t x = 12345;
  while (data->size() < (50u << 20)) {
    x = x * 1664525u + 1013904223u;  // deterministic, incompressible enough
    data->push_back(static_cast<char>(x >> 24));
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data->data()), data->size(), digest);
  char hex[2 * SHA256_DIGEST_LENGTH + 1];
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  }
  ExecRequest request{"sha256sum | cut -d' ' -f1; wc -c", false, data};
  auto run = run_command(config_for(sshd), request);
  CHECK(run.result.exit_status == 0);
  REQUIRE(run.sink.out.size() == 2);
  CHECK(run.sink.out[0] == hex);
  CHECK(run.sink.out[1] == "0");  // sha256sum consumed everything
}

TEST_CASE("ssh: stdin on request goes only when asked for, and stdin stays open", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto data = std::make_shared<const std::string>("0123456789");
  auto more = std::make_shared<const std::string>("abc");
  const std::vector<StdinOffer> offers = {{"send it", {data}}, {"send both", {data, more}}};
  // Asked: the line is not passed on, exactly the data arrives, and stdin is still open after
  // it (a read past it would wait: `timeout` ends it).
  ExecRequest asked{"echo 'send it'; head -c 10; echo; timeout 1 cat; echo \"after $?\"", false,
                    nullptr, offers};
  auto run = run_command(config_for(sshd), asked);
  CHECK(run.result.exit_status == 0);
  CHECK(run.sink.out == std::vector<std::string>{"0123456789", "after 124"});
  // The other offer: its parts in order; then the first, asked for later; each is answered
  // once, and an offer's line printed again is only output.
  ExecRequest both{
      "echo 'send both'; head -c 13; echo; echo 'send it'; head -c 10; echo; echo 'send both'; "
      "timeout 1 cat; echo \"after $?\"",
      false, nullptr, offers};
  auto second = run_command(config_for(sshd), both);
  CHECK(second.sink.out ==
        std::vector<std::string>{"0123456789abc", "0123456789", "send both", "after 124"});
  // Not asked: nothing is sent (cat would have printed it before its timeout).
  ExecRequest unasked{"timeout 1 cat; echo \"after $?\"", false, nullptr, offers};
  auto quiet = run_command(config_for(sshd), unasked);
  CHECK(quiet.sink.out == std::vector<std::string>{"after 124"});
}

TEST_CASE("ssh: a stderr prompt is answered once, ahead of stdin offers, and asked again it fails",
          "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto answer = std::make_shared<const std::string>("s3cret\n");
  auto data = std::make_shared<const std::string>("DATA");
  ExecRequest once{"echo 'pass?' >&2; read -r p; echo \"got $p\"; echo more; head -c 4; echo",
                   false,
                   nullptr,
                   {{"more", {data}}},
                   StderrPrompt{"pass?", answer, "the password was refused", FailureKind::sudo}};
  auto run = run_command(config_for(sshd), once);
  CHECK(run.sink.out == std::vector<std::string>{"got s3cret", "DATA"});
  CHECK(run.sink.err.empty());  // the prompt is not passed on
  // A second prompt means the answer was wrong: the exec fails at once with the request's
  // reason, not after the command's own wait (sleep).
  ExecRequest twice{"echo 'pass?' >&2; read -r p; echo 'pass?' >&2; sleep 30",
                    false,
                    nullptr,
                    {},
                    StderrPrompt{"pass?", answer, "the password was refused", FailureKind::sudo}};
  const auto started = std::chrono::steady_clock::now();
  CHECK(brigade::test::failure_of(config_for(sshd), twice) == "sudo: the password was refused");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
}
