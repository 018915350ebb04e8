#include "support/async.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/run/local_process.hpp>
#include <brigade/util/line_splitter.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

using brigade::LocalCommand;
using brigade::LocalResult;
using brigade::run_local;
using brigade::test::TempDir;

namespace {

struct Lines {
  std::vector<std::string> out;
  std::vector<std::string> err;
  brigade::LocalLineSink sink() {
    return [this](bool is_stderr, std::string_view line) {
      (is_stderr ? err : out).emplace_back(line);
    };
  }
};

std::string script(const TempDir& dir, const std::string& name, const std::string& body) {
  auto path = dir.write(name, "#!/bin/sh\n" + body);
  std::filesystem::permissions(path, std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  return path.string();
}

LocalResult run(LocalCommand command, Lines& lines) {
  return brigade::test::run_async(run_local(std::move(command), lines.sink()));
}

}  // namespace

TEST_CASE("local process: arguments as given with no shell, output as lines", "[local]") {
  TempDir dir;
  auto echo = script(dir, "args", "for a in \"$@\"; do echo \"[$a]\"; done; echo err >&2; exit 4");
  Lines lines;
  auto result = run({{echo, "two words", "$HOME", "it's", "*", ""}, {}, {}, {}}, lines);
  CHECK(result.exit_status == 4);
  CHECK(result.signal.empty());
  CHECK(lines.out == std::vector<std::string>{"[two words]", "[$HOME]", "[it's]", "[*]", "[]"});
  CHECK(lines.err == std::vector<std::string>{"err"});
}

TEST_CASE("local process: output without newlines reaches the sink in bounded pieces", "[local]") {
  // 3 MiB and a bit on stdout without one newline, then a short last line on stderr: the
  // pieces are at most LineSplitter::kMaxLine each and lose nothing.
  TempDir dir;
  auto flood = script(dir, "flood", "head -c 3146000 /dev/zero | tr '\\0' x; echo last >&2");
  Lines lines;
  auto result = run({{flood}, {}, {}, {}}, lines);
  CHECK(result.exit_status == 0);
  std::size_t total = 0;
  for (const auto& piece : lines.out) {
    CHECK(piece.size() <= brigade::LineSplitter::kMaxLine);
    CHECK(piece.find_first_not_of('x') == std::string::npos);
    total += piece.size();
  }
  CHECK(lines.out.size() == 4);
  CHECK(total == 3146000);
  CHECK(lines.err == std::vector<std::string>{"last"});
}

TEST_CASE("local process: working directory, environment, stdin from /dev/null", "[local]") {
  TempDir dir;
  auto show = script(dir, "show", "pwd; echo \"$BRIGADE_HOOK_NAME\"; cat; echo end");
  Lines lines;
  auto result = run({{show}, dir.str(), {{"BRIGADE_HOOK_NAME", "drain"}}, {}}, lines);
  CHECK(result.exit_status == 0);
  CHECK(lines.out ==
        std::vector<std::string>{std::filesystem::canonical(dir.path()).string(), "drain", "end"});
}

TEST_CASE("local process: a signal, a missing program", "[local]") {
  TempDir dir;
  Lines lines;
  auto killed = run({{script(dir, "die", "kill -TERM $$")}, {}, {}, {}}, lines);
  CHECK(killed.signal == "TERM");
  CHECK(killed.exit_status == -1);
  Lines missing_lines;
  auto missing = run({{dir.str() + "/nope"}, {}, {}, {}}, missing_lines);
  CHECK(missing.exit_status == 127);
  CHECK(missing_lines.err ==
        std::vector<std::string>{"cannot run " + dir.str() + "/nope: No such file or directory"});
}

TEST_CASE("local process: past its timeout TERM, then KILL 5 s later", "[local]") {
  TempDir dir;
  Lines lines;
  auto polite =
      run({{script(dir, "slow", "echo started; exec sleep 30")}, {}, {}, std::chrono::seconds(1)},
          lines);
  CHECK(polite.timed_out);
  CHECK(polite.signal == "TERM");
  CHECK(lines.out == std::vector<std::string>{"started"});
  Lines stubborn_lines;
  auto stubborn =
      run({{script(dir, "stubborn", "trap '' TERM; echo $$; while :; do sleep 1; done")},
           {},
           {},
           std::chrono::seconds(1)},
          stubborn_lines);
  CHECK(stubborn.timed_out);
  CHECK(stubborn.signal == "KILL");
  CHECK(stubborn.duration_s >= 6.0);  // the 5 s grace was given, not a speed assertion
}

TEST_CASE("local process: TERM reaches what the program started too", "[local]") {
  TempDir dir;
  Lines lines;
  const std::string pid_file = dir.str() + "/child";
  // A script's own child, in the background: stopping the script alone would leave it behind.
  auto ended = run({{script(dir, "parent", "sleep 30 & echo $! > " + pid_file + "; wait")},
                    {},
                    {},
                    std::chrono::seconds(1)},
                   lines);
  CHECK(ended.timed_out);
  const pid_t child = std::stoi(brigade::test::run_shell_ok("cat " + pid_file));
  bool gone = false;
  for (int attempt = 0; attempt < 100 && !gone; ++attempt) {
    gone = ::kill(child, 0) != 0 || brigade::test::run_shell("grep -q '^State:.*Z' /proc/" +
                                                             std::to_string(child) + "/status")
                                            .status == 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(gone);
}

TEST_CASE("local process: output held open by a background child is read 2 s more, then left",
          "[local]") {
  TempDir dir;
  Lines lines;
  const std::string pid_file = dir.str() + "/child";
  // A daemon started without redirecting its output keeps the pipes open after the exit.
  auto ended = run(
      {{script(dir, "starter",
               "echo started; (sleep 30; echo late) & echo $! > " + pid_file + "; echo bye >&2")},
       {},
       {},
       {}},
      lines);
  CHECK(ended.exit_status == 0);
  CHECK_FALSE(ended.timed_out);
  CHECK(ended.duration_s >= 2.0);  // the grace was given (not a speed assertion)
  CHECK(ended.duration_s < 30.0);  // and the child was not waited for
  CHECK(lines.out == std::vector<std::string>{"started"});
  REQUIRE(lines.err.size() == 2);
  CHECK(lines.err[0] == "bye");
  CHECK(lines.err[1] ==
        "brigade: processes it started still hold its output open 2 s after its exit; their "
        "output is no longer read");
  ::kill(std::stoi(brigade::test::run_shell_ok("cat " + pid_file)), SIGKILL);
}

TEST_CASE("local process: cancellation stops the program and still reaps it", "[local]") {
  TempDir dir;
  auto pid_file = dir.str() + "/pid";
  auto program = script(dir, "wait", "echo $$ > " + pid_file + "; exec sleep 30");
  asio::io_context context(1);
  asio::cancellation_signal cancel;
  std::optional<LocalResult> result;
  Lines lines;
  asio::co_spawn(
      context, run_local({{program}, {}, {}, {}}, lines.sink()),
      asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, LocalResult r) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            FAIL(x.what());
          }
        }
        result = r;
      }));
  asio::steady_timer later(context, std::chrono::milliseconds(500));
  later.async_wait([&](asio::error_code) { cancel.emit(asio::cancellation_type::terminal); });
  context.run_for(std::chrono::seconds(20));
  REQUIRE(result.has_value());
  CHECK(result->cancelled);
  CHECK(result->signal == "TERM");
  int pid = std::stoi(brigade::test::run_shell_ok("cat " + pid_file));
  CHECK(::kill(pid, 0) != 0);  // gone and reaped
}

TEST_CASE("local process: no descriptor of Brigade's and none of its secrets reach the program",
          "[local]") {
  TempDir dir;
  // A descriptor opened without close-on-exec, as a library might open one.
  const int leaky = ::open(dir.write("open", "").c_str(), O_RDONLY);
  REQUIRE(leaky > 2);
  ::setenv("BRIGADE_KEY_PASSPHRASE", "hunter2", 1);
  ::setenv("BRIGADE_KEY_PASSPHRASE_NOT", "kept", 1);
  auto probe = script(dir, "probe",
                      "test -e /proc/$$/fd/" + std::to_string(leaky) +
                          " && echo leaked || echo closed\n"
                          "env | grep '^BRIGADE_KEY' | sort\n");
  Lines lines;
  auto result = run({{probe}, {}, {}, {}}, lines);
  ::unsetenv("BRIGADE_KEY_PASSPHRASE");
  ::unsetenv("BRIGADE_KEY_PASSPHRASE_NOT");
  ::close(leaky);
  CHECK(result.exit_status == 0);
  CHECK(lines.out == std::vector<std::string>{"closed", "BRIGADE_KEY_PASSPHRASE_NOT=kept"});
}
