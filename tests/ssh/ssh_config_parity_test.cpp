// `brigade ssh-config` against `ssh -G` on the same files: every line Brigade prints (comments
// aside) is a line ssh prints, in ssh's order.
#include "support/process.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <brigade/ssh/ssh_config.hpp>

#include <catch2/catch.hpp>

#include <sstream>

using brigade::ssh::HostDefaults;
using brigade::ssh::SshConfig;
using brigade::test::run_shell;
using brigade::test::TempDir;

namespace {

std::vector<std::string> lines(const std::string& text, bool drop_comments) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!(drop_comments && line.starts_with("#"))) {
      out.push_back(line);
    }
  }
  return out;
}

void check_same_as_ssh(const TempDir& dir, const std::string& text, const std::string& host) {
  const std::string file = dir.write("config", text).string();
  INFO("config:\n" << text << "host: " << host);
  auto ssh = run_shell("ssh -F " + file + " -G '" + host + "' 2>&1");
  REQUIRE(ssh.status == 0);
  std::vector<brigade::Diagnostic> warnings;
  HostDefaults defaults = HostDefaults::from_environment();
  auto config = SshConfig::load(file, "", defaults.home, warnings);
  REQUIRE(config.ok());
  const std::string ours = config->resolve(host, defaults).render();
  INFO("brigade ssh-config:\n" << ours);
  const auto theirs = lines(ssh.output, false);
  std::size_t at = 0;  // ssh's lines are searched from where the previous one was found
  for (const auto& line : lines(ours, true)) {
    INFO("line: " << line);
    auto found = std::find(theirs.begin() + static_cast<std::ptrdiff_t>(at), theirs.end(), line);
    CHECK(found != theirs.end());
    if (found != theirs.end()) {
      at = static_cast<std::size_t>(found - theirs.begin()) + 1;
    }
  }
}

}  // namespace

TEST_CASE("ssh_config parity with ssh -G: a table of configurations", "[ssh_config][parity]") {
  if (run_shell("command -v ssh").status != 0) {
    BRIGADE_SKIP("needs OpenSSH's ssh");
  }
  TempDir dir;
  dir.write("conf.d/10-web.conf", "Host web*\n  User webuser\n  Port 2200\n");
  dir.write("conf.d/20-all.conf", "HostKeyAlias Fleet-Alias\n");
  const std::string include = "Include " + dir.str() + "/conf.d/*.conf\n";

  struct Row {
    std::string config;
    std::vector<std::string> hosts;
  };
  const std::vector<Row> table = {
      {"Host web* !web3\n  Port 2201\nHost *\n  User admin\n", {"web1", "web3", "WEB1", "db"}},
      {"Host \"a b\" c,d e\n  User listed\n", {"a", "c", "e"}},
      {include + "Host db*\n  User dbuser\n", {"web1", "db1", "other"}},
      {"Host *\n  IdentityFile ~/.ssh/%r@%h_%p\n  IdentityFile ~/.ssh/%r@%h_%p\n"
       "  UserKnownHostsFile %d/kh_%C %d/%u_%L_%l_%i_%k_%n\n  HostName %h.Example.com\n",
       {"web1", "Node-2"}},
      {"Host a\n  Port 1\n  User first\nHost *\n  Port 2\n  User second\n  HostName h\n",
       {"a", "b"}},
      {"Host q\n  UserKnownHostsFile \"/tmp/with space/kh\" '/tmp/single' /tmp/x\\ y\n"
       "  GlobalKnownHostsFile /etc/ssh/%h_known\n",
       {"q"}},
      {"Port=2222\nUser = bob\nHostName= target\nConnectTimeout =1m\n", {"x"}},
      {"Host *\n  ConnectTimeout 1m30s\n  ServerAliveInterval 30s\n  ServerAliveCountMax 5\n"
       "  StrictHostKeyChecking accept-new\n  HashKnownHosts true\n  IdentitiesOnly yes\n"
       "  AddressFamily inet\n  HostKeyAlias Some.Alias\n",
       {"x"}},
      {"Host s1\n  StrictHostKeyChecking yes\nHost s2\n  StrictHostKeyChecking no\n"
       "Host s3\n  StrictHostKeyChecking ask\nHost *\n  UserKnownHostsFile none\n"
       "  GlobalKnownHostsFile none\n",
       {"s1", "s2", "s3"}},
      {"Host j\n  ProxyJump ssh://bob@bastion:2200,gate\nHost n\n  ProxyJump none\n"
       "Host *\n  ProxyJump later\n",
       {"j", "n"}},
      // Literal and pattern sections interleaved, a name in several sections and twice on one
      // line: the sections that apply are read in file order whatever the index finds first.
      {"Host b\n  Port 3\nHost a b\n  User both\nHost *a\n  Port 4\nHost a a\n  HostName twice\n"
       "Host a\n  Port 5\n  User late\n",
       {"a", "b", "xa", "c"}},
      // An Include inside a literal section: read for that host only, its own Host lines
      // deciding within it.
      {"User pre\nHost lit\n  " + include + "Host *\n  Port 7\n", {"lit", "web9", "other"}},
  };
  for (const auto& row : table) {
    for (const auto& host : row.hosts) {
      check_same_as_ssh(dir, row.config, host);
    }
  }
}

