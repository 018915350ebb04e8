#include <brigade/ssh/jump_hosts.hpp>

#include <catch2/catch.hpp>

using brigade::ssh::JumpHop;
using brigade::ssh::parse_proxy_jump;

namespace {

std::vector<JumpHop> hops(const char* value) {
  auto parsed = parse_proxy_jump(value);
  INFO(value << ": " << (parsed.ok() ? "" : parsed.error().render()));
  REQUIRE(parsed.ok());
  return *parsed;
}

std::string error(const char* value) {
  auto parsed = parse_proxy_jump(value);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().render();
}

}  // namespace

TEST_CASE("jump hosts: ProxyJump hops in both forms, in the order they are connected", "[jump]") {
  CHECK(hops("bastion") == std::vector<JumpHop>{{std::nullopt, "bastion", std::nullopt}});
  CHECK(hops("admin@bastion:2222") == std::vector<JumpHop>{{"admin", "bastion", 2222}});
  CHECK(hops("ssh://admin@bastion:2222/") == std::vector<JumpHop>{{"admin", "bastion", 2222}});
  CHECK(hops("ssh://bastion") == std::vector<JumpHop>{{std::nullopt, "bastion", std::nullopt}});
  CHECK(hops("outer,admin@inner:2200") ==
        std::vector<JumpHop>{{std::nullopt, "outer", std::nullopt}, {"admin", "inner", 2200}});
  CHECK(hops("[2001:db8::1]:2222") == std::vector<JumpHop>{{std::nullopt, "2001:db8::1", 2222}});
  CHECK(hops("ops@[::1]") == std::vector<JumpHop>{{"ops", "::1", std::nullopt}});
  // The last '@' ends the user: an e-mail-like user name stays whole.
  CHECK(hops("a@b@bastion") == std::vector<JumpHop>{{"a@b", "bastion", std::nullopt}});
  CHECK(hops("bastion:ssh") == std::vector<JumpHop>{{std::nullopt, "bastion", 22}});  // a2port
  CHECK(hops("none").empty());
  CHECK(hops("NONE").empty());
}

TEST_CASE("jump hosts: a hop that does not parse is an error naming it", "[jump]") {
  const std::string expected = "': expected [user@]host[:port] or ssh://[user@]host[:port]";
  CHECK(error("bastion:0") == "invalid ProxyJump hop 'bastion:0" + expected);
  CHECK(error("bastion:65536") == "invalid ProxyJump hop 'bastion:65536" + expected);
  CHECK(error("bastion:no-such-service") ==
        "invalid ProxyJump hop 'bastion:no-such-service" + expected);
  CHECK(error("outer,,inner") == "invalid ProxyJump hop '" + expected);
  CHECK(error("@bastion") == "invalid ProxyJump hop '@bastion" + expected);
  CHECK(error("-oProxyCommand=x") == "invalid ProxyJump hop '-oProxyCommand=x" + expected);
  CHECK(error("ad min@bastion") == "invalid ProxyJump hop 'ad min@bastion" + expected);
  CHECK(error("[::1") == "invalid ProxyJump hop '[::1" + expected);
  // As ssh: an IPv6 address needs brackets. (ssh refuses all of the above as it reads the file;
  // '@bastion', a leading '-' or a user with a space it refuses only when it connects.)
  CHECK(error("2001:db8::1") == "invalid ProxyJump hop '2001:db8::1" + expected);
  CHECK(error("ssh://a:b:c") == "invalid ProxyJump hop 'ssh://a:b:c" + expected);
  CHECK(error("ssh://u;fingerprint=x@bastion") ==
        "invalid ProxyJump hop 'ssh://u;fingerprint=x@bastion" + expected);
}
