#pragma once

#include <string_view>

namespace brigade {

/// Shell-style match of the whole `text` against `pattern` (`*`, `?`, `[...]`); `*` also
/// matches `/`, so `web*` matches the role `web/front` as LittleChef's prefix search does.
bool glob_match(std::string_view pattern, std::string_view text);

/// True when `pattern` holds a glob metacharacter and so may match more than one name.
bool is_glob(std::string_view pattern);

}  // namespace brigade
