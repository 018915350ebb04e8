#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brigade {

/// `items` with `separator` between them.
std::string join(const std::vector<std::string>& items, std::string_view separator);

/// `pattern` with every placeholder (`{node}`, …) replaced by its value, in one pass from
/// left to right: a value that holds a placeholder is never itself replaced.
std::string substitute_placeholders(
    std::string_view pattern, const std::vector<std::pair<std::string_view, std::string>>& values);

/// "1 node", "2 nodes": a count with its noun in the right number.
std::string plural(std::size_t count, std::string_view one, std::string_view many);

/// ASCII lowercase (names and keywords, never locale-dependent).
std::string lowercase(std::string_view text);

}  // namespace brigade
