// ProxyCommand: its command line as ssh makes it, and sessions over it against real sshds.

#include "support/cli_run.hpp"
#include "support/jump_lab.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <brigade/ssh/proxy_command.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>

using brigade::ssh::HostConfig;
using brigade::ssh::proxy_command_line;
using brigade::test::JumpLab;
using brigade::test::lines_of;
using brigade::test::run_brigade;
using brigade::test::TempDir;

namespace {

HostConfig host_with(const std::string& command) {
  HostConfig host;
  host.host = "web01";
  host.host_name = "10.0.0.5";
  host.port = 2222;
  host.user = "deploy";
  host.proxy_command = command;
  return host;
}

}  // namespace

TEST_CASE("proxy command: %h %p %r %n %% as ssh expands them, run with exec", "[ssh][proxy]") {
  auto line = proxy_command_line(host_with("ssh -W %h:%p -l %r jump # %n 100%%"));
  REQUIRE(line.ok());
  CHECK(*line == "exec ssh -W 10.0.0.5:2222 -l deploy jump # web01 100%");
  auto unknown = proxy_command_line(host_with("nc %k 22"));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message ==
        "ProxyCommand: unknown token %k in 'nc %k 22' (it takes %h, %n, %p, %r and %%)");
  CHECK_FALSE(proxy_command_line(host_with("nc %h %")).ok());
}

TEST_CASE("proxy command: a value a shell would read is refused, never run", "[ssh][proxy]") {
  for (const char* name : {"a;touch x", "$(id)", "a b", "`id`", "a'b", "-oProxy", "a\nb", "a|b"}) {
    HostConfig host = host_with("nc %n 22");
    host.host = name;
    auto line = proxy_command_line(host);
    CHECK_FALSE(line.ok());
  }
  HostConfig host = host_with("nc %h %p");
  host.host_name = "fe80::1";
  CHECK(proxy_command_line(host).ok());
}

TEST_CASE("exec through ProxyCommand: ssh -W through the bastion, and a plain relay",
          "[sshd][proxy]") {
  BRIGADE_REQUIRE_JUMP_LAB();
  JumpLab lab;
  TempDir kitchen;
  const std::string config_path = lab.dir().str() + "/ssh_config";
  SECTION("ssh -W %h:%p bastion, with the same ssh_config") {
    lab.make_kitchen(
        kitchen, lab.write_ssh_config("ProxyCommand ssh -F " + config_path + " -W %h:%p bastion"),
        3, "true");
  }
  SECTION("a relay on the bastion that connects to %h %p itself, as nc does") {
    lab.make_kitchen(kitchen,
                     lab.write_ssh_config("ProxyCommand ssh -F " + config_path +
                                          " bastion 'exec bash -c \"exec 3<>/dev/tcp/%h/%p; "
                                          "cat <&3 & cat >&3; kill %%1\"'"),
                     3, "true");
  }
  auto run = run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "echo", "proxied"});
  INFO(run.err);
  CHECK(run.status == 0);
  auto out = lines_of(run.out);
  std::sort(out.begin(), out.end());
  CHECK(out == std::vector<std::string>{"n01.behind.test: proxied", "n02.behind.test: proxied",
                                        "n03.behind.test: proxied"});
}

TEST_CASE("exec through ProxyCommand: its stderr is the node's, a failing one fails the node",
          "[sshd][proxy]") {
  BRIGADE_REQUIRE_SSHD();
  brigade::test::Sshd sshd;
  TempDir kitchen;
  kitchen.write(
      "ssh_config",
      fmt::format("Host ok.fleet.test\n  ProxyCommand bash -c 'echo relaying to %h %p "
                  ">&2; exec 3<>/dev/tcp/%h/%p; cat <&3 & exec cat >&3'\n"
                  "Host bad.fleet.test\n  ProxyCommand sh -c 'echo no route >&2; exit 3'\n"
                  "Host *\nInclude {}\n",
                  sshd.ssh_config_file()));
  kitchen.write("littlechef.cfg", "[userinfo]\nssh-config = ssh_config\n");
  kitchen.write("nodes/ok.fleet.test.json", "{}");
  kitchen.write("nodes/bad.fleet.test.json", "{}");
  auto run = run_brigade({"exec", "-k", kitchen.str(), "node:all", "--", "echo", "hi"});
  INFO(run.err);
  CHECK(run.status == 1);
  CHECK(run.out == "ok.fleet.test: hi\n");
  CHECK(run.err.find(fmt::format("ok.fleet.test [stderr]: relaying to 127.0.0.1 {}",
                                 sshd.port())) != std::string::npos);
  CHECK(run.err.find("bad.fleet.test [stderr]: no route") != std::string::npos);
  CHECK(run.err.find("FAILED bad.fleet.test: handshake: ") != std::string::npos);
  CHECK(run.err.find("its ProxyCommand exited with status 3") != std::string::npos);
}
