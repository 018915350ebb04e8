#include "support/temp_dir.hpp"

#include <brigade/ssh/ssh_config.hpp>

#include <catch2/catch.hpp>

using brigade::ssh::host_patterns_match;
using brigade::ssh::HostDefaults;
using brigade::ssh::SshConfig;
using brigade::ssh::StrictHostKeyChecking;
using brigade::test::TempDir;

namespace {

HostDefaults defaults_for(const std::string& home) {
  HostDefaults d;
  d.local_user = "chef";
  d.home = home;
  return d;
}

SshConfig parse(const std::string& text, std::vector<brigade::Diagnostic>* warnings = nullptr) {
  std::vector<brigade::Diagnostic> ignored;
  auto config = SshConfig::parse("config", text, "/home/chef", warnings ? *warnings : ignored);
  INFO((config.ok() ? std::string() : config.error().render()));
  REQUIRE(config.ok());
  return std::move(config).value();
}

}  // namespace

TEST_CASE("ssh_config: host patterns with *, ?, negation and lists", "[ssh_config]") {
  CHECK(host_patterns_match("*", "web01"));
  CHECK(host_patterns_match("web??", "web01"));
  CHECK_FALSE(host_patterns_match("web?", "web01"));
  CHECK(host_patterns_match("*.fleet.test", "node0001.fleet.test"));
  CHECK(host_patterns_match("db* web*", "web01"));
  CHECK(host_patterns_match("db*,web*", "web01"));
  CHECK_FALSE(host_patterns_match("*.fleet.test !bad.fleet.test", "bad.fleet.test"));
  CHECK(host_patterns_match("*.fleet.test !bad.fleet.test", "good.fleet.test"));
  CHECK_FALSE(host_patterns_match("!bad", "good"));  // a negation alone matches nothing
  CHECK(host_patterns_match("WEB01", "web01"));
}

TEST_CASE("ssh_config: the first value obtained wins, IdentityFile accumulates", "[ssh_config]") {
  auto config = parse(
      "Host web01\n"
      "  User deploy\n"
      "  IdentityFile ~/.ssh/web\n"
      "Host web*\n"
      "  User other\n"
      "  Port 2222\n"
      "  IdentityFile ~/.ssh/%r@%h\n"
      "Host *\n"
      "  Port 22\n"
      "  User root\n"
      "  ConnectTimeout=5\n");
  auto web01 = config.resolve("web01", defaults_for("/home/chef"));
  CHECK(web01.user == "deploy");
  CHECK(web01.port == 2222);
  CHECK(web01.connect_timeout == std::chrono::seconds(5));
  CHECK(web01.identity_files ==
        std::vector<std::string>{"/home/chef/.ssh/web", "/home/chef/.ssh/deploy@web01"});
  auto db = config.resolve("db1", defaults_for("/home/chef"));
  CHECK(db.user == "root");
  CHECK(db.port == 22);
}

TEST_CASE("ssh_config: HostName with %h, and the defaults beneath ssh_config", "[ssh_config]") {
  auto config = parse(
      "Host *.fleet.test\n"
      "  HostName %h.internal\n"
      "Host short\n"
      "  HostName 127.0.0.1\n");
  HostDefaults defaults = defaults_for("/home/chef");
  defaults.user = "deploy";
  defaults.keypair_file = "/kitchen/keys/deploy";
  defaults.password = "hunter2";
  auto node = config.resolve("n1.fleet.test", defaults);
  CHECK(node.host_name == "n1.fleet.test.internal");
  CHECK(node.user == "deploy");
  CHECK(node.identity_files == std::vector<std::string>{"/kitchen/keys/deploy"});
  CHECK(node.password == "hunter2");
  CHECK(config.resolve("short", defaults).host_name == "127.0.0.1");
  auto plain = config.resolve("other", defaults_for("/home/chef"));
  CHECK(plain.host_name == "other");
  CHECK(plain.user == "chef");
  CHECK(plain.identity_files == std::vector<std::string>{"/home/chef/.ssh/id_ed25519",
                                                         "/home/chef/.ssh/id_ecdsa",
                                                         "/home/chef/.ssh/id_rsa"});
  CHECK(plain.user_known_hosts_files ==
        std::vector<std::string>{"/home/chef/.ssh/known_hosts", "/home/chef/.ssh/known_hosts2"});
  CHECK(plain.strict_host_key_checking == StrictHostKeyChecking::yes);
  CHECK(plain.connect_timeout == std::chrono::seconds(10));
}

