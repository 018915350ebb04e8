#include <brigade/util/diagnostic.hpp>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace brigade {

namespace {

// Characters of a source line shown at most, around the column.
constexpr std::size_t kMostShown = 120;

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The caret line repeats the source's tabs so the caret lands under the right character
// whatever the terminal's tab width.
std::string caret_line(std::string_view source_line, int column) {
  std::string caret;
  int seen = 1;
  for (char c : source_line) {
    if (seen >= column) {
      break;
    }
    if (is_utf8_continuation(c)) {
      continue;
    }
    caret += c == '\t' ? '\t' : ' ';
    ++seen;
  }
  caret += '^';
  return caret;
}

}  // namespace

std::string Diagnostic::render() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ':' + std::to_string(line);
      if (column > 0) {
        out += ':' + std::to_string(column);
      }
    }
    out += ": ";
  }
  if (!field.empty()) {
    out += field + ": ";
  }
  out += message;
  if (!hint.empty()) {
    out += ", " + hint;
  }
  if (!source_line.empty() && column > 0) {
    // A long line (minified JSON, 100,000 brackets) is shown as the part around the column.
    std::string_view shown = source_line;
    int shown_column = column;
    std::string before;
    std::string after;
    if (shown.size() > kMostShown) {
      std::size_t at = 0;  // the byte where the column's character starts
      for (int seen = 1; at < shown.size() && seen < column; ++seen) {
        ++at;
        while (at < shown.size() && is_utf8_continuation(shown[at])) {
          ++at;
        }
      }
      std::size_t start = at > kMostShown / 2 ? at - kMostShown / 2 : 0;
      while (start > 0 && is_utf8_continuation(shown[start])) {
        --start;
      }
      std::size_t end = std::min(shown.size(), start + kMostShown);
      while (end < shown.size() && is_utf8_continuation(shown[end])) {
        ++end;
      }
      if (start > 0) {
        before = "…";
      }
      if (end < shown.size()) {
        after = "…";
      }
      int skipped = 0;
      for (std::size_t i = 0; i < start; ++i) {
        skipped += is_utf8_continuation(shown[i]) ? 0 : 1;
      }
      shown = shown.substr(start, end - start);
      shown_column = column - skipped + (before.empty() ? 0 : 1);
    }
    const std::string line_shown = before + std::string(shown) + after;
    out += "\n    " + line_shown + "\n    " + caret_line(line_shown, shown_column);
  }
  return out;
}

Diagnostic diagnostic_at(std::string file, std::string_view text, std::size_t offset,
                         std::string field, std::string message, std::string hint) {
  if (offset > text.size()) {
    offset = text.size();
  }
  std::size_t line_start = 0;
  int line = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  std::size_t line_end = text.find('\n', line_start);
  if (line_end == std::string_view::npos) {
    line_end = text.size();
  }
  return diagnostic_on_line(std::move(file), line, text.substr(line_start, line_end - line_start),
                            offset - line_start, std::move(field), std::move(message),
                            std::move(hint));
}

Diagnostic diagnostic_on_line(std::string file, int line, std::string_view source,
                              std::size_t offset, std::string field, std::string message,
                              std::string hint) {
  if (offset > source.size()) {
    offset = source.size();
  }
  int column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (!is_utf8_continuation(source[i])) {
      ++column;
    }
  }
  if (!source.empty() && source.back() == '\r') {
    source.remove_suffix(1);
  }
  return Diagnostic{
      std::move(file),    line, column, std::move(field), std::move(message), std::move(hint),
      std::string(source)};
}

Diagnostic all_problems(std::vector<Diagnostic> problems, std::size_t shown) {
  const std::size_t total = problems.size();
  Diagnostic first = std::move(problems.front());
  const std::size_t listed = std::min(total, std::max<std::size_t>(shown, 1));
  first.also.assign(
      std::make_move_iterator(problems.begin() + 1),
      std::make_move_iterator(problems.begin() + static_cast<std::ptrdiff_t>(listed)));
  if (listed < total) {
    first.also.push_back(Diagnostic{.message = std::to_string(total - listed) + " more " +
                                               (total - listed == 1 ? "problem" : "problems") +
                                               " not shown (" + std::to_string(total) +
                                               " in all)"});
  }
  return first;
}

std::string display_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(path);
  if (p.is_relative()) {
    return p.lexically_normal().string();
  }
  fs::path cwd = fs::current_path(ec);
  if (ec) {
    return path;
  }
  fs::path rel = p.lexically_normal().lexically_relative(cwd);
  if (rel.empty() || *rel.begin() == "..") {
    return p.lexically_normal().string();
  }
  return rel.string();
}

}  // namespace brigade
