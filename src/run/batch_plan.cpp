#include <brigade/run/batch_plan.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace brigade {

std::size_t NodeCount::batch_size(std::size_t selected) const {
  if (kind == Kind::count) {
    return value;
  }
  return std::max<std::size_t>(1, (selected * value + 99) / 100);
}

std::size_t NodeCount::budget(std::size_t selected) const {
  return kind == Kind::count ? value : selected * value / 100;
}

std::string NodeCount::text() const {
  return std::to_string(value) + (kind == Kind::percent ? "%" : "");
}

namespace {

Result<NodeCount> parse_count(std::string_view option, std::string_view text, bool allow_zero) {
  const std::string expected =
      allow_zero ? "expected a number of nodes (0 or more) or a percentage like 10%"
                 : "expected a number of nodes (1 or more) or a percentage like 25%";
  auto bad = [&](const std::string& why) {
    return Diagnostic{.field = std::string(option),
                      .message = fmt::format("'{}' {}: {}", text, why, expected)};
  };
  NodeCount count;
  std::string_view digits = text;
  if (digits.ends_with('%')) {
    count.kind = NodeCount::Kind::percent;
    digits.remove_suffix(1);
  }
  if (digits.empty()) {
    return bad("is not a number");
  }
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count.value);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return bad("is not a number");
  }
  if (count.kind == NodeCount::Kind::percent &&
      (count.value > 100 || (count.value == 0 && !allow_zero))) {
    return bad("is not a percentage between " + std::string(allow_zero ? "0" : "1") + " and 100");
  }
  if (count.value == 0 && !allow_zero) {
    return bad("is not a batch size");
  }
  return count;
}

}  // namespace

Result<std::vector<NodeCount>> parse_batch_sizes(std::string_view text) {
  std::vector<NodeCount> sizes;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    auto size = parse_count("--batch-size", text.substr(start, end - start), false);
    if (!size) {
      return size.error();
    }
    sizes.push_back(*size);
    start = end + 1;
  }
  return sizes;
}

Result<NodeCount> parse_max_fail(std::string_view text) {
  return parse_count("--max-fail", text, true);
}

Result<FailurePolicy> parse_failure_policy(std::string_view max_fail, bool staged) {
  FailurePolicy policy;
  if (max_fail.empty()) {
    policy.stop_after_failed_batch = staged;
    return policy;
  }
  if (max_fail == "none") {
    return policy;
  }
  auto budget = parse_max_fail(max_fail);
  if (!budget) {
    return budget.error();
  }
  policy.budget = *budget;
  return policy;
}

std::vector<std::size_t> plan_batches(std::size_t selected, const std::vector<NodeCount>& sizes) {
  std::vector<std::size_t> batches;
  std::size_t planned = 0;
  for (std::size_t i = 0; planned < selected; ++i) {
    std::size_t size =
        sizes.empty() ? selected : sizes[std::min(i, sizes.size() - 1)].batch_size(selected);
    size = std::min(size, selected - planned);
    batches.push_back(size);
    planned += size;
  }
  return batches;
}

}  // namespace brigade
