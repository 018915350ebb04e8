#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/ssh/known_hosts.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace brigade::ssh;
using brigade::test::run_shell_ok;
using brigade::test::TempDir;

namespace {

// A real key made by ssh-keygen, as known_hosts would hold it.
struct GeneratedKey {
  HostKey key;
  std::string public_line;  // "ssh-ed25519 AAAA… comment"
};

GeneratedKey generate_key(const TempDir& dir, const std::string& name,
                          const std::string& type = "ed25519") {
  std::string path = dir.str() + "/" + name;
  run_shell_ok("ssh-keygen -q -t " + type + " -N '' -C test -f " + path);
  std::ifstream in(path + ".pub");
  std::string key_type, base64;
  in >> key_type >> base64;
  return {HostKey{key_type, base64_decode(base64).value()}, key_type + " " + base64};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

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
  REQUIRE(read_file(file).starts_with("|1|"));
  auto known = KnownHosts::load({dir.str() + "/missing", file});
  CHECK(known.size() == 2);
  CHECK(known.check("web01", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("[127.0.0.1]:2222", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("web02", key.key).status == HostKeyCheck::Status::not_found);
}

TEST_CASE("known_hosts: a changed key is a mismatch naming the old key's file and line",
          "[known_hosts]") {
  TempDir dir;
  auto old_key = generate_key(dir, "old");
  auto new_key = generate_key(dir, "new");
  auto ecdsa = generate_key(dir, "ecdsa", "ecdsa");
  KnownHosts known;
  known.add_text("/root/.ssh/known_hosts",
                 "other " + new_key.public_line + "\n" + "web01 " + old_key.public_line + "\n");
  auto check = known.check("web01", new_key.key);
  CHECK(check.status == HostKeyCheck::Status::mismatch);
  REQUIRE(check.entry.has_value());
  CHECK(check.entry->file == "/root/.ssh/known_hosts");
  CHECK(check.entry->line == 2);
  CHECK(check.entry->key.blob == old_key.key.blob);
  // A key of another type is not a change: the host may have several.
  CHECK(known.check("web01", ecdsa.key).status == HostKeyCheck::Status::not_found);
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
  auto text = read_file(file);
  CHECK(text.starts_with("[h]:2222 ssh-ed25519 "));
  auto known = KnownHosts::load({file});
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
  auto known = KnownHosts::load({file});
  CHECK(known.check("a", key.key).status == HostKeyCheck::Status::match);
  CHECK(known.check("b", key.key).status == HostKeyCheck::Status::match);
}
