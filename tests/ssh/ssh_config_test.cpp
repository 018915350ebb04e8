#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/ssh/ssh_config.hpp>

#include <catch2/catch.hpp>

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

TEST_CASE("ssh_config: a Host line takes whitespace-separated patterns, quoted ones whole",
          "[ssh_config]") {
  auto config = parse(
      "Host \"a b\" c,d web*\n"
      "  User first\n"
      "Host *\n"
      "  HostName %h.Example.COM\n");
  CHECK(config.resolve("web1", defaults_for("/h")).user == "first");
  CHECK(config.resolve("WEB1", defaults_for("/h")).user == "chef");
  CHECK(config.resolve("WEB1", defaults_for("/h")).host_name == "web1.example.com");
  CHECK(config.resolve("c", defaults_for("/h")).user == "chef");
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
  CHECK(plain.strict_host_key_checking == StrictHostKeyChecking::ask);
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
      "  ForwardAgent yes\n");
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
            .strict_host_key_checking == StrictHostKeyChecking::ask);
  CHECK(parse("StrictHostKeyChecking true\n")
            .resolve("x", defaults_for("/h"))
            .strict_host_key_checking == StrictHostKeyChecking::yes);
  CHECK(parse("StrictHostKeyChecking false\n")
            .resolve("x", defaults_for("/h"))
            .strict_host_key_checking == StrictHostKeyChecking::no);
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
      "  Compression yes\n"
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
  CHECK(text ==
        "host n1\n"
        "user root\n"
        "hostname 127.0.0.1\n"
        "port 2222\n"
        "addressfamily any\n"
        "hashknownhosts no\n"
        "identitiesonly no\n"
        "stricthostkeychecking ask\n"
        "# brigade: never asks mid-run: a new host key is refused as under 'yes'\n"
        "serveralivecountmax 3\n"
        "serveraliveinterval 0\n"
        "# brigade: host-key algorithms offered: "
        "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-rsa\n"
        "# brigade: identity files tried: /home/chef/.ssh/id_ed25519 /home/chef/.ssh/id_ecdsa "
        "/home/chef/.ssh/id_rsa\n"
        "globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2\n"
        "userknownhostsfile /home/chef/.ssh/known_hosts /home/chef/.ssh/known_hosts2\n"
        "connecttimeout none\n"
        "# brigade: ConnectTimeout not set: connect, handshake and authentication wait at most "
        "10 s each\n"
        "# brigade: password set in littlechef.cfg (not shown)\n");
  CHECK(text.find("hunter2") == std::string::npos);
}

TEST_CASE("ssh_config: a keyword OpenSSH does not know is an error unless IgnoreUnknown lists it",
          "[ssh_config]") {
  std::vector<brigade::Diagnostic> warnings;
  auto typo = SshConfig::parse("config", "Host a\n  IdentitiyFile ~/.ssh/a\n", "/h", warnings);
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.error().render() ==
        "config:2:3: identitiyfile: Bad configuration option (OpenSSH 9.2 does not know it), did "
        "you mean 'identityfile'?\n"
        "      IdentitiyFile ~/.ssh/a\n"
        "      ^");
  auto other = SshConfig::parse("config", "UseKeychain yes\n", "/h", warnings);
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().hint == "list it in IgnoreUnknown if another ssh client needs it");
  // IgnoreUnknown applies to the lines after it; known keywords Brigade has no use for pass.
  CHECK(SshConfig::parse("config",
                         "IgnoreUnknown UseKeychain,Add*\nUseKeychain yes\n"
                         "AddTheThing 1\nForwardX11 no\nGSSAPIAuthentication yes\n",
                         "/h", warnings)
            .ok());
  CHECK_FALSE(
      SshConfig::parse("config", "UseKeychain yes\nIgnoreUnknown UseKeychain\n", "/h", warnings)
          .ok());
}

