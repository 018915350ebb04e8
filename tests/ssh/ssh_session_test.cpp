#include "support/async.hpp"
#include "support/process.hpp"
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
using brigade::test::run_async;
using brigade::test::Sshd;

namespace {

struct CollectingSink : OutputSink {
  std::vector<std::string> out;
  std::vector<std::string> err;
  void on_line(OutputStream stream, std::string_view line) override {
    (stream == OutputStream::out ? out : err).emplace_back(line);
  }
};

// Settings for `host` from the fixture's ssh_config (and nothing from this machine's).
HostConfig config_for(const Sshd& sshd, const std::string& host = "n1.fleet.test",
                      const std::string& extra_config = "") {
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

struct Run {
  ExecResult result;
  CollectingSink sink;
};

// Connects, runs `request`, says goodbye; `credentials` defaults to none (no agent, no
// passphrases).
Run run_command(HostConfig config, ExecRequest request, Credentials* credentials = nullptr) {
  static Libssh2Library library;
  HostKeyStore host_keys;
  Credentials none;
  Run run;
  run.result = run_async([&]() -> asio::awaitable<ExecResult> {
    auto session = co_await Session::connect(
        config, SessionContext{&host_keys, credentials != nullptr ? credentials : &none});
    auto result = co_await session->exec(request, run.sink);
    co_await session->close();
    co_return result;
  }());
  return run;
}

std::string failure_of(HostConfig config, ExecRequest request = {"true"},
                       Credentials* credentials = nullptr) {
  try {
    run_command(std::move(config), std::move(request), credentials);
  } catch (const SshError& e) {
    return std::string(failure_kind_name(e.kind())) + ": " + e.what();
  }
  FAIL("expected an SshError");
  return {};
}

}  // namespace

TEST_CASE("ssh: a command's output, stderr and exit status", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto run = run_command(config_for(sshd), {"echo hello; echo 'two words'; echo oops >&2; "
                                            "printf 'no newline'; exit 3"});
  CHECK(run.result.exit_status == 3);
  CHECK(run.result.exit_signal.empty());
  CHECK(run.sink.out == std::vector<std::string>{"hello", "two words", "no newline"});
  CHECK(run.sink.err == std::vector<std::string>{"oops"});
}

TEST_CASE("ssh: a command killed by a signal reports the signal", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto term = run_command(config_for(sshd), {"kill -TERM $$"});
  CHECK(term.result.exit_signal == "TERM");
  CHECK(term.result.exit_status == -1);
  auto kill = run_command(config_for(sshd), {"sleep 0.1; kill -KILL $$"});
  CHECK(kill.result.exit_signal == "KILL");
  auto zero = run_command(config_for(sshd), {"true"});
  CHECK(zero.result.exit_status == 0);
  // An exit status that looks like a signal's (130 = 128 + INT, 141 = 128 + PIPE) stays one,
  // and a real INT stays a signal.
  for (int status : {129, 130, 141, 143, 159}) {
    INFO(status);
    auto exited = run_command(config_for(sshd), {"exit " + std::to_string(status)});
    CHECK(exited.result.exit_status == status);
    CHECK(exited.result.exit_signal.empty());
  }
  auto interrupted = run_command(config_for(sshd), {"kill -INT $$; sleep 1"});
  CHECK(interrupted.result.exit_signal == "INT");
}

TEST_CASE("ssh: 50 MB of output arrive complete and in order", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  // 7,000,000 lines, 54 MB; stderr interleaved every 100,000 lines.
  auto run =
      run_command(config_for(sshd),
                  {"seq 1 7000000 | awk '{print} NR % 100000 == 0 {print NR > \"/dev/stderr\"}'"});
  CHECK(run.result.exit_status == 0);
  REQUIRE(run.sink.out.size() == 7000000);
  bool in_order = true;
  for (std::size_t i = 0; i < run.sink.out.size() && in_order; ++i) {
    in_order = run.sink.out[i] == std::to_string(i + 1);
  }
  CHECK(in_order);
  CHECK(run.sink.err.size() == 70);
  CHECK(run.sink.err.back() == "7000000");
}

TEST_CASE("ssh: 50 MB streamed to stdin arrive intact", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto data = std::make_shared<std::string>();
  data->reserve(50 << 20);
  std::uint32_t x = 12345;
  while (data->size() < (50u << 20)) {
    x = x * 1664525u + 1013904223u;  // deterministic, incompressible enough
    data->push_back(static_cast<char>(x >> 24));
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data->data()), data->size(), digest);
  char hex[2 * SHA256_DIGEST_LENGTH + 1];
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  }
  ExecRequest request{"sha256sum | cut -d' ' -f1; wc -c", false, data};
  auto run = run_command(config_for(sshd), request);
  CHECK(run.result.exit_status == 0);
  REQUIRE(run.sink.out.size() == 2);
  CHECK(run.sink.out[0] == hex);
  CHECK(run.sink.out[1] == "0");  // sha256sum consumed everything
}

