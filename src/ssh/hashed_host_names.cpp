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

// The names no line of a range has matched yet, found from any index outwards: for each
// direction a union-find whose root is the nearest unmatched index (path halving keeps each
// step nearly constant however many are matched).
class UnmatchedNames {
 public:
  explicit UnmatchedNames(std::size_t count) : after_(count + 1), before_(count + 1) {
    // after_: index i stands for name i, count is the end; before_: i stands for name i - 1,
    // 0 is the end.
    for (std::size_t i = 0; i <= count; ++i) {
      after_[i] = i;
      before_[i] = i;
    }
  }
  /// The first unmatched name at `from` or after it; the count when none.
  std::size_t at_or_after(std::size_t from) { return root(after_, from); }
  /// One past the last unmatched name before `to` (so 0 when none).
  std::size_t at_or_before_end(std::size_t to) { return root(before_, to); }
  void remove(std::size_t name) {
    after_[name] = name + 1;
    before_[name + 1] = name;
  }

 private:
  static std::size_t root(std::vector<std::size_t>& parent, std::size_t at) {
    while (parent[at] != at) {
      parent[at] = parent[parent[at]];
      at = parent[at];
    }
    return at;
  }
  std::vector<std::size_t> after_;
  std::vector<std::size_t> before_;
};

void match_range(const std::vector<const HashedHostName*>& lines,
                 const std::vector<std::string>& names, std::size_t begin, std::size_t end,
                 std::vector<int>& matched) {
  const std::size_t count = names.size();
  UnmatchedNames unmatched(count);
  std::vector<bool> is_matched(count, false);
  std::vector<std::size_t> matched_names;  // in the order they were first matched
  std::size_t guess = 0;
  bool have_guess = false;
  for (std::size_t line = begin; line < end; ++line) {
    const HashedHostName& hashed = *lines[line];
    int found = -1;
    if (have_guess && hashed.matches(names[guess])) {
      found = static_cast<int>(guess);
    }
    // Unmatched names outwards from the guess: after it, before it, after, before, …
    std::size_t right = have_guess ? guess + 1 : 0;
    std::size_t left_end = have_guess ? guess : 0;  // one past the next name to its left
    bool go_right = true;
    while (found < 0) {
      const std::size_t next_right = unmatched.at_or_after(std::min(right, count));
      const std::size_t next_left_end = unmatched.at_or_before_end(left_end);
      const bool right_left = next_right < count;
      const bool left_left = next_left_end > 0;
      if (!right_left && !left_left) {
        break;
      }
      std::size_t name;
      if (right_left && (go_right || !left_left)) {
        name = next_right;
        right = next_right + 1;
      } else {
        name = next_left_end - 1;
        left_end = name;
      }
      go_right = !go_right;
      if (hashed.matches(names[name])) {
        found = static_cast<int>(name);
      }
    }
    // Then the names other lines matched (a host with several lines), the guess aside.
    for (std::size_t i = 0; found < 0 && i < matched_names.size(); ++i) {
      const std::size_t name = matched_names[i];
      if ((!have_guess || name != guess) && hashed.matches(names[name])) {
        found = static_cast<int>(name);
      }
    }
    matched[line] = found;
    if (found >= 0) {
      guess = static_cast<std::size_t>(found);
      have_guess = true;
      if (!is_matched[guess]) {
        is_matched[guess] = true;
        unmatched.remove(guess);
        matched_names.push_back(guess);
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
