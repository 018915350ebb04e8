#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace brigade {

/// One entry of a Chef run_list: `role[web]`, `recipe[nginx::site]` or a bare recipe `nginx`.
struct RunListEntry {
  enum class Kind { role, recipe };
  Kind kind = Kind::recipe;
  std::string name;  ///< Role name, or the normalised recipe name.

  /// The canonical text: `role[web]` or `recipe[nginx]`.
  std::string text() const;
  bool operator==(const RunListEntry&) const = default;
};

/// Parses a run_list entry; on failure returns nullopt and sets `error` (and `hint`) to say why.
std::optional<RunListEntry> parse_run_list_entry(std::string_view text, std::string& error,
                                                 std::string& hint);

/// `nginx::default` and `nginx` are the same recipe; Brigade keeps the short form.
std::string normalize_recipe(std::string_view recipe);

}  // namespace brigade
