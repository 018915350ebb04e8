#pragma once

// Running one command on the test sshd through Session directly, for the ssh layer's tests.

#include "support/sshd.hpp"

#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/session.hpp>

#include <string>
#include <vector>

namespace brigade::test {

struct CollectingSink : ssh::OutputSink {
  std::vector<std::string> out;
  std::vector<std::string> err;
  void on_line(ssh::OutputStream stream, std::string_view line) override {
    (stream == ssh::OutputStream::out ? out : err).emplace_back(line);
  }
};

/// Settings for `host` from the fixture's ssh_config (and nothing from this machine's), with
/// `extra_config` read first.
ssh::HostConfig config_for(const Sshd& sshd, const std::string& host = "n1.fleet.test",
                           const std::string& extra_config = "");

struct SshRun {
  ssh::ExecResult result;
  CollectingSink sink;
};

/// Connects, runs `request`, says goodbye; `credentials` defaults to none (no agent, no
/// passphrases). Throws the SshError of a failure.
SshRun run_command(ssh::HostConfig config, ssh::ExecRequest request,
                   ssh::Credentials* credentials = nullptr);

/// "kind: message" of the SshError running `request` ends with (a test failure if none).
std::string failure_of(ssh::HostConfig config, ssh::ExecRequest request = {"true"},
                       ssh::Credentials* credentials = nullptr);

}  // namespace brigade::test