TEST_CASE("ssh_config: every supported keyword", "[ssh_config]") {
  auto config = parse(
      "Host n1\n"
      "  IdentitiesOnly yes\n"
      "  UserKnownHostsFile ~/kh1 \"/tmp/with space/kh2\"\n"
      "  GlobalKnownHostsFile /etc/kh\n"
      "  StrictHostKeyChecking accept-new\n"
      "  HostKeyAlias fleet-sshd\n"
      "  HashKnownHosts yes\n"
      "  ServerAliveInterval 15\n"
      "  ServerAliveCountMax 4\n"
      "  ProxyJump bastion.example.com\n"
      "  ForwardAgent yes\n"
      "  SomethingNew 1\n");
  auto n1 = config.resolve("n1", defaults_for("/home/chef"));
  CHECK(n1.identities_only);
  CHECK(n1.user_known_hosts_files ==
        std::vector<std::string>{"/home/chef/kh1", "/tmp/with space/kh2"});
  CHECK(n1.global_known_hosts_files == std::vector<std::string>{"/etc/kh"});
  CHECK(n1.strict_host_key_checking == StrictHostKeyChecking::accept_new);
  CHECK(n1.host_key_alias == "fleet-sshd");
  CHECK(n1.hash_known_hosts);
  CHECK(n1.server_alive_interval == 15);
  CHECK(n1.server_alive_count_max == 4);
  CHECK(n1.proxy_jump == "bastion.example.com");
  CHECK(parse("StrictHostKeyChecking no\n")
            .resolve("x", defaults_for("/h"))
            .strict_host_key_checking == StrictHostKeyChecking::no);
  CHECK(parse("StrictHostKeyChecking ask\n")
            .resolve("x", defaults_for("/h"))
            .strict_host_key_checking == StrictHostKeyChecking::yes);
}

TEST_CASE("ssh_config: Include, relative to ~/.ssh, with globs, inside a Host block",
          "[ssh_config]") {
  TempDir home;
  home.write(".ssh/conf.d/10-web.conf", "Host web*\n  User webuser\n  Port 2200\n");
  home.write(".ssh/conf.d/20-all.conf", "User fallback\n");
  home.write(".ssh/db.conf", "User dbuser\n");
  home.write(".ssh/config",
             "Include conf.d/*.conf\n"
             "Host db*\n"
             "  Include db.conf\n"
             "Host other\n"
             "  Include db.conf\n"
             "  Port 2300\n");
  std::vector<brigade::Diagnostic> warnings;
  auto config = SshConfig::load(home.str() + "/.ssh/config", "", home.str(), warnings);
  REQUIRE(config.ok());
  CHECK(warnings.empty());
  auto web = config->resolve("web1", defaults_for(home.str()));
  CHECK(web.user == "webuser");
  CHECK(web.port == 2200);
  auto db = config->resolve("db1", defaults_for(home.str()));
  CHECK(db.user == "fallback");  // conf.d/20-all.conf came first and applies to every host
  auto other = config->resolve("other", defaults_for(home.str()));
  CHECK(other.port == 2300);  // after the Include the Host block still applies
}

TEST_CASE("ssh_config: the user file comes before the system file", "[ssh_config]") {
  TempDir dir;
  dir.write("user_config", "Host *.fleet.test\n  Port 2022\n");
  dir.write("system_config", "Host *\n  Port 22\n  User sysuser\n");
  std::vector<brigade::Diagnostic> warnings;
  auto config = SshConfig::load(dir.str() + "/user_config", dir.str() + "/system_config", dir.str(),
                                warnings);
  REQUIRE(config.ok());
  auto node = config->resolve("a.fleet.test", defaults_for(dir.str()));
  CHECK(node.port == 2022);
  CHECK(node.user == "sysuser");
  auto missing = SshConfig::load(dir.str() + "/nope", "", dir.str(), warnings);
  CHECK(missing.ok());
}

TEST_CASE("ssh_config: Match is a warning and its block is ignored", "[ssh_config]") {
  std::vector<brigade::Diagnostic> warnings;
  auto config = parse(
      "Host *\n"
      "  Port 2000\n"
      "Match host web*\n"
      "  User matched\n"
      "Host web1\n"
      "  User web\n",
      &warnings);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].render() ==
        "config:3:1: Match is not supported; the lines up to the next Host line are ignored\n"
        "    Match host web*\n"
        "    ^");
  auto web1 = config.resolve("web1", defaults_for("/h"));
  CHECK(web1.user == "web");
  CHECK(web1.port == 2000);
}

TEST_CASE("ssh_config: bad values are errors with file, line and column", "[ssh_config]") {
  std::vector<brigade::Diagnostic> warnings;
  auto port = SshConfig::parse("config", "Host a\n  Port 70000\n", "/h", warnings);
  REQUIRE_FALSE(port.ok());
  CHECK(port.error().render() ==
        "config:2:3: port: expected a port number (1-65535), got '70000'\n"
        "      Port 70000\n"
        "      ^");
  auto strict = SshConfig::parse("config", "StrictHostKeyChecking maybe\n", "/h", warnings);
  REQUIRE_FALSE(strict.ok());
  CHECK(strict.error().render() ==
        "config:1:1: stricthostkeychecking: expected yes, accept-new, no or ask, got 'maybe'\n"
        "    StrictHostKeyChecking maybe\n"
        "    ^");
  auto quote = SshConfig::parse("config", "IdentityFile \"~/.ssh/a\n", "/h", warnings);
  REQUIRE_FALSE(quote.ok());
  CHECK(quote.error().message == "unterminated quote");
}

TEST_CASE("ssh_config: render prints settings like ssh -G, never the password", "[ssh_config]") {
  auto config = parse("Host n1\n  HostName 127.0.0.1\n  Port 2222\n  User root\n");
  HostDefaults defaults = defaults_for("/home/chef");
  defaults.password = "hunter2";
  auto text = config.resolve("n1", defaults).render();
  CHECK(text.find("hostname 127.0.0.1\n") != std::string::npos);
  CHECK(text.find("port 2222\n") != std::string::npos);
  CHECK(text.find("user root\n") != std::string::npos);
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find("password (set in littlechef.cfg, not shown)") != std::string::npos);
}
