#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace brigade {

/// Prints whole lines, and on a capable terminal keeps one live status line under them,
/// overprinted in place (\r, erase to end of line) and elided to the terminal's width, as
/// ninja's LinePrinter does. Without a terminal, or with TERM unset or dumb, it prints plain
/// lines and no status line at all. (NO_COLOR turns colour off, not the status line.)
class StatusLine {
 public:
  explicit StatusLine(std::FILE* stream);
  /// For tests: decide the mode instead of asking the terminal.
  StatusLine(std::FILE* stream, bool smart, std::size_t width);

  bool smart() const { return smart_; }
  std::size_t width() const { return width_; }

  /// Prints `line` above the status line.
  void print_line(std::string_view line);
  /// Replaces the status line (ignored when not smart). `fitted`: the caller made it fit the
  /// width already (it may hold colour, whose bytes take no column), so it is not elided.
  void set_status(std::string status, bool fitted = false);
  /// Clears the status line for good (before a summary).
  void finish();

 private:
  void redraw();

  std::FILE* stream_;
  bool smart_;
  std::size_t width_;
  std::string status_;
  bool fitted_ = false;
  bool shown_ = false;
};

/// `text` cut to `width` characters with "..." in the middle when it is longer.
std::string elide_middle(std::string_view text, std::size_t width);

}  // namespace brigade
