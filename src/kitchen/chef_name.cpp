#include <brigade/kitchen/chef_name.hpp>

#include <fmt/format.h>

namespace brigade {

namespace {

// A character as a message shows it: itself when printable, else an escape.
std::string shown(unsigned char c) {
  if (c == ' ') {
    return "' ' (a space)";
  }
  if (c >= 0x21 && c < 0x7f) {
    return fmt::format("'{}'", static_cast<char>(c));
  }
  return fmt::format("the byte 0x{:02x}", c);
}

}  // namespace

std::optional<std::string> invalid_chef_name(ChefNameKind kind, std::string_view name) {
  const char* what = kind == ChefNameKind::node          ? "node name"
                     : kind == ChefNameKind::environment ? "environment name"
                                                         : "role name";
  const char* article = kind == ChefNameKind::environment ? "an" : "a";
  const char* allowed = kind == ChefNameKind::node ? "letters, digits, '-', '_', ':' and '.'"
                        : kind == ChefNameKind::role
                            ? "letters, digits, '-' and '_', and '/' between subdirectories"
                            : "letters, digits, '-' and '_'";
  if (name.empty()) {
    return fmt::format("{} {} cannot be empty", article, what);
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' ||
                    (kind == ChefNameKind::node && (c == ':' || c == '.')) ||
                    (kind == ChefNameKind::role && c == '/' && i > 0 && i + 1 < name.size() &&
                     name[i - 1] != '/');
    if (!ok) {
      return fmt::format("{} is not allowed in {} {} ({} only)", shown(c), article, what, allowed);
    }
  }
  return std::nullopt;
}

}  // namespace brigade
