// Hashed known_hosts names matched in bulk: the same answers on one thread or many, each line
// to the one name it hashes, checked against HMACs OpenSSL computes the usual way.

#include "ssh/hashed_host_names.hpp"

#include <brigade/ssh/known_hosts.hpp>

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

using namespace brigade::ssh;

namespace {

std::string hashed_name(const std::string& salt, const std::string& name) {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), salt.data(), static_cast<int>(salt.size()),
       reinterpret_cast<const unsigned char*>(name.data()), name.size(), hash, &length);
  return std::string("|1|")
      .append(base64_encode(salt))
      .append("|")
      .append(base64_encode(std::string(reinterpret_cast<const char*>(hash), length)));
}

}  // namespace

TEST_CASE("hashed names: each line to the name it hashes, on one thread or several",
          "[known_hosts]") {
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) {
    names.push_back(std::string("[n").append(std::to_string(i)).append(".fleet.test]:2222"));
  }
  // Lines in an order of their own: every seventh name twice, a third of the lines for no name.
  std::vector<std::unique_ptr<HashedHostName>> owned;
  std::vector<int> expected;
  for (int i = 0; i < 450; ++i) {
    const int name = (i * 37) % 300;
    const bool stranger = i % 3 == 0;
    const std::string salt(20, static_cast<char>('A' + i % 50));
    const std::string line = hashed_name(salt + std::to_string(i),
                                         stranger ? std::string("other").append(std::to_string(i))
                                                  : names[static_cast<std::size_t>(name)]);
    auto parsed = HashedHostName::parse(line);
    REQUIRE(parsed);
    owned.push_back(std::make_unique<HashedHostName>(*parsed));
    expected.push_back(stranger ? -1 : name);
  }
  std::vector<const HashedHostName*> lines;
  for (const auto& line : owned) {
    lines.push_back(line.get());
  }
  for (unsigned threads : {1u, 2u, 7u}) {
    INFO("threads " << threads);
    CHECK(match_hashed_names(lines, names, threads) == expected);
  }
  CHECK(match_hashed_names(lines, {}, 2) == std::vector<int>(lines.size(), -1));
}

TEST_CASE("hashed names: a salt longer than a block, and names that are not |1|salt|hash",
          "[known_hosts]") {
  const std::string long_salt(100, 's');  // HMAC hashes such a key first (RFC 2104)
  auto parsed = HashedHostName::parse(hashed_name(long_salt, "web01"));
  REQUIRE(parsed);
  CHECK(parsed->matches("web01"));
  CHECK_FALSE(parsed->matches("web02"));
  CHECK_FALSE(HashedHostName::parse("|2|abc|def"));
  CHECK_FALSE(HashedHostName::parse("|1|not base64!|AAAA"));
  CHECK_FALSE(HashedHostName::parse(
      std::string("|1|").append(base64_encode("salt")).append("|").append(base64_encode("short"))));
}

TEST_CASE("hashed names: three lines a host, in the names' order and in no order",
          "[known_hosts]") {
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) {
    names.push_back(std::string("h").append(std::to_string(i)).append(".fleet.test"));
  }
  // As ssh-keyscan -H writes them: each host's key types together, every salt its own.
  std::vector<std::unique_ptr<HashedHostName>> owned;
  std::vector<int> host_of;
  for (int host = 0; host < 200; ++host) {
    for (int type = 0; type < 3; ++type) {
      const std::string salt = std::string("salt-").append(std::to_string(host * 3 + type));
      auto parsed = HashedHostName::parse(hashed_name(salt, names[static_cast<std::size_t>(host)]));
      REQUIRE(parsed);
      owned.push_back(std::make_unique<HashedHostName>(*parsed));
      host_of.push_back(host);
    }
  }
  std::vector<std::size_t> order(owned.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  SECTION("in order") {}
  SECTION("in no order") {
    for (std::size_t i = 0; i < order.size(); ++i) {  // a fixed permutation
      std::swap(order[i], order[(i * 7919 + 13) % order.size()]);
    }
  }
  SECTION("backwards") {
    std::reverse(order.begin(), order.end());
  }
  std::vector<const HashedHostName*> lines;
  std::vector<int> expected;
  for (std::size_t i : order) {
    lines.push_back(owned[i].get());
    expected.push_back(host_of[i]);
  }
  // Names the file does not hold, among the run's.
  names.push_back("absent.fleet.test");
  for (unsigned threads : {1u, 2u}) {
    INFO("threads " << threads);
    CHECK(match_hashed_names(lines, names, threads) == expected);
  }
}
