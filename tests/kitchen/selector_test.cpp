#include <brigade/kitchen/selector.hpp>

#include <catch2/catch.hpp>

using brigade::Kitchen;
using brigade::load_kitchen;
using brigade::select_nodes;

namespace {

const Kitchen& fixture_kitchen() {
  static const Kitchen kitchen = [] {
    auto loaded = load_kitchen(std::string(BRIGADE_FIXTURES) + "/littlechef_kitchen");
    REQUIRE(loaded.ok());
    return std::move(loaded).value();
  }();
  return kitchen;
}

std::vector<std::string> names(const std::vector<const brigade::Node*>& nodes) {
  std::vector<std::string> out;
  for (const auto* node : nodes) {
    out.push_back(node->name);
  }
  return out;
}

std::vector<std::string> selected(const std::vector<std::string>& selectors,
                                  std::optional<std::string> environment = std::nullopt) {
  auto selection = select_nodes(fixture_kitchen(), selectors, environment);
  INFO((selection.ok() ? std::string() : selection.error().render()));
  REQUIRE(selection.ok());
  return names(selection->nodes);
}

std::string selection_error(const std::vector<std::string>& selectors,
                            std::optional<std::string> environment = std::nullopt) {
  auto selection = select_nodes(fixture_kitchen(), selectors, environment);
  REQUIRE_FALSE(selection.ok());
  return selection.error().render();
}

}  // namespace

TEST_CASE("selector: node:all selects every node but the dummies, which are named", "[selector]") {
  auto selection = select_nodes(fixture_kitchen(), {"node:all"}, std::nullopt);
  REQUIRE(selection.ok());
  CHECK(names(selection->nodes) == std::vector<std::string>{"testnode1.mydomain.com",
                                                            "testnode2.mydomain.com",
                                                            "testnode4.mydomain.com"});
  CHECK(names(selection->left_out) ==
        std::vector<std::string>{"nestedroles1", "testnode3.mydomain.com"});
}

TEST_CASE("selector: node names keep the order given, globs add matches by name", "[selector]") {
  CHECK(selected({"node:testnode4.mydomain.com,testnode1.mydomain.com"}) ==
        std::vector<std::string>{"testnode4.mydomain.com", "testnode1.mydomain.com"});
  CHECK(selected({"node:testnode[12]*"}) ==
        std::vector<std::string>{"testnode1.mydomain.com", "testnode2.mydomain.com"});
}

TEST_CASE("selector: by expanded role, with LittleChef's trailing star", "[selector]") {
  CHECK(selected({"nodes_with_role:webserver"}) ==
        std::vector<std::string>{"testnode1.mydomain.com", "testnode2.mydomain.com"});
  CHECK(selected({"nodes_with_role:monitoring*"}) ==
        std::vector<std::string>{"testnode1.mydomain.com", "testnode2.mydomain.com",
                                 "testnode4.mydomain.com"});
  CHECK(selected({"nodes_with_role:all_you*"}) ==
        std::vector<std::string>{"testnode1.mydomain.com"});
}

TEST_CASE("selector: by expanded recipe, x::default meaning x", "[selector]") {
  CHECK(selected({"nodes_with_recipe:mysql::server"}) ==
        std::vector<std::string>{"testnode1.mydomain.com"});
  CHECK(selected({"nodes_with_recipe:apache2::default"}) ==
        std::vector<std::string>{"testnode1.mydomain.com", "testnode2.mydomain.com"});
  CHECK(selected({"nodes_with_recipe:munin::*"}) ==
        std::vector<std::string>{"testnode1.mydomain.com", "testnode2.mydomain.com",
                                 "testnode4.mydomain.com"});
}

TEST_CASE("selector: by tag", "[selector]") {
  CHECK(selected({"nodes_with_tag:canary"}) ==
        std::vector<std::string>{"testnode2.mydomain.com", "testnode4.mydomain.com"});
}

TEST_CASE("selector: the union in the order given, each node once", "[selector]") {
  CHECK(selected({"nodes_with_tag:canary", "node:testnode1.mydomain.com",
                  "node:testnode2.mydomain.com"}) ==
        std::vector<std::string>{"testnode2.mydomain.com", "testnode4.mydomain.com",
                                 "testnode1.mydomain.com"});
}

TEST_CASE("selector: --env keeps the nodes of one environment", "[selector]") {
  CHECK(selected({"node:all"}, "staging") == std::vector<std::string>{"testnode2.mydomain.com"});
  CHECK(selection_error({"node:all"}, "stagin") ==
        "no selected node is in environment 'stagin' (their environments: 'production', 'qa', "
        "'staging'), did you mean 'staging'?");
}

