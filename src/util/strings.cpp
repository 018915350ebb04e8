#include <brigade/util/strings.hpp>

namespace brigade {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += items[i];
  }
  return out;
}

std::string substitute_placeholders(
    std::string_view pattern, const std::vector<std::pair<std::string_view, std::string>>& values) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    bool replaced = false;
    for (const auto& [placeholder, value] : values) {
      if (!placeholder.empty() && pattern.substr(i).starts_with(placeholder)) {
        out += value;
        i += placeholder.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      out += pattern[i++];
    }
  }
  return out;
}

std::string plural(std::size_t count, std::string_view one, std::string_view many) {
  return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace brigade
