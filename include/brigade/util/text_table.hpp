#pragma once

#include <string>
#include <vector>

namespace brigade {

/// Rows of text rendered as aligned columns separated by two spaces (no trailing blanks).
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}

  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::size_t size() const { return rows_.size(); }

  /// The header, then every row, each line ending in '\n'.
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

/// Joins `items` with `separator` ("-" for an empty list, so table cells are never blank).
std::string join_or_dash(const std::vector<std::string>& items,
                         const std::string& separator = ", ");

}  // namespace brigade
