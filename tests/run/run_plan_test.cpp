#include <brigade/run/run_plan.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace brigade;

namespace {

Hook hook(const std::string& name, HookType type,
          std::map<HookFilter, std::vector<std::string>> filters = {}) {
  Hook h;
  h.name = name;
  h.type = type;
  h.exec = {"/bin/true"};
  h.filters = std::move(filters);
  return h;
}

}  // namespace

TEST_CASE("run plan: batches, global hooks with their nodes, each node's own hooks", "[plan]") {
  std::vector<Node> nodes(5);
  std::vector<const Node*> selection;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].name = fmt::format("n{}", i);
    nodes[i].chef_environment = i < 2 ? "staging" : "production";
    selection.push_back(&nodes[i]);
  }
  const std::vector<Hook> hooks = {
      hook("drain", HookType::predeployhook, {{HookFilter::nodes, {"n[13]"}}}),
      hook("announce", HookType::global_predeployhook),
      hook("staging only", HookType::global_postdeployhook,
           {{HookFilter::chef_environment, {"staging"}}}),
      hook("nobody", HookType::global_predeployhook, {{HookFilter::nodes, {"db*"}}}),
      hook("restore", HookType::postdeployhook),
      hook("check", HookType::predeployhook),
  };
  const RunPlan plan = plan_run(selection, hooks, {NodeCount{NodeCount::Kind::count, 2}});
  CHECK(plan.batches == std::vector<std::vector<std::size_t>>{{0, 1}, {2, 3}, {4}});
  CHECK(plan.batch_names(selection) ==
        std::vector<std::vector<std::string>>{{"n0", "n1"}, {"n2", "n3"}, {"n4"}});
  // A global hook that matches no selected node is not in the plan.
  REQUIRE(plan.global_pre.size() == 1);
  CHECK(plan.global_pre[0].hook->name == "announce");
  CHECK(plan.global_pre[0].args == std::vector<std::string>{"n0", "n1", "n2", "n3", "n4"});
  REQUIRE(plan.global_post.size() == 1);
  CHECK(plan.global_post[0].args == std::vector<std::string>{"n0", "n1"});
  REQUIRE(plan.node_count() == 5);
  auto names = [](const std::vector<const Hook*>& list) {
    std::vector<std::string> out;
    for (const Hook* h : list) {
      out.push_back(h->name);
    }
    return out;
  };
  CHECK(names(plan.node_pre[1]) == std::vector<std::string>{"drain", "check"});
  CHECK(names(plan.node_pre[2]) == std::vector<std::string>{"check"});
  CHECK(names(plan.node_post[4]) == std::vector<std::string>{"restore"});
}

TEST_CASE("run plan: --batch-by keeps failure domains apart, cut by --batch-size", "[plan]") {
  const char* racks[] = {
      R"({"rack": "r2"})", R"({"rack": "r1"})", R"({"rack": "r2"})", R"({})",
      R"({"rack": "r1"})", R"({"rack": "r2"})", R"({"rack": null})", R"({"rack": 7})"};
  std::vector<Node> nodes(std::size(racks));
  std::vector<const Node*> selection;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].name = fmt::format("n{}", i);
    nodes[i].data = nlohmann::json::parse(racks[i]);
    selection.push_back(&nodes[i]);
  }
  const std::vector<Hook> no_hooks;
  SECTION("one batch per group, in the order groups first appear, the unset last") {
    const RunPlan plan = plan_run(selection, no_hooks, {}, std::string("rack"));
    CHECK(plan.batches == std::vector<std::vector<std::size_t>>{{0, 2, 5}, {1, 4}, {7}, {3, 6}});
    CHECK(plan.batch_groups ==
          std::vector<std::string>{"rack=r2", "rack=r1", "rack=7", "rack not set"});
  }
  SECTION("each group cut into batches of the size, percentages of the group") {
    const RunPlan plan =
        plan_run(selection, no_hooks, {NodeCount{NodeCount::Kind::count, 2}}, std::string("rack"));
    CHECK(plan.batches == std::vector<std::vector<std::size_t>>{{0, 2}, {5}, {1, 4}, {7}, {3, 6}});
    CHECK(plan.batch_groups ==
          std::vector<std::string>{"rack=r2", "rack=r2", "rack=r1", "rack=7", "rack not set"});
  }
  SECTION("a dotted path into nested attributes") {
    nodes[0].data = nlohmann::json::parse(R"({"ec2": {"placement": {"zone": "a"}}})");
    nodes[1].data = nlohmann::json::parse(R"({"ec2": {"placement": "flat"}})");
    const RunPlan plan = plan_run(selection, no_hooks, {}, std::string("ec2.placement.zone"));
    CHECK(plan.batch_groups.front() == "ec2.placement.zone=a");
    CHECK(plan.batches.front() == std::vector<std::size_t>{0});
    CHECK(plan.batch_groups.back() == "ec2.placement.zone not set");
    CHECK(plan.batches.back().size() == 7);
  }
  CHECK(check_batch_by("rack").ok());
  CHECK_FALSE(check_batch_by("").ok());
  CHECK_FALSE(check_batch_by("ec2..zone").ok());
  CHECK_FALSE(check_batch_by(".rack").ok());
}