TEST_CASE("selector: an unknown node suggests the closest names", "[selector][errors]") {
  CHECK(selection_error({"node:testnode5.mydomain.com"}) ==
        "unknown node 'testnode5.mydomain.com', did you mean 'testnode1.mydomain.com', "
        "'testnode2.mydomain.com' or 'testnode3.mydomain.com'?");
  CHECK(selection_error({"node:testnode1.mydomain.com,nestedrole1"}) ==
        "unknown node 'nestedrole1' in 'node:testnode1.mydomain.com,nestedrole1', did you mean "
        "'nestedroles1'?");
  CHECK(selection_error({"node:zzz"}) == "unknown node 'zzz'");
}

TEST_CASE("selector: a selector that selects nothing is named", "[selector][errors]") {
  CHECK(selection_error({"node:all", "nodes_with_role:db*"}) ==
        "selector 'nodes_with_role:db*' selects no node");
  CHECK(selection_error({"node:web*"}) == "selector 'node:web*' selects no node");
  CHECK(selection_error({"nodes_with_tag:nope"}) ==
        "selector 'nodes_with_tag:nope' selects no node");
}

TEST_CASE("selector: only dummies selected leaves nothing to deploy", "[selector][errors]") {
  CHECK(selection_error({"node:testnode3.mydomain.com,nestedroles1"}) ==
        "nothing to deploy: every selected node is a dummy ('nestedroles1', "
        "'testnode3.mydomain.com')");
}

TEST_CASE("selector: malformed selectors", "[selector][errors]") {
  CHECK(selection_error({"nodes_with_roles:web"}) ==
        "unknown selector 'nodes_with_roles:', did you mean 'nodes_with_role'?");
  CHECK(selection_error({"testnode1"}) ==
        "invalid selector 'testnode1': expected node:NAME[,NAME…], node:all, "
        "nodes_with_role:PATTERN, nodes_with_recipe:PATTERN or nodes_with_tag:TAG, did you mean "
        "'node:testnode1'?");
  CHECK(selection_error({"node:"}) == "selector 'node:' names nothing after the ':'");
  CHECK(selection_error({"node:all,testnode1"}) ==
        "selector 'node:all,testnode1' mixes 'all' with node names");
  CHECK(selection_error({}) ==
        "no selector given, name nodes with node:NAME, node:all or nodes_with_role:PATTERN");
}

TEST_CASE("selector: exact node selectors take names as they are, never as globs", "[selector]") {
  using brigade::Selector;
  const std::vector<Selector> exact = {Selector{.kind = Selector::Kind::node,
                                                .patterns = {"testnode2.mydomain.com", "testnode*"},
                                                .text = "--rerun failed",
                                                .exact = true}};
  auto selection = select_nodes(fixture_kitchen(), exact, std::nullopt);
  REQUIRE_FALSE(selection.ok());
  CHECK(selection.error().message == "unknown node 'testnode*' in '--rerun failed'");
  const std::vector<Selector> names_only = {
      Selector{.kind = Selector::Kind::node,
               .patterns = {"testnode2.mydomain.com", "testnode1.mydomain.com"},
               .text = "--rerun failed",
               .exact = true}};
  auto picked = select_nodes(fixture_kitchen(), names_only, std::nullopt);
  REQUIRE(picked.ok());
  CHECK(names(picked->nodes) ==
        std::vector<std::string>{"testnode2.mydomain.com", "testnode1.mydomain.com"});
}

TEST_CASE("selector: a role, recipe or tag that matches nothing suggests the nearest one",
          "[selector][errors]") {
  CHECK(selection_error({"nodes_with_role:webservr"}) ==
        "selector 'nodes_with_role:webservr' selects no node, did you mean 'webserver'?");
  CHECK(selection_error({"nodes_with_recipe:subversin"}) ==
        "selector 'nodes_with_recipe:subversin' selects no node, did you mean 'subversion'?");
  CHECK(selection_error({"nodes_with_tag:canry"}) ==
        "selector 'nodes_with_tag:canry' selects no node, did you mean 'canary'?");
  // An environment that exists but holds none of the selected nodes is never suggested back.
  const std::string wrong = selection_error({"node:testnode1.mydomain.com"}, "staging");
  CHECK(wrong.find("did you mean 'staging'") == std::string::npos);
  // Each command says what an all-dummy selection leaves it with.
  auto run = select_nodes(fixture_kitchen(), {"node:nestedroles1"}, std::nullopt, "nothing to run");
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().message.starts_with("nothing to run: every selected node is a dummy"));
}
