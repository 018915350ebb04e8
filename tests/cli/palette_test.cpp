#include <brigade/cli/palette.hpp>

#include <catch2/catch.hpp>

#include <pty.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

using brigade::ColorChoice;
using brigade::Palette;

namespace {

// Sets an environment variable for a scope, and puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      old_ = old;
    }
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A real terminal: the pair of a pseudo-terminal, the side a program writes to as a FILE*.
struct Pty {
  int master = -1;
  int slave = -1;
  std::FILE* stream = nullptr;
  Pty() {
    REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
    stream = ::fdopen(slave, "w");
  }
  ~Pty() {
    std::fclose(stream);
    ::close(master);
  }
};

}  // namespace

TEST_CASE("palette: --color parses auto, always and never, and suggests for a typo",
          "[cli][color]") {
  CHECK(brigade::parse_color_choice("auto").value() == ColorChoice::automatic);
  CHECK(brigade::parse_color_choice("always").value() == ColorChoice::always);
  CHECK(brigade::parse_color_choice("never").value() == ColorChoice::never);
  auto wrong = brigade::parse_color_choice("allways");
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().render() ==
        "--color: expected auto, always or never, got 'allways', did you mean 'always'?");
}

TEST_CASE("palette: auto colours a terminal unless NO_COLOR or TERM=dumb, never a pipe",
          "[cli][color]") {
  Pty terminal;
  ScopedEnv term("TERM", "xterm-256color");
  {
    ScopedEnv no_color("NO_COLOR", nullptr);
    CHECK(Palette::for_stream(ColorChoice::automatic, terminal.stream, true).on());
    // The output goes elsewhere (a string in a test): the terminal's answer does not count.
    CHECK_FALSE(Palette::for_stream(ColorChoice::automatic, terminal.stream, false).on());
    CHECK_FALSE(Palette::for_stream(ColorChoice::never, terminal.stream, true).on());
  }
  {
    ScopedEnv no_color("NO_COLOR", "1");
    CHECK_FALSE(Palette::for_stream(ColorChoice::automatic, terminal.stream, true).on());
    CHECK(Palette::for_stream(ColorChoice::always, terminal.stream, true).on());
  }
  {
    ScopedEnv no_color("NO_COLOR", "");  // set but empty: no-color.org says it does not count
    CHECK(Palette::for_stream(ColorChoice::automatic, terminal.stream, true).on());
  }
  {
    ScopedEnv no_color("NO_COLOR", nullptr);
    ScopedEnv dumb("TERM", "dumb");
    CHECK_FALSE(Palette::for_stream(ColorChoice::automatic, terminal.stream, true).on());
  }
  std::FILE* pipe_stream = ::popen("cat > /dev/null", "w");
  REQUIRE(pipe_stream != nullptr);
  CHECK_FALSE(Palette::for_stream(ColorChoice::automatic, pipe_stream, true).on());
  CHECK(Palette::for_stream(ColorChoice::always, pipe_stream, true).on());
  ::pclose(pipe_stream);
}

TEST_CASE("palette: paints only when on", "[cli][color]") {
  CHECK(Palette(true).failed("FAILED") == "\x1b[1;31mFAILED\x1b[0m");
  CHECK(Palette(true).skipped("SKIPPED") == "\x1b[33mSKIPPED\x1b[0m");
  CHECK(Palette(true).ok("ok") == "\x1b[32mok\x1b[0m");
  CHECK(Palette(false).failed("FAILED") == "FAILED");
  CHECK(Palette().ok("ok") == "ok");
}
