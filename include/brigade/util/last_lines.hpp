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
  explicit LastLines(std::size_t most) : most_(most) {}

  void add(std::string_view line) {
    lines_.emplace_back(line);
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
