#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// The last `most` lines of some output, for a summary: older ones are dropped as new come.
class LastLines {
 public:
  static constexpr std::size_t kMaxLineBytes = 512;

  explicit LastLines(std::size_t most) : most_(most) {}

  /// A line longer than kMaxLineBytes is kept cut there (at a character's start), saying how
  /// much more it held: a summary of 10 lines stays a summary whatever a node prints.
  void add(std::string_view line) {
    if (line.size() > kMaxLineBytes) {
      std::size_t cut = kMaxLineBytes;
      while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
        --cut;  // not inside a UTF-8 sequence
      }
      lines_.emplace_back(std::string(line.substr(0, cut)) + " … (" +
                          std::to_string(line.size() - cut) + " more bytes)");
    } else {
      lines_.emplace_back(line);
    }
    if (lines_.size() > most_) {
      lines_.pop_front();
    }
  }
  bool empty() const { return lines_.empty(); }
  std::vector<std::string> lines() const { return {lines_.begin(), lines_.end()}; }
  /// The lines joined with `separator`.
  std::string joined(std::string_view separator) const {
    std::string out;
    for (const auto& line : lines_) {
      if (!out.empty()) {
        out += separator;
      }
      out += line;
    }
    return out;
  }

 private:
  std::size_t most_;
  std::deque<std::string> lines_;
};

}  // namespace brigade