TEST_CASE("ssh: stdin on request goes only when asked for, and stdin stays open", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto data = std::make_shared<const std::string>("0123456789");
  auto more = std::make_shared<const std::string>("abc");
  const std::vector<StdinOffer> offers = {{"send it", {data}}, {"send both", {data, more}}};
  // Asked: the line is not passed on, exactly the data arrives, and stdin is still open after
  // it (a read past it would wait: `timeout` ends it).
  ExecRequest asked{"echo 'send it'; head -c 10; echo; timeout 1 cat; echo \"after $?\"", false,
                    nullptr, offers};
  auto run = run_command(config_for(sshd), asked);
  CHECK(run.result.exit_status == 0);
  CHECK(run.sink.out == std::vector<std::string>{"0123456789", "after 124"});
  // The other offer: its parts in order; a second ask line is only output.
  ExecRequest both{
      "echo 'send both'; head -c 13; echo; echo 'send it'; timeout 1 cat; "
      "echo \"after $?\"",
      false, nullptr, offers};
  auto second = run_command(config_for(sshd), both);
  CHECK(second.sink.out == std::vector<std::string>{"0123456789abc", "send it", "after 124"});
  // Not asked: nothing is sent (cat would have printed it before its timeout).
  ExecRequest unasked{"timeout 1 cat; echo \"after $?\"", false, nullptr, offers};
  auto quiet = run_command(config_for(sshd), unasked);
  CHECK(quiet.sink.out == std::vector<std::string>{"after 124"});
}

TEST_CASE("ssh: connection refused", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto config = config_for(sshd);
  sshd.stop();
  CHECK(failure_of(config) == "unreachable: connect to 127.0.0.1 port " +
                                  std::to_string(config.port) + ": Connection refused");
}

TEST_CASE("ssh: a listener that never sends a banner fails at ConnectTimeout", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;  // for its keys and config; the silent listener takes the connection
  asio::io_context listener_context;
  asio::ip::tcp::acceptor silent(listener_context, {asio::ip::make_address("127.0.0.1"), 0});
  auto config = config_for(sshd);
  config.port = silent.local_endpoint().port();
  config.connect_timeout = std::chrono::seconds(1);
  auto started = std::chrono::steady_clock::now();
  CHECK(failure_of(config) == "timeout: SSH handshake with 127.0.0.1 port " +
                                  std::to_string(config.port) +
                                  " timed out after 1 s (ConnectTimeout)");
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(elapsed < std::chrono::seconds(5));  // a bound on a hang, not a speed assertion
}

TEST_CASE("ssh: a changed host key is refused with the old key's place", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  brigade::test::run_shell_ok("ssh-keygen -q -t ed25519 -N '' -f " + sshd.path("other_key"));
  std::string other = brigade::test::run_shell_ok("cut -d' ' -f1,2 " + sshd.path("other_key.pub"));
  other.pop_back();
  std::ofstream(sshd.known_hosts_file())
      << "# first line\n[127.0.0.1]:" << sshd.port() << " " << other << "\n";
  auto config = config_for(sshd);
  std::string presented = brigade::test::run_shell_ok(
      "ssh-keygen -l -E sha256 -f " + sshd.path("host_key.pub") + " | cut -d' ' -f2");
  presented.pop_back();
  std::string name = "[127.0.0.1]:" + std::to_string(sshd.port());
  std::string other_fingerprint = brigade::test::run_shell_ok(
      "ssh-keygen -l -E sha256 -f " + sshd.path("other_key.pub") + " | cut -d' ' -f2");
  other_fingerprint = "ssh-ed25519 " + other_fingerprint.substr(0, other_fingerprint.size() - 1);
  CHECK(failure_of(config) ==
        "host key: host key for " + name + " has changed (now ssh-ed25519 " + presented +
            "); the known key is " + other_fingerprint + " at " + sshd.known_hosts_file() +
            ":2. Refusing to connect: this could be an attack, or the host was reinstalled. If "
            "the change is expected, remove the old key: ssh-keygen -R '" +
            name + "' -f " + sshd.known_hosts_file());
}

