#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// Shell-style match of the whole `text` against `pattern` (`*`, `?`, `[...]`); `*` also
/// matches `/`, so `web*` matches the role `web/front` as LittleChef's prefix search does.
bool glob_match(std::string_view pattern, std::string_view text);

/// True when `pattern` holds a glob metacharacter and so may match more than one name.
bool is_glob(std::string_view pattern);

/// Whether any of `patterns` matches any of `values`.
bool any_glob_matches(const std::vector<std::string>& patterns,
                      const std::vector<std::string>& values);

}  // namespace brigade
