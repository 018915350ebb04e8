#include <brigade/util/glob.hpp>

#include <fnmatch.h>

#include <string>

namespace brigade {

bool glob_match(std::string_view pattern, std::string_view text) {
  // Fast paths: most patterns in practice are literal names or a literal prefix plus `*`.
  if (!is_glob(pattern)) {
    return pattern == text;
  }
  if (pattern.back() == '*' && !is_glob(pattern.substr(0, pattern.size() - 1)) &&
      pattern.find('\\') == std::string_view::npos) {
    return text.starts_with(pattern.substr(0, pattern.size() - 1));
  }
  return fnmatch(std::string(pattern).c_str(), std::string(text).c_str(), 0) == 0;
}

bool is_glob(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

bool any_glob_matches(const std::vector<std::string>& patterns,
                      const std::vector<std::string>& values) {
  for (const auto& pattern : patterns) {
    for (const auto& value : values) {
      if (glob_match(pattern, value)) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace brigade
