#include "support/keys.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/ssh/known_hosts.hpp>

#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace brigade::ssh;
using brigade::test::generate_key;
using brigade::test::run_shell_ok;
using brigade::test::TempDir;

namespace {}  // namespace

TEST_CASE("known_hosts: base64 round trip and SHA256 fingerprints as ssh-keygen prints them",
          "[known_hosts]") {
  CHECK(base64_encode("hello") == "aGVsbG8=");
  CHECK(base64_decode("aGVsbG8=") == "hello");
  CHECK(base64_decode("aGVsbG8") == "hello");
  CHECK(base64_decode("a") == std::nullopt);
  TempDir dir;
  auto key = generate_key(dir, "k");
  std::string listed = run_shell_ok("ssh-keygen -l -E sha256 -f " + dir.str() + "/k.pub");
  CHECK(listed.find(fingerprint_sha256(key.key.blob) + " ") != std::string::npos);
}

TEST_CASE("known_hosts: lookup names, [host]:port for other ports, alias wins", "[known_hosts]") {
  CHECK(known_hosts_name("Web01", 22, std::nullopt) == "web01");
  CHECK(known_hosts_name("127.0.0.1", 2222, std::nullopt) == "[127.0.0.1]:2222");
  CHECK(known_hosts_name("127.0.0.1", 2222, std::string("fleet-sshd")) == "fleet-sshd");
}