TEST_CASE("ssh_config parity with ssh -G: ProxyJump values ssh accepts and refuses",
          "[ssh_config][parity][jump]") {
  if (run_shell("command -v ssh").status != 0) {
    BRIGADE_SKIP("needs OpenSSH's ssh");
  }
  TempDir dir;
  for (const char* accepted : {"bastion", "admin@bastion:2222", "ssh://admin@bastion:2222/",
                               "outer,admin@inner:2200", "[2001:db8::1]:2222", "none"}) {
    check_same_as_ssh(dir, std::string("Host x\n  ProxyJump ") + accepted + "\n", "x");
  }
  // What ssh refuses as it reads the file, Brigade refuses there too (exit 2, nothing touched).
  for (const char* refused : {"bastion:0", "bastion:65536", "bastion:nosuchservice", "outer,,inner",
                              "[::1", "ssh://a:b:c", "2001:db8::1"}) {
    const std::string file =
        dir.write("config", std::string("Host x\n  ProxyJump ") + refused + "\n").string();
    INFO("ProxyJump " << refused);
    CHECK(run_shell("ssh -F " + file + " -G x >/dev/null 2>&1").status != 0);
    std::vector<brigade::Diagnostic> warnings;
    CHECK_FALSE(SshConfig::load(file, "", "/root", warnings).ok());
  }
}

TEST_CASE("ssh_config parity with ssh -G: ProxyCommand and ProxyJump, the first one wins",
          "[ssh_config][parity][jump]") {
  if (run_shell("command -v ssh").status != 0) {
    BRIGADE_SKIP("needs OpenSSH's ssh");
  }
  TempDir dir;
  const std::string command = "ProxyCommand ssh -W %h:%p bastion\n";
  const std::vector<std::string> configs = {
      "Host x\n  " + command + "Host *\n  ProxyJump bastion\n",
      "Host x\n  ProxyJump bastion\nHost *\n  " + command,
      "Host x\n  ProxyJump none\nHost *\n  " + command,
      "Host x\n  ProxyCommand none\nHost *\n  ProxyJump bastion\n",
  };
  for (const std::string& config : configs) {
    check_same_as_ssh(dir, config, "x");
    // And nothing ssh leaves out: the route Brigade takes is the one ssh prints.
    const std::string file = dir.write("config", config).string();
    const auto ssh = run_shell("ssh -F " + file + " -G x 2>/dev/null | grep -c '^proxy[cj]'");
    std::vector<brigade::Diagnostic> warnings;
    auto ours = SshConfig::load(file, "", "/root", warnings);
    REQUIRE(ours.ok());
    const auto host = ours->resolve("x", HostDefaults::from_environment());
    INFO(config);
    CHECK(std::stoi(ssh.output) == (host.proxy_command ? 1 : 0) + (host.proxy_jump ? 1 : 0));
  }
}
