#include <brigade/kitchen/run_list.hpp>
#include <brigade/util/spellcheck.hpp>

#include <algorithm>
#include <cctype>

namespace brigade {

namespace {

// Chef allows letters, digits, '_', '-', '.', ':' (recipe separator) and '/' (nested roles in
// LittleChef); anything else, whitespace in particular, is a typo.
bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ':' || c == '/' || c == '@';
  });
}

}  // namespace

std::string RunListEntry::text() const {
  return (kind == Kind::role ? "role[" : "recipe[") + name + "]";
}

std::string normalize_recipe(std::string_view recipe) {
  constexpr std::string_view kDefault = "::default";
  if (recipe.size() > kDefault.size() && recipe.ends_with(kDefault)) {
    recipe.remove_suffix(kDefault.size());
  }
  return std::string(recipe);
}

std::optional<RunListEntry> parse_run_list_entry(std::string_view text, std::string& error,
                                                 std::string& hint) {
  const std::string expected =
      "expected 'role[NAME]', 'recipe[NAME]' or a recipe name, got '" + std::string(text) + "'";
  auto open = text.find('[');
  if (open == std::string_view::npos) {
    if (text.find(']') != std::string_view::npos || !valid_name(text)) {
      error = expected;
      return std::nullopt;
    }
    return RunListEntry{RunListEntry::Kind::recipe, normalize_recipe(text)};
  }
  std::string_view kind = text.substr(0, open);
  if (!text.ends_with(']') || text.size() < open + 2) {
    error = expected;
    return std::nullopt;
  }
  std::string_view name = text.substr(open + 1, text.size() - open - 2);
  if (!valid_name(name)) {
    error = expected;
    return std::nullopt;
  }
  if (kind == "role") {
    return RunListEntry{RunListEntry::Kind::role, std::string(name)};
  }
  if (kind == "recipe") {
    return RunListEntry{RunListEntry::Kind::recipe, normalize_recipe(name)};
  }
  error = "unknown run_list entry kind '" + std::string(kind) + "' in '" + std::string(text) + "'";
  hint = did_you_mean(closest_matches(kind, {"role", "recipe"}, 1));
  if (hint.empty()) {
    error = expected;
  }
  return std::nullopt;
}

}  // namespace brigade
