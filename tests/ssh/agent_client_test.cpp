#include "support/async.hpp"
#include "support/process.hpp"
#include "support/ssh_run.hpp"
#include "support/sshd.hpp"

#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>
#include <brigade/ssh/session.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include <openssl/sha.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

using namespace brigade::ssh;
using brigade::test::config_for;
using brigade::test::failure_of;
using brigade::test::run_command;
using brigade::test::Sshd;

TEST_CASE("ssh: keys from ssh-agent come first, and IdentitiesOnly limits them",
          "[sshd][ssh][agent]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  const std::string socket = sshd.path("agent.sock");
  std::string pid_line = brigade::test::run_shell_ok("ssh-agent -a " + socket +
                                                     " -s | grep -o 'SSH_AGENT_PID=[0-9]*'");
  const std::string agent_pid = pid_line.substr(
      pid_line.find('=') + 1, pid_line.find_first_of("\n") - pid_line.find('=') - 1);
  struct StopAgent {
    std::string pid;
    ~StopAgent() { brigade::test::run_shell("kill " + pid); }
  } stop_agent{agent_pid};
  brigade::test::run_shell_ok("SSH_AUTH_SOCK=" + socket + " ssh-add -q " + sshd.client_key() +
                              " 2>/dev/null");

  Credentials credentials;
  credentials.connect_agent(socket);
  REQUIRE(credentials.agent() != nullptr);
  REQUIRE(credentials.agent()->identities().size() == 1);
  CHECK(credentials.agent()->identities()[0].type == "ssh-ed25519");

  auto config = config_for(sshd);
  config.identities_only = false;
  config.identity_files = {sshd.path("no_such_key")};  // nothing on disk: the agent must do it
  auto run = run_command(config, {"echo via agent"}, &credentials);
  CHECK(run.result.exit_status == 0);
  CHECK(run.sink.out == std::vector<std::string>{"via agent"});

  // IdentitiesOnly with another configured key: the agent's key is not offered.
  brigade::test::run_shell_ok("ssh-keygen -q -t ed25519 -N '' -f " + sshd.path("other"));
  config.identities_only = true;
  config.identity_files = {sshd.path("other")};
  auto failure = failure_of(config, {"true"}, &credentials);
  CHECK(failure.find("tried " + sshd.path("other") + " (refused by the server)") !=
        std::string::npos);
  CHECK(failure.find("agent key") == std::string::npos);

  Credentials without_agent;
  without_agent.connect_agent(sshd.path("no_agent_here.sock"));
  CHECK(without_agent.agent() == nullptr);
  CHECK(without_agent.agent_problem().starts_with(
      "ssh-agent at " + sshd.path("no_agent_here.sock") + ": cannot connect: "));
}
