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

TEST_CASE("ssh: a key with a passphrase, from BRIGADE_KEY_PASSPHRASE", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  brigade::test::run_shell_ok("ssh-keygen -q -t ed25519 -N 's3cret words' -f " +
                              sshd.path("locked"));
  brigade::test::run_shell_ok("cat " + sshd.path("locked.pub") + " >> " +
                              sshd.path("authorized_keys"));
  auto info = inspect_identity_file(sshd.path("locked"));
  REQUIRE(info.has_value());
  CHECK(info->encrypted);
  CHECK(info->type == IdentityInfo::Type::ed25519);

  auto config = config_for(sshd);
  config.identity_files = {sshd.path("locked")};
  SECTION("no passphrase: skipped with the reason") {
    Credentials credentials;
    unsetenv("BRIGADE_KEY_PASSPHRASE");
    credentials.prepare(config.identity_files, nullptr);
    CHECK(failure_of(config, {"true"}, &credentials)
              .find(sshd.path("locked") +
                    " (encrypted; no passphrase: set BRIGADE_KEY_PASSPHRASE)") !=
          std::string::npos);
  }
  SECTION("the passphrase from the environment") {
    Credentials credentials;
    setenv("BRIGADE_KEY_PASSPHRASE", "s3cret words", 1);
    credentials.prepare(config.identity_files, nullptr);
    unsetenv("BRIGADE_KEY_PASSPHRASE");
    auto run = run_command(config, {"echo unlocked"}, &credentials);
    CHECK(run.result.exit_status == 0);
    CHECK(run.sink.out == std::vector<std::string>{"unlocked"});
  }
}
