#include <brigade/kitchen/chef_name.hpp>

#include <catch2/catch.hpp>

using brigade::ChefNameKind;
using brigade::invalid_chef_name;

TEST_CASE("chef names: each kind's characters, control bytes shown escaped", "[kitchen]") {
  CHECK_FALSE(invalid_chef_name(ChefNameKind::node, "web-01.example.com"));
  CHECK_FALSE(invalid_chef_name(ChefNameKind::node, "db:1_a"));
  CHECK(invalid_chef_name(ChefNameKind::environment, "prod.eu") ==
        "'.' is not allowed in an environment name (letters, digits, '-' and '_' only)");
  CHECK_FALSE(invalid_chef_name(ChefNameKind::role, "monitoring/base"));
  CHECK(invalid_chef_name(ChefNameKind::role, "a//b").has_value());
  CHECK(invalid_chef_name(ChefNameKind::role, "/a").has_value());
  CHECK(
      invalid_chef_name(ChefNameKind::node, "a\nb") ==
      "the byte 0x0a is not allowed in a node name (letters, digits, '-', '_', ':' and '.' only)");
  CHECK(invalid_chef_name(ChefNameKind::node, "") == "a node name cannot be empty");
}
