#pragma once

#include <brigade/util/result.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace brigade::ssh {

class HashedHostName;

/// A host key as the server presents it: its algorithm name and the SSH wire-format blob.
struct HostKey {
  std::string type;  ///< "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", …
  std::string blob;  ///< Raw bytes (what known_hosts holds in base64).
};

/// `SHA256:…` as OpenSSH prints fingerprints (base64, no padding).
std::string fingerprint_sha256(std::string_view blob);

std::string base64_encode(std::string_view bytes);
/// Decodes standard base64 (padding optional; whitespace such as a CR skipped, as OpenSSH's
/// b64_pton does); nullopt on bad input.
std::optional<std::string> base64_decode(std::string_view text);

/// One line of a known_hosts file.
struct KnownHostEntry {
  enum class Marker { none, revoked, cert_authority };
  std::string file;
  int line = 0;
  Marker marker = Marker::none;
  std::string patterns;  ///< Comma-separated names, wildcards, negations or |1|salt|hash.
  HostKey key;

  /// "file:line", for messages.
  std::string place() const { return file + ":" + std::to_string(line); }
};

/// A line that could not be read. It is skipped with a warning, as ssh skips it, and its names
/// are kept: a host named on such a line is never treated as a new host.
struct UnreadableLine {
  std::string file;
  int line = 0;
  std::string patterns;  ///< The line's names when they could be read, else empty.
  std::string reason;    ///< "the key is not valid base64", …

  std::string place() const { return file + ":" + std::to_string(line); }
};

/// What known_hosts says about a presented key, decided as OpenSSH's check_key_in_hostkeys().
struct HostKeyCheck {
  enum class Status {
    match,      ///< a line for the name holds this key
    changed,    ///< the name has keys on record, none of them this one (of any type)
    revoked,    ///< a @revoked line for the name holds this key
    not_found,  ///< no key on record for the name
  };
  Status status = Status::not_found;
  /// match: the matching line; changed: the offending key (the last one read, as ssh reports
  /// it); revoked: the @revoked line.
  std::optional<KnownHostEntry> entry;
  /// not_found: a @cert-authority line for the name (host certificates are not supported).
  std::optional<KnownHostEntry> certificate_authority;
  /// not_found: a line that may name the host but could not be read.
  std::optional<UnreadableLine> unreadable;
};

/// The name a host is looked up by: HostKeyAlias, else `host`, or `[host]:port` when the port
/// is not 22, lowercased as OpenSSH does.
std::string known_hosts_name(const std::string& host, int port,
                             const std::optional<std::string>& alias);

/// known_hosts entries from several files, checked the way OpenSSH checks them. A lookup does
/// not read every line: literal names are indexed, lines with wildcards or negations are the
/// only ones scanned, and hashed names are matched for a whole run's names at once (resolve()).
/// Not thread-safe: one event loop asks it.
class KnownHosts {
 public:
  KnownHosts();
  KnownHosts(KnownHosts&&) noexcept;
  KnownHosts& operator=(KnownHosts&&) noexcept;
  ~KnownHosts();

  /// Reads `files` in order, a piece at a time. A file that does not exist holds no keys, nor
  /// does /dev/null; one that exists but cannot be read (EACCES, EMFILE, EIO, a directory, a
  /// FIFO, a device, more than kMaxConfigFileBytes) is an error: a host key check never passes
  /// for lack of a file it could not read.
  static Result<KnownHosts> load(const std::vector<std::string>& files);
  /// Adds the lines of `text` as if read from `file`, the first being line `after` + 1; returns
  /// the number of the last.
  int add_text(const std::string& file, std::string_view text, int after = 0);

  /// Checks `key` for `name` (from known_hosts_name): @revoked wins, then a matching key, then
  /// any other key on record for the name (a changed host key, whatever its type).
  HostKeyCheck check(const std::string& name, const HostKey& key) const;

  /// Key types known for `name`, in file order: the host-key algorithms to ask the server for.
  std::vector<std::string> known_key_types(const std::string& name) const;

  /// Finds the hashed lines of all of `names` in one pass over the file, on every core:
  /// without it, each name's first lookup costs one HMAC per hashed line on the calling thread.
  void resolve(const std::vector<std::string>& names);

  /// The readable lines that name `name`, in file order (what `ssh-keygen -F` lists).
  std::vector<const KnownHostEntry*> entries_for(const std::string& name) const;

  /// Whether any line (readable or not) may name `name`.
  bool names_host(const std::string& name) const;

  /// Records an accepted key in memory (after it was appended to a file).
  void remember(KnownHostEntry entry);

  /// The lines that were skipped, one warning each ("file:line: …; skipped").
  std::vector<Diagnostic> warnings() const;

  std::size_t size() const { return entries_.size(); }

 private:
  /// Adds entry `entry` to the index; `hashed` is its name read as |1|salt|hash, if it is one.
  void index(std::size_t entry, std::optional<HashedHostName> hashed);
  /// The first unreadable line that may name `name`, or null.
  const UnreadableLine* unreadable_naming(const std::string& name) const;
  /// The entries that name `name`, in file order.
  std::vector<std::size_t> lines_for(const std::string& name) const;
  const std::vector<std::size_t>& hashed_lines_for(const std::string& name) const;

  std::vector<KnownHostEntry> entries_;
  std::vector<UnreadableLine> unreadable_;
  std::unordered_map<std::string, std::vector<std::size_t>> literal_lines_;  ///< name → entries
  std::vector<std::size_t> pattern_lines_;  ///< entries with a wildcard or a negation
  std::vector<std::size_t> hashed_lines_;   ///< entries with a |1|salt|hash name
  std::vector<std::unique_ptr<HashedHostName>> hashed_names_;  ///< one per hashed_lines_
  /// name → its hashed entries, for names looked up or resolved so far.
  mutable std::unordered_map<std::string, std::vector<std::size_t>> hashed_matches_;
};

/// True when `name` contains a character OpenSSH never writes into known_hosts
/// (`@?*#[]|'"\` and whitespace): such a host's key is never recorded.
bool unrecordable_host_name(std::string_view name);

/// The known_hosts line for `name` and `key`, hashed (|1|salt|hash) when asked.
std::string known_hosts_line(const std::string& name, const HostKey& key, bool hashed);

/// Appends `line` to `file` in one write under an exclusive lock, creating the file (and its
/// directory) if needed, after a newline if the file does not end in one. Concurrent writers,
/// in this process or others, never interleave.
Result<Ok> append_known_hosts_line(const std::string& file, const std::string& line);

}  // namespace brigade::ssh
