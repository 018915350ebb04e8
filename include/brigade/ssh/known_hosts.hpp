#pragma once

#include <brigade/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brigade::ssh {

/// A host key as the server presents it: its algorithm name and the SSH wire-format blob.
struct HostKey {
  std::string type;  ///< "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", …
  std::string blob;  ///< Raw bytes (what known_hosts holds in base64).
};

/// `SHA256:…` as OpenSSH prints fingerprints (base64, no padding).
std::string fingerprint_sha256(std::string_view blob);

std::string base64_encode(std::string_view bytes);
/// Decodes standard base64 (padding optional); nullopt on bad input.
std::optional<std::string> base64_decode(std::string_view text);

/// One line of a known_hosts file.
struct KnownHostEntry {
  enum class Marker { none, revoked, cert_authority };
  std::string file;
  int line = 0;
  Marker marker = Marker::none;
  std::string patterns;  ///< Comma-separated names, wildcards, negations or |1|salt|hash.
  HostKey key;
};

/// What known_hosts says about a presented key.
struct HostKeyCheck {
  enum class Status { match, mismatch, revoked, not_found };
  Status status = Status::not_found;
  /// mismatch: the known key of the same type; revoked: the @revoked line.
  std::optional<KnownHostEntry> entry;
};

/// The name a host is looked up by: HostKeyAlias, else `host`, or `[host]:port` when the port
/// is not 22 — with no fallback to the plain name, as OpenSSH does.
std::string known_hosts_name(const std::string& host, int port,
                             const std::optional<std::string>& alias);

/// known_hosts entries from several files, checked the way OpenSSH checks them.
class KnownHosts {
 public:
  /// Reads `files` in order; missing files are skipped, unparsable lines ignored (as ssh does).
  static KnownHosts load(const std::vector<std::string>& files);
  /// Adds the lines of `text` as if read from `file`.
  void add_text(const std::string& file, std::string_view text);

  /// Checks `key` for `name` (from known_hosts_name): @revoked wins, then a matching key, then a
  /// different key of the same type (a changed host key).
  HostKeyCheck check(const std::string& name, const HostKey& key) const;

  /// Key types known for `name`, in file order: the host-key algorithms to ask the server for.
  std::vector<std::string> known_key_types(const std::string& name) const;

  /// Records an accepted key in memory (after it was appended to a file).
  void remember(KnownHostEntry entry) { entries_.push_back(std::move(entry)); }

  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<KnownHostEntry> entries_;
};

/// The known_hosts line for `name` and `key`, hashed (|1|salt|hash) when asked.
std::string known_hosts_line(const std::string& name, const HostKey& key, bool hashed);

/// Appends `line` to `file` in one write under an exclusive lock, creating the file (and its
/// directory) if needed, after a newline if the file does not end in one. Concurrent writers,
/// in this process or others, never interleave.
Result<Ok> append_known_hosts_line(const std::string& file, const std::string& line);

}  // namespace brigade::ssh
