#include <brigade/run/batch_plan.hpp>

#include <catch2/catch.hpp>

using brigade::NodeCount;
using brigade::parse_batch_sizes;
using brigade::parse_max_fail;
using brigade::plan_batches;

namespace {
std::vector<std::size_t> plan(const std::string& spec, std::size_t selected) {
  auto sizes = parse_batch_sizes(spec);
  INFO((sizes.ok() ? std::string() : sizes.error().render()));
  REQUIRE(sizes.ok());
  return plan_batches(selected, *sizes);
}
std::string error_of(brigade::Result<std::vector<NodeCount>> result) {
  REQUIRE_FALSE(result.ok());
  return result.error().render();
}
}  // namespace

TEST_CASE("batches: no size means one batch of every node", "[batches]") {
  CHECK(plan_batches(7, {}) == std::vector<std::size_t>{7});
  CHECK(plan_batches(0, {}).empty());
}

TEST_CASE("batches: an integer size, the last batch takes the rest", "[batches]") {
  CHECK(plan("3", 10) == std::vector<std::size_t>{3, 3, 3, 1});
  CHECK(plan("10", 4) == std::vector<std::size_t>{4});
}

TEST_CASE("batches: a percentage of the selection rounds up and is at least 1", "[batches]") {
  CHECK(plan("25%", 10) == std::vector<std::size_t>{3, 3, 3, 1});
  CHECK(plan("1%", 10) == std::vector<std::size_t>(10, 1));
  CHECK(plan("100%", 10) == std::vector<std::size_t>{10});
}

TEST_CASE("batches: a staged rollout list, the last size repeating", "[batches]") {
  CHECK(plan("1,10,25%", 100) == std::vector<std::size_t>{1, 10, 25, 25, 25, 14});
  CHECK(plan("1,10,50%", 50) == std::vector<std::size_t>{1, 10, 25, 14});
  CHECK(plan("1,5", 3) == std::vector<std::size_t>{1, 2});
}

TEST_CASE("batches: bad sizes are errors naming the option and the value", "[batches][errors]") {
  CHECK(error_of(parse_batch_sizes("0")) ==
        "--batch-size: '0' is not a batch size: expected a number of nodes (1 or more) or a "
        "percentage like 25%");
  CHECK(error_of(parse_batch_sizes("1,,5")) ==
        "--batch-size: '' is not a number: expected a number of nodes (1 or more) or a "
        "percentage like 25%");
  CHECK(error_of(parse_batch_sizes("ten")) ==
        "--batch-size: 'ten' is not a number: expected a number of nodes (1 or more) or a "
        "percentage like 25%");
  CHECK(error_of(parse_batch_sizes("150%")) ==
        "--batch-size: '150%' is not a percentage between 1 and 100: expected a number of nodes "
        "(1 or more) or a percentage like 25%");
}

TEST_CASE("max-fail: a count or a percentage of the selection, rounding down", "[batches]") {
  auto two = parse_max_fail("2");
  REQUIRE(two.ok());
  CHECK(two->budget(100) == 2);
  auto ten_percent = parse_max_fail("10%");
  REQUIRE(ten_percent.ok());
  CHECK(ten_percent->budget(25) == 2);
  CHECK(ten_percent->text() == "10%");
  auto zero = parse_max_fail("0");
  REQUIRE(zero.ok());
  CHECK(zero->budget(5) == 0);
  auto bad = parse_max_fail("-1");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().render() ==
        "--max-fail: '-1' is not a number: expected a number of nodes (0 or more) or a "
        "percentage like 10%");
}
