#pragma once

// Hashed known_hosts names (`|1|salt|hash`, HashKnownHosts) matched in bulk. Each line has a
// salt of its own, so finding a name's lines costs one HMAC-SHA1 per hashed line; a run of N
// nodes against a file of M hashed lines costs N×M. This makes each HMAC as cheap as it gets
// (the key's two blocks hashed once per line, not once per name) and spreads them over threads.

#include <openssl/sha.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brigade::ssh {

/// One `|1|salt|hash` name, with its HMAC key state computed once.
class HashedHostName {
 public:
  /// nullopt when `pattern` is not `|1|base64|base64` with a 20-byte hash.
  static std::optional<HashedHostName> parse(std::string_view pattern);

  /// Whether HMAC-SHA1(salt, name) is the recorded hash.
  bool matches(std::string_view name) const;

 private:
  SHA_CTX inner_{};  // SHA-1 state after the key XOR ipad block
  SHA_CTX outer_{};  // after the key XOR opad block
  unsigned char hash_[SHA_DIGEST_LENGTH]{};
};

/// For each of `lines`, the index in `names` of the name it hashes, or -1. A line hashes at
/// most one name (two names with the same HMAC under one salt would be a SHA-1 HMAC collision),
/// so each line stops at its first match. A line tries the previous line's name first (a
/// host's lines for several key types come together), then the names no line has matched yet,
/// outwards from there (the next, the one before, …), then the others: a file written host by
/// host in about the order of `names` (ssh-keyscan -H of a list, accept-new in a run with
/// bounded parallelism) costs a few HMACs a line instead of half the names; a file in no order
/// costs half the names not yet matched, a quarter of the names a line on average.
/// Runs on up to `threads` threads; the result does not depend on their number.
std::vector<int> match_hashed_names(const std::vector<const HashedHostName*>& lines,
                                    const std::vector<std::string>& names, unsigned threads);

}  // namespace brigade::ssh
