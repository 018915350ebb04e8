// The SHA-1 states are kept with OpenSSL's SHA1_* functions, deprecated in OpenSSL 3 but still
// part of it: copying a 96-byte SHA_CTX costs a third of what EVP_MD_CTX_copy_ex does, and the
// copy is most of an HMAC here (measured: 104 ns against 262 ns a name, 1165 ns with HMAC()).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "hashed_host_names.hpp"

#include <brigade/ssh/known_hosts.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>
#include <system_error>
#include <thread>

namespace brigade::ssh {

std::optional<HashedHostName> HashedHostName::parse(std::string_view pattern) {
  const auto bar = pattern.find('|', 3);
  if (!pattern.starts_with("|1|") || bar == std::string_view::npos) {
    return std::nullopt;
  }
  auto salt = base64_decode(pattern.substr(3, bar - 3));
  auto hash = base64_decode(pattern.substr(bar + 1));
  if (!salt || !hash || hash->size() != SHA_DIGEST_LENGTH) {
    return std::nullopt;
  }
  // HMAC's key: hashed down when longer than a block, zero-padded to one (RFC 2104).
  unsigned char key[SHA_CBLOCK] = {};
  if (salt->size() > SHA_CBLOCK) {
    SHA1(reinterpret_cast<const unsigned char*>(salt->data()), salt->size(), key);
  } else {
    std::memcpy(key, salt->data(), salt->size());
  }
  unsigned char inner_pad[SHA_CBLOCK];
  unsigned char outer_pad[SHA_CBLOCK];
  for (std::size_t i = 0; i < SHA_CBLOCK; ++i) {
    inner_pad[i] = key[i] ^ 0x36;
    outer_pad[i] = key[i] ^ 0x5c;
  }
  HashedHostName parsed;
  SHA1_Init(&parsed.inner_);
  SHA1_Update(&parsed.inner_, inner_pad, sizeof(inner_pad));
  SHA1_Init(&parsed.outer_);
  SHA1_Update(&parsed.outer_, outer_pad, sizeof(outer_pad));
  std::memcpy(parsed.hash_, hash->data(), SHA_DIGEST_LENGTH);
  OPENSSL_cleanse(key, sizeof(key));
  return parsed;
}

bool HashedHostName::matches(std::string_view name) const {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA_CTX state = inner_;
  SHA1_Update(&state, name.data(), name.size());
  SHA1_Final(digest, &state);
  state = outer_;
  SHA1_Update(&state, digest, sizeof(digest));
  SHA1_Final(digest, &state);
  return std::memcmp(digest, hash_, SHA_DIGEST_LENGTH) == 0;
}

namespace {

// The names in the order guess, guess+1, guess-1, guess+2, … (wrapping), each once.
std::size_t nth_from(std::size_t guess, std::size_t n, std::size_t count) {
  const std::size_t step = (n + 1) / 2;
  return n % 2 == 1 ? (guess + step) % count : (guess + count - step % count) % count;
}

void match_range(const std::vector<const HashedHostName*>& lines,
                 const std::vector<std::string>& names, std::size_t begin, std::size_t end,
                 std::vector<int>& matched) {
  std::size_t guess = 0;
  for (std::size_t line = begin; line < end; ++line) {
    matched[line] = -1;
    for (std::size_t tried = 0; tried < names.size(); ++tried) {
      const std::size_t name = nth_from(guess, tried, names.size());
      if (lines[line]->matches(names[name])) {
        matched[line] = static_cast<int>(name);
        guess = name;
        break;
      }
    }
  }
}

}  // namespace

std::vector<int> match_hashed_names(const std::vector<const HashedHostName*>& lines,
                                    const std::vector<std::string>& names, unsigned threads) {
  std::vector<int> matched(lines.size(), -1);
  if (names.empty() || lines.empty()) {
    return matched;
  }
  // Below a few thousand HMACs a thread costs more to start than it saves.
  constexpr std::size_t kHmacsPerThread = 20000;
  const std::size_t work = lines.size() * names.size();
  const std::size_t wanted = std::clamp<std::size_t>(work / kHmacsPerThread, 1, lines.size());
  const std::size_t count = std::min<std::size_t>(std::max(threads, 1u), wanted);
  if (count == 1) {
    match_range(lines, names, 0, lines.size(), matched);
    return matched;
  }
  const std::size_t share = (lines.size() + count - 1) / count;
  {
    std::vector<std::jthread> workers;
    workers.reserve(count);
    for (std::size_t begin = 0; begin < lines.size(); begin += share) {
      const std::size_t end = std::min(lines.size(), begin + share);
      try {
        workers.emplace_back([&, begin, end] { match_range(lines, names, begin, end, matched); });
      } catch (const std::system_error&) {
        match_range(lines, names, begin, end, matched);  // no thread to be had: do it here
      }
    }
  }  // joined
  return matched;
}

}  // namespace brigade::ssh