TEST_CASE("ssh_config: values as OpenSSH reads them", "[ssh_config]") {
  setenv("BRIGADE_TEST_KH", "/srv/kh", 1);
  unsetenv("BRIGADE_TEST_UNSET");
  auto config = parse(
      "Host t\n"
      "  ConnectTimeout 1m30s\n"
      "  ServerAliveInterval 2h\n"
      "  IdentitiesOnly true\n"
      "  HashKnownHosts false\n"
      "  ProxyJump none\n"
      "  IdentityFile ~/.ssh/%r@%h\n"
      "  IdentityFile ~/.ssh/%r@%h\n"
      "  UserKnownHostsFile ${BRIGADE_TEST_KH}/%n_%p %d/kh %k\n"
      "  GlobalKnownHostsFile ~/global_%h\n"
      "Host t\n"
      "  ProxyJump other\n"
      "Host j\n"
      "  ProxyJump ssh://bob@bastion:2200,ssh://gate/\n"
      "Host j1\n"
      "  ProxyJump ssh://bob@bastion:2200\n"
      "Host bad\n"
      "  UserKnownHostsFile ${BRIGADE_TEST_UNSET}/kh\n"
      "Host *\n"
      "  User root\n");
  auto t = config.resolve("t", defaults_for("/home/chef"));
  CHECK(t.connect_timeout == std::chrono::seconds(90));
  CHECK(t.connect_timeout_set);
  CHECK(t.server_alive_interval == 7200);
  CHECK(t.identities_only);
  CHECK_FALSE(t.hash_known_hosts);
  CHECK_FALSE(t.proxy_jump.has_value());  // the first value, none, wins
  CHECK(t.identity_file_settings == std::vector<std::string>{"~/.ssh/%r@%h"});
  CHECK(t.identity_files == std::vector<std::string>{"/home/chef/.ssh/root@t"});
  CHECK(t.user_known_hosts_files == std::vector<std::string>{"/srv/kh/t_22", "/home/chef/kh", "t"});
  CHECK(t.global_known_hosts_files == std::vector<std::string>{"~/global_%h"});  // as written
  CHECK_FALSE(t.unusable.has_value());
  CHECK(config.resolve("j", defaults_for("/h")).proxy_jump == "ssh://bob@bastion:2200,gate");
  CHECK(config.resolve("j1", defaults_for("/h")).proxy_jump == "bob@bastion:2200");
  auto bad = config.resolve("bad", defaults_for("/h"));
  REQUIRE(bad.unusable.has_value());
  CHECK(bad.unusable->render() ==
        "config:18: userknownhostsfile: environment variable ${BRIGADE_TEST_UNSET} is not set");

  std::vector<brigade::Diagnostic> warnings;
  auto time = SshConfig::parse("config", "ConnectTimeout 10x\n", "/h", warnings);
  REQUIRE_FALSE(time.ok());
  CHECK(time.error().message == "expected a time (30, 1m30s, 2h), got '10x'");
}

