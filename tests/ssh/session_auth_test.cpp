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
using brigade::test::run_async;
using brigade::test::run_command;
using brigade::test::Sshd;

TEST_CASE("ssh: a key the server does not accept names what was tried", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  brigade::test::run_shell_ok("ssh-keygen -q -t ed25519 -N '' -f " + sshd.path("stranger"));
  auto config = config_for(sshd);
  config.identity_files = {sshd.path("stranger")};
  CHECK(failure_of(config) == "auth: authentication failed for root@127.0.0.1 port " +
                                  std::to_string(sshd.port()) + ": tried " + sshd.path("stranger") +
                                  " (refused by the server); the server accepts publickey");
  config.identity_files = {sshd.path("missing")};
  CHECK(failure_of(config) ==
        "auth: authentication failed for root@127.0.0.1 port " + std::to_string(sshd.port()) +
            ": tried nothing: no identity file found (looked for " + sshd.path("missing") +
            ") and no password configured; the server accepts publickey");
}

TEST_CASE("ssh: an RSA key fails with the reason and what to do", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  brigade::test::run_shell_ok("ssh-keygen -q -t rsa -b 2048 -N '' -f " + sshd.path("rsa_key"));
  brigade::test::run_shell_ok("cat " + sshd.path("rsa_key.pub") + " >> " +
                              sshd.path("authorized_keys"));
  auto config = config_for(sshd);
  config.identity_files = {sshd.path("rsa_key")};
  auto failure = failure_of(config);
  CHECK(failure.starts_with("auth: authentication failed for root@127.0.0.1 port " +
                            std::to_string(sshd.port()) + ": tried " + sshd.path("rsa_key") +
                            " (RSA key, refused)"));
  CHECK(failure.ends_with(
      ". RSA keys do not work with this server: libssh2 1.10 signs only with ssh-rsa (SHA-1), "
      "which OpenSSH 8.8 and later refuse; use an ed25519 key (ssh-keygen -t ed25519) and add "
      "its .pub to the node's authorized_keys"));
}

TEST_CASE("ssh: password authentication, the password never shown", "[sshd][ssh]") {
  if (!brigade::test::can_run_sshd() ||
      brigade::test::run_shell("command -v useradd chpasswd userdel >/dev/null").status != 0) {
    BRIGADE_SKIP("needs root and useradd to create a throw-away user");
  }
  // A throw-away account with a password; removed at the end whatever happens.
  const std::string user = "brigadepw" + std::to_string(::getpid());
  brigade::test::run_shell_ok("useradd -M -s /bin/sh " + user + " && echo '" + user +
                              ":c0rrect horse' | chpasswd");
  struct RemoveUser {
    std::string name;
    ~RemoveUser() { brigade::test::run_shell("userdel " + name + " 2>/dev/null"); }
  } remove_user{user};

  Sshd::Options options;
  options.extra_config = "PasswordAuthentication yes\nAllowUsers root " + user + "\n";
  Sshd sshd(options);
  auto config = config_for(sshd);
  config.user = user;
  config.identity_files = {};
  config.password = "c0rrect horse";
  auto run = run_command(config, {"id -un"});
  CHECK(run.result.exit_status == 0);
  CHECK(run.sink.out == std::vector<std::string>{user});

  config.password = "wrong horse";
  auto failure = failure_of(config);
  CHECK(failure.starts_with("auth: authentication failed for " + user + "@127.0.0.1 port " +
                            std::to_string(sshd.port()) + ": tried password (refused)"));
  CHECK(failure.find("horse") == std::string::npos);
}

TEST_CASE("ssh: out of file descriptors at authentication is said as such", "[sshd][ssh][fds]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto config = config_for(sshd);
  // In a child: known_hosts read first (as a run does), then every descriptor but one taken,
  // so that the connection gets the last one and the identity file cannot be opened.
  CHECK(brigade::test::result_in_child([&] {
          static Libssh2Library library;
          HostKeyStore host_keys;
          host_keys.preload({config});
          Credentials none;
          std::string message;
          brigade::test::run_async([&]() -> asio::awaitable<int> {
            {  // the event loop's own descriptors (epoll, eventfd, timerfd) come with a socket
              asio::ip::tcp::socket warm_up(co_await asio::this_coro::executor);
              warm_up.open(asio::ip::tcp::v4());
            }
            rlimit limit{256, 256};
            ::setrlimit(RLIMIT_NOFILE, &limit);
            int last = -1;
            for (int fd; (fd = ::dup(0)) >= 0;) {
              last = fd;
            }
            ::close(last);
            try {
              co_await Session::connect(config, SessionContext{&host_keys, &none});
            } catch (const SshError& e) {
              message = e.what();
            }
            co_return 0;
          }());
          return message == "cannot read the identity file " + sshd.client_key() +
                                ": Too many open files (raise ulimit -n, or lower --parallel)"
                     ? 0
                     : 1;
        }) == 0);
}
