// Brigade and OpenSSH's ssh, side by side on the same sshd, the same ssh_config and the same
// known_hosts content: the same accept/refuse decision (or Brigade the stricter, where the
// README says so) and, under accept-new, byte-identical files afterwards.
#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/keys.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

using brigade::test::run_shell;
using brigade::test::run_shell_ok;
using brigade::test::Sshd;
using brigade::test::TempDir;

namespace {

void write_exactly(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

struct Case {
  std::string name{};
  std::string strict = "yes";  // StrictHostKeyChecking
  std::string known_hosts{};   // content of the first UserKnownHostsFile
  std::string second_file{};   // content of a second one ("" = none)
  std::string extra_config{};  // more lines in the Host block
  bool missing_file = false;   // the first file does not exist at the start
  bool ssh_accepts = true;
  bool brigade_accepts = true;  // differs from ssh_accepts only where Brigade is stricter
  // OpenSSH 9.2 appends right after a last line without a newline, joining the two lines into
  // one that neither key survives; Brigade starts a new line.
  bool newline_kept = false;
  std::string brigade_says{};  // a line Brigade's output must hold
};

struct Outcome {
  bool accepted;
  std::string first_file;
  std::string second_file;
  std::string output;
};

class Parity {
 public:
  Parity() { brigade::test::make_fleet_kitchen(kitchen_, sshd_, 1, "true"); }

  const Sshd& sshd() const { return sshd_; }

  std::string host_line(const std::string& key) const {
    return fmt::format("[127.0.0.1]:{} {}", sshd_.port(), key);
  }

  // A key of `type` that the server does not have, "type base64".
  std::string stranger_key(const std::string& type) {
    return brigade::test::generate_key(dir_, "stranger_" + std::to_string(++keys_), type)
        .public_line;
  }

  Outcome run(const Case& c, bool with_ssh) {
    const std::string first = dir_.str() + "/kh1";
    const std::string second = dir_.str() + "/kh2";
    std::remove(first.c_str());
    if (!c.missing_file) {
      write_exactly(first, c.known_hosts);
    }
    write_exactly(second, c.second_file);
    const std::string config = dir_.str() + "/ssh_config";
    write_exactly(config, fmt::format("Host *.fleet.test\n"
                                      "{}"
                                      "  HostName 127.0.0.1\n"
                                      "  Port {}\n"
                                      "  User root\n"
                                      "  IdentityFile {}\n"
                                      "  IdentitiesOnly yes\n"
                                      "  UserKnownHostsFile {}{}\n"
                                      "  GlobalKnownHostsFile /dev/null\n"
                                      "  StrictHostKeyChecking {}\n"
                                      "  HashKnownHosts no\n"
                                      "  UpdateHostKeys no\n"
                                      "  BatchMode yes\n",
                                      c.extra_config, sshd_.port(), sshd_.client_key(), first,
                                      c.second_file.empty() ? "" : " " + second, c.strict));
    Outcome outcome;
    if (with_ssh) {
      auto ssh = run_shell("env -u SSH_AUTH_SOCK timeout 30 ssh -F " + config +
                           " n01.fleet.test true 2>&1");
      outcome.accepted = ssh.status == 0;
      outcome.output = ssh.output;
    } else {
      kitchen_.write("littlechef.cfg", fmt::format("[userinfo]\nssh-config = {}\n", config));
      auto run = brigade::test::run_brigade(
          {"exec", "-k", kitchen_.str(), "node:n01.fleet.test", "--", "true"});
      outcome.accepted = run.status == 0;
      outcome.output = run.out + run.err;
    }
    outcome.first_file = brigade::test::file_text(first);
    outcome.second_file = brigade::test::file_text(second);
    return outcome;
  }

 private:
  Sshd sshd_;
  TempDir kitchen_;
  TempDir dir_;
  int keys_ = 0;
};

void check_case(Parity& parity, const Case& c) {
  INFO("case: " << c.name << " (StrictHostKeyChecking " << c.strict << ")");
  Outcome ssh = parity.run(c, true);
  Outcome brigade = parity.run(c, false);
  INFO("ssh said: " << ssh.output);
  INFO("brigade said: " << brigade.output);
  CHECK(ssh.accepted == c.ssh_accepts);
  CHECK(brigade.accepted == c.brigade_accepts);
  if (!c.brigade_says.empty()) {
    const auto at = brigade.output.find(c.brigade_says);
    CHECK(at != std::string::npos);
    CHECK(brigade.output.rfind("brigade: warning: ", at) != std::string::npos);
  }
  // The rule the whole table is about.
  CHECK_FALSE((brigade.accepted && !ssh.accepted));
  if (c.newline_kept) {
    REQUIRE(ssh.first_file.starts_with(c.known_hosts));
    CHECK(brigade.first_file == c.known_hosts + "\n" + ssh.first_file.substr(c.known_hosts.size()));
  } else if (ssh.accepted == brigade.accepted) {
    CHECK(brigade.first_file == ssh.first_file);
    CHECK(brigade.second_file == ssh.second_file);
  } else {
    CHECK(brigade.first_file == (c.missing_file ? "" : c.known_hosts));  // refused: untouched
  }
}

}  // namespace

TEST_CASE("host-key parity with ssh: the forms of known_hosts entries", "[sshd][parity]") {
  BRIGADE_REQUIRE_SSHD();
  Parity parity;
  const std::string key = parity.sshd().host_public_key();
  const std::string port = std::to_string(parity.sshd().port());
  const std::string line = parity.host_line(key) + "\n";
  const std::string ecdsa = parity.stranger_key("ecdsa");
  const std::string other = parity.stranger_key("ed25519");

  const std::vector<Case> cases = {
      {.name = "plain [host]:port", .known_hosts = line},
      {.name = "empty file, yes",
       .known_hosts = "",
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "empty file, accept-new", .strict = "accept-new", .known_hosts = ""},
      {.name = "missing file, accept-new", .strict = "accept-new", .missing_file = true},
      {.name = "missing file, yes",
       .missing_file = true,
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "wildcard", .known_hosts = "[127.0.0.*]:" + port + " " + key + "\n"},
      {.name = "negated, yes",
       .known_hosts = "[127.0.0.*]:" + port + ",![127.0.0.1]:" + port + " " + key + "\n",
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "negated, accept-new",
       .strict = "accept-new",
       .known_hosts = "[127.0.0.*]:" + port + ",![127.0.0.1]:" + port + " " + key + "\n"},
      {.name = "comma list",
       .known_hosts = "web01,[127.0.0.1]:" + port + ",10.0.0.1 " + key + "\n"},
      {.name = "HostKeyAlias",
       .known_hosts = "fleet-sshd " + key + "\n",
       .extra_config = "  HostKeyAlias Fleet-SSHD\n"},
      {.name = "HostKeyAlias, accept-new",
       .strict = "accept-new",
       .known_hosts = line,
       .extra_config = "  HostKeyAlias Fleet-SSHD\n"},
      {.name = "@revoked, yes",
       .known_hosts = line + "@revoked * " + key + "\n",
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "@revoked, accept-new",
       .strict = "accept-new",
       .known_hosts = "@revoked * " + key + "\n",
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "CRLF", .known_hosts = "# edited elsewhere\r\n" + parity.host_line(key) + "\r\n"},
      {.name = "CRLF @revoked, accept-new",
       .strict = "accept-new",
       .known_hosts = "@revoked * " + key + "\r\n",
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "another key type only, accept-new",
       .strict = "accept-new",
       .known_hosts = parity.host_line(ecdsa) + "\n",
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "another key type only, yes",
       .known_hosts = parity.host_line(ecdsa) + "\n",
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "another key type under a wildcard, accept-new",
       .strict = "accept-new",
       .known_hosts = "[127.0.0.*]:" + port + " " + ecdsa + "\n",
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "another key type under the HostKeyAlias, accept-new",
       .strict = "accept-new",
       .known_hosts = "fleet-sshd " + ecdsa + "\n",
       .extra_config = "  HostKeyAlias fleet-sshd\n",
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "changed key, accept-new",
       .strict = "accept-new",
       .known_hosts = parity.host_line(other) + "\n",
       .ssh_accepts = false,
       .brigade_accepts = false},
      {.name = "two files, the key in the second", .known_hosts = "", .second_file = line},
      {.name = "two files, new key goes to the first",
       .strict = "accept-new",
       .known_hosts = "",
       .second_file = "web01 " + other + "\n"},
      {.name = "last line without a newline",
       .strict = "accept-new",
       .known_hosts = "web01 " + other,
       .newline_kept = true},
      {.name = "bare name without the port", .known_hosts = "127.0.0.1 " + key + "\n"},
      {.name = "bare name with another key, accept-new",
       .strict = "accept-new",
       .known_hosts = "127.0.0.1 " + other + "\n"},
      // Brigade stricter, as the README says:
      {.name = "StrictHostKeyChecking no with a changed key",
       .strict = "no",
       .known_hosts = parity.host_line(other) + "\n",
       .ssh_accepts = true,
       .brigade_accepts = false},
      {.name = "an unreadable line for the host, accept-new",
       .strict = "accept-new",
       .known_hosts = "[127.0.0.1]:" + port + " ssh-ed25519 AAAA!!broken\n",
       .ssh_accepts = true,
       .brigade_accepts = false,
       .brigade_says = "/kh1:1: cannot read this known_hosts line: the key is not valid base64; "
                       "skipped (hosts it names are not treated as new)\n"},
      {.name = "@cert-authority only, accept-new",
       .strict = "accept-new",
       .known_hosts = "@cert-authority * " + other + "\n",
       .ssh_accepts = true,
       .brigade_accepts = false},
  };
  for (const auto& c : cases) {
    check_case(parity, c);
  }
}

TEST_CASE("host-key parity with ssh: hashed entries, read and written", "[sshd][parity]") {
  BRIGADE_REQUIRE_SSHD();
  Parity parity;
  const std::string key = parity.sshd().host_public_key();
  const std::string hashed_file = parity.sshd().path("hashed");
  write_exactly(hashed_file, parity.host_line(key) + "\n");
  run_shell_ok("ssh-keygen -q -H -f " + hashed_file + " 2>/dev/null");
  const std::string hashed = brigade::test::file_text(hashed_file);
  REQUIRE(hashed.starts_with("|1|"));
  check_case(parity, {.name = "hashed", .known_hosts = hashed});
  write_exactly(hashed_file, parity.host_line(parity.stranger_key("ecdsa")) + "\n");
  run_shell_ok("ssh-keygen -q -H -f " + hashed_file + " 2>/dev/null");
  check_case(parity, {.name = "hashed, another key type only",
                      .strict = "accept-new",
                      .known_hosts = brigade::test::file_text(hashed_file),
                      .ssh_accepts = false,
                      .brigade_accepts = false});
  check_case(parity, {.name = "hashed @revoked",
                      .known_hosts = hashed + "@revoked * " + key + "\n",
                      .ssh_accepts = false,
                      .brigade_accepts = false});

  // Written hashed under accept-new: the salts differ, so compare the shape and ask ssh-keygen
  // whether each file now holds the host.
  Case c{.name = "write hashed",
         .strict = "accept-new",
         .known_hosts = "",
         .extra_config = "  HashKnownHosts yes\n"};
  Outcome ssh = parity.run(c, true);
  const std::string probe = parity.sshd().path("probe");
  write_exactly(probe, ssh.first_file);
  const std::string name = "[127.0.0.1]:" + std::to_string(parity.sshd().port());
  CHECK(run_shell("ssh-keygen -F '" + name + "' -f " + probe).status == 0);
  Outcome brigade = parity.run(c, false);
  INFO("brigade said: " << brigade.output);
  CHECK(brigade.accepted);
  write_exactly(probe, brigade.first_file);
  CHECK(run_shell("ssh-keygen -F '" + name + "' -f " + probe).status == 0);
  CHECK(brigade.first_file.starts_with("|1|"));
  CHECK(brigade.first_file.size() == ssh.first_file.size());
  CHECK(std::count(brigade.first_file.begin(), brigade.first_file.end(), '\n') == 1);
}