TEST_CASE("ssh_config: settings that change the route or the trust decision refuse the host",
          "[ssh_config]") {
  auto config = parse(
      "Host pc\n"
      "  ProxyCommand ssh -W %h:%p bastion\n"
      "Host none\n"
      "  ProxyCommand none\n"
      "  CheckHostIP no\n"
      "  CanonicalizeHostname no\n"
      "Host bind\n"
      "  BindAddress 10.0.0.1\n"
      "Host canon\n"
      "  CanonicalizeHostname yes\n"
      "Host khc\n"
      "  KnownHostsCommand /bin/echo\n"
      "Host rev\n"
      "  RevokedHostKeys /etc/ssh/revoked\n"
      "Host ip\n"
      "  CheckHostIP yes\n"
      "Host literal\n"
      "  HostName 10.1.2.3\n"
      "  CheckHostIP yes\n"
      "Host algs\n"
      "  HostKeyAlgorithms rsa-sha2-512,rsa-sha2-256\n");
  auto reason = [&](const std::string& host) {
    auto resolved = config.resolve(host, defaults_for("/h"));
    return resolved.unusable ? resolved.unusable->render() : std::string();
  };
  CHECK(reason("pc") == "");  // followed (see proxy_command_test)
  CHECK(config.resolve("pc", defaults_for("/h")).proxy_command == "ssh -W %h:%p bastion");
  CHECK(reason("none") == "");
  CHECK(reason("bind") ==
        "config:8: bindaddress: BindAddress is not supported; Brigade would connect from another "
        "address");
  CHECK(
      reason("canon").starts_with("config:10: canonicalizehostname: CanonicalizeHostname is not "
                                  "supported"));
  CHECK(
      reason("khc").starts_with("config:12: knownhostscommand: KnownHostsCommand is not "
                                "supported"));
  CHECK(reason("rev").starts_with("config:14: revokedhostkeys: RevokedHostKeys is not supported"));
  CHECK(reason("ip").starts_with("config:16: checkhostip: CheckHostIP yes is not supported"));
  CHECK(reason("literal") == "");  // ssh skips the address check when HostName is an address
  CHECK(
      reason("algs").starts_with("config:21: hostkeyalgorithms: HostKeyAlgorithms "
                                 "rsa-sha2-512,rsa-sha2-256 leaves no host-key algorithm"));

  // A Match block is not evaluated: one that changes the route is an error, not ignored.
  std::vector<brigade::Diagnostic> warnings;
  auto match =
      SshConfig::parse("config", "Match host web*\n  ProxyCommand nc %h %p\n", "/h", warnings);
  REQUIRE_FALSE(match.ok());
  CHECK(match.error().message ==
        "Match is not supported, and this Match block sets proxycommand, which changes where "
        "Brigade connects or which host key it trusts");
  for (const char* line : {"HostName 10.0.0.9", "Port 2222", "UserKnownHostsFile /tmp/kh",
                           "StrictHostKeyChecking no", "ProxyJump gate"}) {
    INFO(line);
    CHECK_FALSE(
        SshConfig::parse("config", std::string("Match host web*\n  ") + line + "\n", "/h", warnings)
            .ok());
  }
  // Who Brigade logs in as, and with which key, are errors too.
  for (const char* line : {"User nobody", "IdentityFile ~/.ssh/other", "IdentitiesOnly yes"}) {
    INFO(line);
    auto identity = SshConfig::parse("config", std::string("Match host web*\n  ") + line + "\n",
                                     "/h", warnings);
    REQUIRE_FALSE(identity.ok());
    CHECK_THAT(identity.error().message,
               Catch::EndsWith(", which changes who Brigade logs in as or with which key"));
  }
  // A setting that decides none of these stays a warning with the block ignored.
  CHECK(SshConfig::parse("config", "Match host web*\n  ForwardAgent yes\n  ServerAliveInterval 5\n",
                         "/h", warnings)
            .ok());
}

