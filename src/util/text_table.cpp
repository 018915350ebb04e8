#include <brigade/util/strings.hpp>
#include <brigade/util/text_table.hpp>

#include <algorithm>

namespace brigade {

namespace {

// Width in terminal columns: count UTF-8 code points, not bytes.
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::string TextTable::render() const {
  std::vector<std::size_t> widths(header_.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  };
  measure(header_);
  for (const auto& row : rows_) {
    measure(row);
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : std::string();
      line += cell;
      if (i + 1 < widths.size()) {
        line.append(widths[i] - display_width(cell) + 2, ' ');
      }
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  };
  emit(header_);
  for (const auto& row : rows_) {
    emit(row);
  }
  return out;
}

std::string join_or_dash(const std::vector<std::string>& items, const std::string& separator) {
  return items.empty() ? "-" : join(items, separator);
}

}  // namespace brigade
