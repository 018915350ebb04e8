#include <brigade/ssh/host_patterns.hpp>
#include <brigade/util/strings.hpp>

#include <cctype>

namespace brigade::ssh {

bool wildcard_match(std::string_view pattern, std::string_view text) {
  // Iterative with one backtrack point: a `*` absorbs one more character each time the rest of
  // the pattern fails, so hostile patterns cannot make this exponential.
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

bool known_hosts_patterns_match(std::string_view patterns, std::string_view name) {
  bool matched = false;
  std::size_t start = 0;
  while (start <= patterns.size()) {
    std::size_t end = patterns.find(',', start);
    if (end == std::string_view::npos) {
      end = patterns.size();
    }
    std::string_view item = patterns.substr(start, end - start);
    start = end + 1;
    const bool negated = !item.empty() && item.front() == '!';
    if (negated) {
      item.remove_prefix(1);
    }
    if (wildcard_match(lowercase(item), name)) {
      if (negated) {
        return false;
      }
      matched = true;
    }
  }
  return matched;
}

bool host_line_matches(const std::vector<std::string>& patterns, std::string_view host) {
  bool matched = false;
  for (const auto& pattern : patterns) {
    std::string_view item = pattern;
    const bool negated = !item.empty() && item.front() == '!';
    if (negated) {
      item.remove_prefix(1);
    }
    if (wildcard_match(item, host)) {
      if (negated) {
        return false;
      }
      matched = true;
    }
  }
  return matched;
}

}  // namespace brigade::ssh