TEST_CASE("ssh_config: an Include inside a Match block is read, never skipped", "[ssh_config]") {
  TempDir home;
  home.write(".ssh/config.d/bastion.conf", "Host *.prod\n  ProxyJump bastion.example.com\n");
  home.write(".ssh/config.d/quiet.conf", "Host *\n  ServerAliveInterval 30\n");
  home.write(".ssh/nested.conf", "Include config.d/*.conf\n");
  auto load = [&](const std::string& text, std::vector<brigade::Diagnostic>& warnings) {
    home.write(".ssh/config", text);
    return SshConfig::load(home.str() + "/.ssh/config", "", home.str(), warnings);
  };
  std::vector<brigade::Diagnostic> warnings;
  // The common shape: Match blocks, then an Include at the end, which ssh reads as part of the
  // last Match block. The route it sets is refused with its own file and line.
  auto refused = load(
      "Host *\n  User deploy\nMatch exec \"on-vpn\"\n  ForwardAgent no\nInclude config.d/*.conf\n",
      warnings);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().file.ends_with(".ssh/config.d/bastion.conf"));
  CHECK(refused.error().line == 2);
  CHECK(refused.error().message ==
        "Match is not supported, and this file, included inside a Match block, sets proxyjump, "
        "which changes where Brigade connects or which host key it trusts");
  // What ssh does with the same lines (absolute paths: ssh -F reads ~/.ssh of its own user):
  // it goes through the bastion, so skipping the Include would connect directly.
  if (brigade::test::run_shell("command -v ssh").status == 0) {
    home.write("side-by-side", "Match exec true\n  ForwardAgent no\nInclude " + home.str() +
                                   "/.ssh/config.d/*.conf\n");
    CHECK(brigade::test::run_shell_ok("ssh -G -F '" + home.str() +
                                      "/side-by-side' a.prod 2>/dev/null | grep '^proxyjump '") ==
          "proxyjump bastion.example.com\n");
    std::vector<brigade::Diagnostic> side_warnings;
    CHECK_FALSE(SshConfig::load(home.str() + "/side-by-side", "", home.str(), side_warnings).ok());
  } else {
    WARN("ssh is not installed: the side-by-side check with ssh -G is skipped");
  }
  // Through another Include, and whatever Host lines the included file has.
  warnings.clear();
  auto nested = load("Match all\n  Include nested.conf\n", warnings);
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().file.ends_with(".ssh/config.d/bastion.conf"));
  // Files that change none of it: a warning, and nothing of them applied.
  home.write(".ssh/config.d/bastion.conf", "Host *.prod\n  ServerAliveCountMax 9\n");
  warnings.clear();
  auto harmless =
      load("Match exec \"on-vpn\"\n  ForwardAgent no\nInclude config.d/*.conf\n", warnings);
  REQUIRE(harmless.ok());
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[1].line == 3);
  CHECK_THAT(warnings[1].message, Catch::StartsWith("this Include is inside a Match block"));
  CHECK(harmless->resolve("a.prod", defaults_for(home.str())).server_alive_interval == 0);
}

TEST_CASE("ssh_config: HostKeyAlgorithms narrows, extends, removes and reorders", "[ssh_config]") {
  auto algorithms = [](const std::string& setting) {
    return parse("HostKeyAlgorithms " + setting + "\n")
        .resolve("x", defaults_for("/h"))
        .host_key_algorithms;
  };
  using V = std::vector<std::string>;
  CHECK(parse("").resolve("x", defaults_for("/h")).host_key_algorithms ==
        V{"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
          "ssh-rsa"});
  CHECK(algorithms("ecdsa-sha2-nistp256,ssh-ed25519") == V{"ecdsa-sha2-nistp256", "ssh-ed25519"});
  CHECK(algorithms("-ecdsa-*,ssh-rsa") == V{"ssh-ed25519"});
  CHECK(algorithms("^ssh-rsa") == V{"ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256",
                                    "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"});
  CHECK(algorithms("+ssh-rsa").size() == 5);
}

TEST_CASE("ssh_config: ProxyJump none or ProxyCommand none is a route of the host's own",
          "[ssh_config]") {
  auto config = parse(
      "Host direct\n  ProxyJump none\n"
      "Host command\n  ProxyCommand none\n"
      "Host jumped\n  ProxyJump ssh://admin@bastion:2222\n");
  auto direct = config.resolve("direct", defaults_for("/h"));
  CHECK(direct.route_configured);
  CHECK_FALSE(direct.proxy_jump.has_value());
  CHECK(config.resolve("command", defaults_for("/h")).route_configured);
  auto jumped = config.resolve("jumped", defaults_for("/h"));
  CHECK(jumped.route_configured);
  CHECK(jumped.proxy_jump == "admin@bastion:2222");
  CHECK_FALSE(config.resolve("other", defaults_for("/h")).route_configured);
}

TEST_CASE("ssh_config: a ProxyJump that does not parse stops the load at its line",
          "[ssh_config][jump]") {
  std::vector<brigade::Diagnostic> warnings;
  auto config = SshConfig::parse("config", "Host *\n  ProxyJump admin@bastion:99999\n",
                                 "/home/chef", warnings);
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().line == 2);
  CHECK(config.error().message ==
        "expected none or hops [user@]host[:port] or ssh://[user@]host[:port], separated by "
        "commas, got 'admin@bastion:99999'");
}