TEST_CASE("ssh: known_hosts entries by alias, hashed, and a revoked key", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  const std::string key = sshd.host_public_key();
  SECTION("HostKeyAlias") {
    std::ofstream(sshd.known_hosts_file()) << "fleet-sshd " << key << "\n";
    auto run = run_command(config_for(sshd, "n1.fleet.test", "Host *\n  HostKeyAlias fleet-sshd"),
                           {"echo ok"});
    CHECK(run.sink.out == std::vector<std::string>{"ok"});
  }
  SECTION("hashed [host]:port entry") {
    brigade::test::run_shell_ok("ssh-keygen -q -H -f " + sshd.known_hosts_file() + " 2>/dev/null");
    REQUIRE(brigade::test::run_shell_ok("cat " + sshd.known_hosts_file()).starts_with("|1|"));
    auto run = run_command(config_for(sshd), {"echo ok"});
    CHECK(run.sink.out == std::vector<std::string>{"ok"});
  }
  SECTION("@revoked") {
    std::ofstream(sshd.known_hosts_file(), std::ios::app) << "@revoked * " << key << "\n";
    auto failure = failure_of(config_for(sshd));
    CHECK(failure.starts_with("host key: host key for [127.0.0.1]:" + std::to_string(sshd.port()) +
                              " is revoked (ssh-ed25519 SHA256:"));
    CHECK(
        failure.ends_with("; @revoked at " + sshd.known_hosts_file() + ":2); refusing to connect"));
  }
  SECTION("unknown host under StrictHostKeyChecking yes") {
    std::ofstream(sshd.known_hosts_file()) << "";
    auto failure = failure_of(config_for(sshd));
    CHECK(failure.starts_with("host key: no host key known for [127.0.0.1]:" +
                              std::to_string(sshd.port()) + " (ssh-ed25519 SHA256:"));
    CHECK(failure.find("StrictHostKeyChecking is yes") != std::string::npos);
  }
}

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

TEST_CASE("ssh: a host with only an RSA host key fails with the reason", "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd::Options options;
  options.host_key_type = "rsa";
  Sshd sshd(options);
  auto failure = failure_of(config_for(sshd));
  CHECK(failure.starts_with("handshake: SSH handshake with 127.0.0.1 port " +
                            std::to_string(sshd.port()) + " failed: "));
  CHECK(failure.find("If the host has only an RSA host key: libssh2 1.10 verifies RSA host keys "
                     "only with ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse") !=
        std::string::npos);
}

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

TEST_CASE("ssh: a peer that stops answering is dropped after ServerAliveCountMax keepalives",
          "[sshd][ssh]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  auto config = config_for(sshd);
  config.server_alive_interval = 1;
  config.server_alive_count_max = 2;
  // The command freezes the sshd processes of its own connection (its ancestors named
  // "sshd: …", not the listener) after printing: from then on nothing answers on the
  // connection, like a dead host.
  ExecRequest request{
      "echo frozen; p=$$; s=; while [ \"$p\" -gt 1 ]; do "
      "case \"$(ps -o args= -p $p)\" in 'sshd: '*) s=\"$s $p\";; esac; "
      "p=$(ps -o ppid= -p $p | tr -d ' '); done; kill -STOP $s 2>/dev/null; sleep 30"};
  auto started = std::chrono::steady_clock::now();
  auto failure = failure_of(config, request);
  auto elapsed = std::chrono::steady_clock::now() - started;
  brigade::test::run_shell("pkill -CONT -f 'sshd: root' ; true");
  CHECK(failure == "timeout: 127.0.0.1 port " + std::to_string(sshd.port()) +
                       " is not responding: 2 keepalives unanswered (ServerAliveInterval 1, "
                       "ServerAliveCountMax 2)");
  CHECK(elapsed < std::chrono::seconds(20));  // a bound on a hang, not a speed assertion
}

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