TEST_CASE("known_hosts: plain, comma lists, wildcards and [host]:port entries match",
          "[known_hosts]") {
  TempDir dir;
  auto key = generate_key(dir, "k");
  KnownHosts known;
  known.add_text("kh",
                 "# comment\n"
                 "\n"
                 "web01,10.0.0.1 " +
                     key.public_line +
                     "\n"
                     "[127.0.0.1]:2222 " +
                     key.public_line +
                     "\n"
                     "*.fleet.test,!bad.fleet.test " +
                     key.public_line + "\n");
  CHECK(known.check("web01", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("10.0.0.1", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("[127.0.0.1]:2222", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("n1.fleet.test", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("bad.fleet.test", key.key).status == HostKeyCheck::Status::not_found);
  CHECK(known.check("web02", key.key).status == HostKeyCheck::Status::not_found);
}

TEST_CASE("known_hosts: a plain entry does not cover another port (no fallback)", "[known_hosts]") {
  TempDir dir;
  auto key = generate_key(dir, "k");
  auto other = generate_key(dir, "other");
  KnownHosts known;
  known.add_text("kh", "127.0.0.1 " + other.public_line + "\n");
  CHECK(known.check("[127.0.0.1]:2222", key.key).status == HostKeyCheck::Status::not_found);
}

TEST_CASE("known_hosts: hashed entries made by ssh-keygen -H match", "[known_hosts]") {
  TempDir dir;
  auto key = generate_key(dir, "k");
  std::string file = dir.str() + "/known_hosts";
  std::ofstream(file) << "web01 " << key.public_line << "\n[127.0.0.1]:2222 " << key.public_line
                      << "\n";
  run_shell_ok("ssh-keygen -q -H -f " + file + " 2>/dev/null");
  REQUIRE(brigade::test::file_text(file).starts_with("|1|"));
  auto known = KnownHosts::load({dir.str() + "/missing", file}).value();
  CHECK(known.size() == 2);
  CHECK(known.check("web01", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("[127.0.0.1]:2222", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("web02", key.key).status == HostKeyCheck::Status::not_found);
}

TEST_CASE("known_hosts: a changed key names the old key's file and line", "[known_hosts]") {
  TempDir dir;
  auto old_key = generate_key(dir, "old");
  auto new_key = generate_key(dir, "new");
  auto ecdsa = generate_key(dir, "ecdsa", "ecdsa");
  KnownHosts known;
  known.add_text("/root/.ssh/known_hosts",
                 "other " + new_key.public_line + "\n" + "web01 " + old_key.public_line + "\n");
  auto check = known.check("web01", new_key.key);
  CHECK(check.status == HostKeyCheck::Status::changed);
  REQUIRE(check.entry.has_value());
  CHECK(check.entry->file == "/root/.ssh/known_hosts");
  CHECK(check.entry->line == 2);
  CHECK(check.entry->key.blob == old_key.key.blob);
  // A key of another type is a change too, as for OpenSSH: the server showed none on record.
  auto other_type = known.check("web01", ecdsa.key);
  CHECK(other_type.status == HostKeyCheck::Status::changed);
  CHECK(other_type.entry->line == 2);
  CHECK(known.known_key_types("web01") == std::vector<std::string>{"ssh-ed25519"});
}

TEST_CASE("known_hosts: @revoked keys are refused even when also listed as good", "[known_hosts]") {
  TempDir dir;
  auto key = generate_key(dir, "k");
  KnownHosts known;
  known.add_text("kh", "web01 " + key.public_line + "\n@revoked * " + key.public_line + "\n" +
                           "@cert-authority *.example.com " + key.public_line + "\n");
  auto check = known.check("web01", key.key);
  CHECK(check.status == HostKeyCheck::Status::revoked);
  REQUIRE(check.entry.has_value());
  CHECK(check.entry->line == 2);
  CHECK(known.check("host.example.com", key.key).status == HostKeyCheck::Status::revoked);
}

TEST_CASE("known_hosts: lines we write are read back, hashed or not", "[known_hosts]") {
  TempDir dir;
  auto key = generate_key(dir, "k");
  std::string file = dir.str() + "/sub/known_hosts";
  REQUIRE(append_known_hosts_line(file, known_hosts_line("[h]:2222", key.key, false)).ok());
  REQUIRE(append_known_hosts_line(file, known_hosts_line("hashed", key.key, true)).ok());
  auto text = brigade::test::file_text(file);
  CHECK(text.starts_with("[h]:2222 ssh-ed25519 "));
  auto known = KnownHosts::load({file}).value();
  CHECK(known.check("[h]:2222", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("hashed", key.key).status == HostKeyCheck::Status::match);
  // ssh-keygen agrees: it finds the hashed host.
  CHECK(run_shell_ok("ssh-keygen -F hashed -f " + file).find("ssh-ed25519") != std::string::npos);
}

TEST_CASE("known_hosts: appending after a file without a final newline keeps lines apart",
          "[known_hosts]") {
  TempDir dir;
  auto key = generate_key(dir, "k");
  std::string file = dir.str() + "/known_hosts";
  std::ofstream(file) << "a " << key.public_line;  // no newline
  REQUIRE(append_known_hosts_line(file, known_hosts_line("b", key.key, false)).ok());
  auto known = KnownHosts::load({file}).value();
  CHECK(known.check("a", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("b", key.key).status == HostKeyCheck::Status::match);
}

TEST_CASE("known_hosts: CRLF line endings mean what they mean with LF", "[known_hosts]") {
  TempDir dir;
  auto key = generate_key(dir, "k");
  auto attacker = generate_key(dir, "attacker");
  KnownHosts known;
  known.add_text("kh", "# written on Windows\r\nweb01 " + key.public_line + "\r\n\r\n@revoked * " +
                           attacker.public_line + " comment\r\n");
  CHECK(known.warnings().empty());
  CHECK(known.check("web01", key.key).status == HostKeyCheck::Status::match);
  auto revoked = known.check("web01", attacker.key);
  CHECK(revoked.status == HostKeyCheck::Status::revoked);
  CHECK(revoked.entry->line == 4);
  // Not a new host: the attacker's key on an unknown name is still revoked.
  CHECK(known.check("db01", attacker.key).status == HostKeyCheck::Status::revoked);
}

TEST_CASE("known_hosts: unreadable lines are skipped with a warning, never making a host new",
          "[known_hosts]") {
  TempDir dir;
  auto key = generate_key(dir, "k");
  const std::string base64 = key.public_line.substr(key.public_line.find(' ') + 1);
  KnownHosts known;
  known.add_text("/etc/kh",
                 "web01 ssh-ed25519 not*base64\n"
                 "web02 ssh-ed25519\n"
                 "web03\n"
                 "web04 ssh-frobnicate " +
                     base64 +
                     "\n"
                     "web05 ecdsa-sha2-nistp256 " +
                     base64 +
                     "\n"
                     "@foo web06 " +
                     key.public_line +
                     "\n"
                     "|1|bad ssh-ed25519 " +
                     base64 +
                     "\n"
                     // Valid base64, but a 5-byte hash: no HMAC-SHA1 is ever that.
                     "|1|c2FsdA==|c2hvcnQ= ssh-ed25519 " +
                     base64 +
                     "\n"
                     "web07 " +
                     key.public_line);  // no final newline: still read
  std::vector<std::string> rendered;
  for (const auto& warning : known.warnings()) {
    rendered.push_back(warning.render());
  }
  const std::string tail = "; skipped (hosts it names are not treated as new)";
  CHECK(rendered ==
        std::vector<std::string>{
            "/etc/kh:1: cannot read this known_hosts line: the key is not valid base64" + tail,
            "/etc/kh:2: cannot read this known_hosts line: no key after the key type" + tail,
            "/etc/kh:3: cannot read this known_hosts line: no key type and key after the "
            "host names" +
                tail,
            "/etc/kh:4: cannot read this known_hosts line: unknown key type "
            "'ssh-frobnicate'" +
                tail,
            "/etc/kh:5: cannot read this known_hosts line: the key is not a "
            "ecdsa-sha2-nistp256 key (it says ssh-ed25519)" +
                tail,
            "/etc/kh:6: cannot read this known_hosts line: unknown marker '@foo'" + tail,
            "/etc/kh:7: cannot read this known_hosts line: the hashed host name is not "
            "|1|salt|hash with a SHA-1 hash" +
                tail,
            "/etc/kh:8: cannot read this known_hosts line: the hashed host name is not "
            "|1|salt|hash with a SHA-1 hash" +
                tail,
        });
  for (const char* name : {"web01", "web02", "web03", "web04", "web05", "web06"}) {
    INFO(name);
    auto check = known.check(name, key.key);
    CHECK(check.status == HostKeyCheck::Status::not_found);
    REQUIRE(check.unreadable.has_value());
    CHECK(check.unreadable->patterns == name);
  }
  CHECK(known.check("web07", key.key).status == HostKeyCheck::Status::match);
  CHECK_FALSE(known.check("web08", key.key).unreadable.has_value());
}

TEST_CASE("known_hosts: @cert-authority lines are reported for a host with no key of its own",
          "[known_hosts]") {
  TempDir dir;
  auto ca = generate_key(dir, "ca");
  auto key = generate_key(dir, "k");
  KnownHosts known;
  known.add_text("kh", "@cert-authority *.example.com " + ca.public_line + "\n");
  auto check = known.check("web.example.com", key.key);
  CHECK(check.status == HostKeyCheck::Status::not_found);
  REQUIRE(check.certificate_authority.has_value());
  CHECK(check.certificate_authority->place() == "kh:1");
  known.add_text("kh2", "web.example.com " + key.public_line + "\n");
  CHECK(known.check("web.example.com", key.key).status == HostKeyCheck::Status::match);
  // A CA key is not a host key: it never makes a change either.
  CHECK(known.known_key_types("web.example.com") == std::vector<std::string>{"ssh-ed25519"});
}

TEST_CASE("known_hosts: a file that exists but cannot be read is an error, a missing one is empty",
          "[known_hosts]") {
  TempDir dir;
  dir.write("sub/placeholder", "");
  auto unreadable = KnownHosts::load({dir.str() + "/missing", dir.str() + "/sub"});
  REQUIRE_FALSE(unreadable.ok());
  CHECK(unreadable.error().render() ==
        dir.str() + "/sub: cannot read known_hosts: it is a directory, not a regular file");
  auto missing = KnownHosts::load({dir.str() + "/missing", dir.str() + "/missing/below"});
  REQUIRE(missing.ok());
  CHECK(missing->size() == 0);
}

TEST_CASE("known_hosts: names are lowercased, and never recorded with ssh's forbidden characters",
          "[known_hosts]") {
  CHECK(known_hosts_name("Web01.Example.COM", 2222, std::nullopt) == "[web01.example.com]:2222");
  CHECK(unrecordable_host_name("a*b"));
  CHECK(unrecordable_host_name("a'b"));
  CHECK(unrecordable_host_name("a\\b"));
  CHECK_FALSE(unrecordable_host_name("web-01.example.com"));
}

TEST_CASE("known_hosts: out of file descriptors is an error, never an empty file",
          "[known_hosts]") {
  TempDir dir;
  auto key = generate_key(dir, "k");
  const std::string file = dir.write("known_hosts", "web01 " + key.public_line + "\n").string();
  // In a child: exhaust the descriptors, then load. 0 = the right error, 1 = loaded as if empty.
  CHECK(brigade::test::result_in_child([&] {
          rlimit limit{64, 64};
          ::setrlimit(RLIMIT_NOFILE, &limit);
          while (::dup(0) >= 0) {
          }
          auto known = KnownHosts::load({file});
          return !known.ok() &&
                         known.error().message == "cannot read known_hosts: Too many open files"
                     ? 0
                     : 1;
        }) == 0);
}

TEST_CASE("known_hosts: names looked up through the index find the lines ssh-keygen -F finds",
          "[known_hosts]") {
  // Plain, comma-listed, wildcard and negated lines, one hashed file (ssh-keygen -H) and one
  // plain, names with no line, one, two, and a wildcard's: each name's lines, resolved in bulk
  // or looked up one by one, are the lines OpenSSH's own lookup lists, in the same order.
  TempDir dir;
  auto k0 = generate_key(dir, "k0");
  auto k1 = generate_key(dir, "k1");
  auto unused = generate_key(dir, "unused");
  std::vector<std::string> names;
  std::ostringstream hashed;
  std::ostringstream plain;
  for (int i = 0; i < 40; ++i) {
    const std::string number = std::to_string(i);
    const std::string name = i % 3 == 0
                                 ? std::string("[n").append(number).append(".fleet.test]:2222")
                                 : std::string("n").append(number).append(".fleet.test");
    names.push_back(name);
    switch (i % 5) {
      case 0:
        break;  // no line
      case 1:
        hashed << name << " " << k0.public_line << "\n";
        break;
      case 2:  // two keys, one hashed and one plain in a comma list
        hashed << name << " " << k0.public_line << "\n";
        plain << "alias" << i << "," << name << " " << k1.public_line << "\n";
        break;
      case 3:
        plain << name << " " << k1.public_line << "\n";
        break;
      case 4:  // two hashed lines, written apart
        hashed << name << " " << k1.public_line << "\n";
        break;
    }
  }
  for (int i = 4; i < 40; i += 5) {
    hashed << names[static_cast<std::size_t>(i)] << " " << k0.public_line << "\n";
  }
  plain << "*.wild.test,!n1.wild.test " << k0.public_line << "\n";
  plain << "N7.FLEET.TEST " << k0.public_line << "\n";  // patterns match case-insensitively
  names.insert(names.end(), {"n0.wild.test", "n1.wild.test"});
  const std::string hashed_file = dir.str() + "/hashed";
  const std::string plain_file = dir.str() + "/plain";
  std::ofstream(hashed_file) << hashed.str();
  std::ofstream(plain_file) << plain.str();
  run_shell_ok("ssh-keygen -q -H -f " + hashed_file + " 2>/dev/null");

  auto bulk = KnownHosts::load({hashed_file, plain_file}).value();
  bulk.resolve(names);
  auto one_by_one = KnownHosts::load({hashed_file, plain_file}).value();
  for (const auto& name : names) {
    INFO(name);
    // ssh-keygen -F prints "# Host NAME found: line N" for each line naming the host.
    std::vector<std::string> expected;
    for (const auto& file : {hashed_file, plain_file}) {
      std::istringstream found(
          brigade::test::run_shell("ssh-keygen -F '" + name + "' -f " + file).output);
      for (std::string line; std::getline(found, line);) {
        if (auto at = line.find(" found: line "); at != std::string::npos) {
          const std::string number = line.substr(at + 13);
          expected.push_back(file + ":" + number.substr(0, number.find_first_not_of("0123456789")));
        }
      }
    }
    for (const KnownHosts* known : {&bulk, &one_by_one}) {
      std::vector<std::string> got;
      for (const KnownHostEntry* entry : known->entries_for(name)) {
        got.push_back(entry->place());
      }
      CHECK(got == expected);
      // The index decides as the scan did: a key on record matches, another is a changed key.
      const auto status = known->check(name, unused.key).status;
      CHECK(status ==
            (expected.empty() ? HostKeyCheck::Status::not_found : HostKeyCheck::Status::changed));
    }
  }
  CHECK(bulk.check("n1.fleet.test", k0.key).status == HostKeyCheck::Status::match);
  CHECK(bulk.check("n2.fleet.test", k1.key).status == HostKeyCheck::Status::match);
  CHECK(bulk.known_key_types("n4.fleet.test") == std::vector<std::string>{"ssh-ed25519"});
}

TEST_CASE(
    "known_hosts: read a piece at a time: a FIFO or a device is an error, /dev/null holds none",
    "[known_hosts]") {
  TempDir dir;
  auto key = generate_key(dir, "k");
  // Lines across the reader's 64 KiB pieces: the same keys and line numbers as in one piece.
  std::string text;
  int lines = 0;
  while (text.size() < 300000) {
    text += "host" + std::to_string(lines++) + " " + key.public_line + "\n";
  }
  text += "broken ssh-ed25519 not-base64!\n";
  const int broken_line = ++lines;
  text += "last " + key.public_line;  // no final newline
  const std::string file = dir.str() + "/known_hosts";
  std::ofstream(file) << text;
  auto known = KnownHosts::load({file});
  REQUIRE(known.ok());
  CHECK(known->check("host0", key.key).status == HostKeyCheck::Status::match);
  CHECK(known->check("host" + std::to_string(lines - 2), key.key).status ==
        HostKeyCheck::Status::match);
  CHECK(known->check("last", key.key).entry->line == broken_line + 1);
  auto broken = known->check("broken", key.key);
  REQUIRE(broken.unreadable);
  CHECK(broken.unreadable->line == broken_line);

  REQUIRE(::mkfifo((dir.str() + "/fifo").c_str(), 0600) == 0);
  auto fifo = KnownHosts::load({dir.str() + "/fifo"});
  REQUIRE_FALSE(fifo.ok());
  CHECK(fifo.error().message == "cannot read known_hosts: it is a FIFO, not a regular file");
  CHECK_FALSE(KnownHosts::load({"/dev/zero"}).ok());
  auto none = KnownHosts::load({"/dev/null"});
  REQUIRE(none.ok());
  CHECK(none->check("host0", key.key).status == HostKeyCheck::Status::not_found);
}
