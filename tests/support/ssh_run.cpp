#include "support/ssh_run.hpp"

#include "support/async.hpp"

#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <catch2/catch.hpp>

#include <fstream>

namespace brigade::test {

using namespace brigade::ssh;

HostConfig config_for(const Sshd& sshd, const std::string& host, const std::string& extra_config) {
  std::vector<brigade::Diagnostic> warnings;
  std::string file = sshd.path("ssh_config");
  if (!extra_config.empty()) {
    file = sshd.path("ssh_config_extra");
    std::ifstream base(sshd.ssh_config_file());
    std::ofstream out(file);
    out << extra_config << "\n" << base.rdbuf();
  }
  auto config = SshConfig::load(file, "", sshd.home(), warnings);
  REQUIRE(config.ok());
  HostDefaults defaults;
  defaults.local_user = "root";
  defaults.home = sshd.home();
  return config->resolve(host, defaults);
}

SshRun run_command(HostConfig config, ExecRequest request, Credentials* credentials) {
  static Libssh2Library library;
  HostKeyStore host_keys;
  Credentials none;
  SshRun run;
  run.result = run_async([&]() -> asio::awaitable<ExecResult> {
    auto session = co_await Session::connect(
        config, SessionContext{&host_keys, credentials != nullptr ? credentials : &none});
    auto result = co_await session->exec(request, run.sink);
    co_await session->close();
    co_return result;
  }());
  return run;
}

std::string failure_of(HostConfig config, ExecRequest request, Credentials* credentials) {
  try {
    run_command(std::move(config), std::move(request), credentials);
  } catch (const SshError& e) {
    return std::string(failure_kind_name(e.kind())) + ": " + e.what();
  }
  FAIL("expected an SshError");
  return {};
}

}  // namespace brigade::test
