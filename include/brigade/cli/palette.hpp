#pragma once

// Colour for the words an operator scans a run's output for: FAILED, SKIPPED, ok/deployed.
// Only on a terminal that can show it (`--color=auto`, the default): never when NO_COLOR is set
// (no-color.org), TERM is unset or "dumb", or the stream is not a terminal; `--color=always`
// and `--color=never` decide without looking.

#include <brigade/util/result.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace brigade {

enum class ColorChoice { automatic, always, never };

/// "auto", "always" or "never"; anything else is an error naming them.
Result<ColorChoice> parse_color_choice(std::string_view text);

class Palette {
 public:
  Palette() = default;  // no colour
  explicit Palette(bool on) : on_(on) {}
  /// The palette for `stream` (stdout or stderr) under `choice`; `is_stream` says that the
  /// output really goes to that stream (not to a string, as in tests).
  static Palette for_stream(ColorChoice choice, std::FILE* stream, bool is_stream);

  bool on() const { return on_; }
  std::string failed(std::string_view text) const { return paint("\x1b[1;31m", text); }
  std::string skipped(std::string_view text) const { return paint("\x1b[33m", text); }
  std::string ok(std::string_view text) const { return paint("\x1b[32m", text); }

 private:
  std::string paint(std::string_view sgr, std::string_view text) const;
  bool on_ = false;
};

}  // namespace brigade
