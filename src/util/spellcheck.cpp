#include <brigade/util/spellcheck.hpp>

#include <algorithm>
#include <numeric>

namespace brigade {

namespace {
// As ninja's SpellcheckStringV: further than this, a suggestion confuses more than it helps.
constexpr std::size_t kMaxSuggestionDistance = 3;
}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> closest_matches(std::string_view word,
                                         const std::vector<std::string>& candidates,
                                         std::size_t limit) {
  std::vector<std::pair<std::size_t, std::size_t>> scored;  // (distance, index)
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    // Lengths further apart than the bound cannot be within it: skip the quadratic work.
    std::size_t length_gap = candidates[i].size() > word.size()
                                 ? candidates[i].size() - word.size()
                                 : word.size() - candidates[i].size();
    if (length_gap > kMaxSuggestionDistance) {
      continue;
    }
    std::size_t d = edit_distance(word, candidates[i]);
    if (d <= kMaxSuggestionDistance && d < std::max<std::size_t>(word.size(), 1)) {
      scored.emplace_back(d, i);
    }
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& l, const auto& r) { return l.first < r.first; });
  std::vector<std::string> out;
  // Only the nearest: 'web-1' suggests 'web-01' and 'web-10', not also 'web-02'.
  for (const auto& [distance, index] : scored) {
    if (out.size() == limit || distance > scored.front().first) {
      break;
    }
    if (std::find(out.begin(), out.end(), candidates[index]) == out.end()) {
      out.push_back(candidates[index]);
    }
  }
  return out;
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  auto matches = closest_matches(word, candidates, 1);
  return matches.empty() ? std::string() : matches.front();
}

std::string did_you_mean(const std::vector<std::string>& suggestions) {
  if (suggestions.empty()) {
    return {};
  }
  std::string out = "did you mean ";
  for (std::size_t i = 0; i < suggestions.size(); ++i) {
    if (i > 0) {
      out += i + 1 == suggestions.size() ? " or " : ", ";
    }
    out += "'" + suggestions[i] + "'";
  }
  return out + "?";
}

}  // namespace brigade
