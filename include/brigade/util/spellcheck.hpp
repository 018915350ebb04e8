#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// Levenshtein distance between two strings, in bytes.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `word` within an edit distance of 3 (ties: the first), or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

/// Up to `limit` candidates at the smallest edit distance found, if at most 3 (input order).
std::vector<std::string> closest_matches(std::string_view word,
                                         const std::vector<std::string>& candidates,
                                         std::size_t limit = 3);

/// "did you mean 'x'?" or "did you mean 'x', 'y' or 'z'?"; "" without candidates.
std::string did_you_mean(const std::vector<std::string>& suggestions);

}  // namespace brigade
