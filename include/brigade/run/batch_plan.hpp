#pragma once

#include <brigade/util/result.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// A number of nodes given as a count (`10`) or as a percentage of the selection (`25%`).
struct NodeCount {
  enum class Kind { count, percent };
  Kind kind = Kind::count;
  std::size_t value = 0;

  /// As a batch size: a percentage rounds up and is at least 1.
  std::size_t batch_size(std::size_t selected) const;
  /// As a failure budget: a percentage rounds down (10% of 25 allows 2 failures).
  std::size_t budget(std::size_t selected) const;
  std::string text() const;
};

/// Parses `--batch-size`: one size or a comma list for a staged rollout (`1,10,25%`).
Result<std::vector<NodeCount>> parse_batch_sizes(std::string_view text);

/// Parses `--max-fail`: an integer (0 allowed) or a percentage.
Result<NodeCount> parse_max_fail(std::string_view text);

/// What failures do to a run.
struct FailurePolicy {
  std::optional<NodeCount> budget;       ///< `--max-fail SPEC`: more failures abort the run.
  bool stop_after_failed_batch = false;  ///< A batch with a node not deployed stops it.
};

/// `--max-fail` as given (empty when absent): a SPEC is a budget counted across batches; `none`
/// goes on regardless; absent, a staged rollout (a `--batch-size` list such as `1,10,25%`)
/// stops after a batch in which a node did not deploy, and any other run has no limit.
Result<FailurePolicy> parse_failure_policy(std::string_view max_fail, bool staged);

/// Splits `selected` nodes into consecutive batches: the sizes in order, the last repeating
/// until every node has a batch, as Ansible's serial list does. No sizes: one batch of all.
/// Returns the size of each batch.
std::vector<std::size_t> plan_batches(std::size_t selected, const std::vector<NodeCount>& sizes);

}  // namespace brigade
