#include "hashed_host_names.hpp"

#include <brigade/ssh/host_patterns.hpp>
#include <brigade/ssh/known_hosts.hpp>
#include <brigade/util/fd.hpp>
#include <brigade/util/file_reader.hpp>
#include <brigade/util/strings.hpp>

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace brigade::ssh {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // Whitespace inside the encoding is skipped, as OpenSSH's b64_pton() skips it: a known_hosts
  // line with a CRLF ending means the same key as with LF.
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) {
      compact += c;
    }
  }
  std::string padded(compact.substr(0, compact.find_last_not_of('=') + 1));
  if (padded.size() % 4 == 1 || compact.size() - padded.size() > 2) {
    return std::nullopt;  // no valid encoding has this length
  }
  while (padded.size() % 4 != 0) {
    padded += '=';
  }
  std::string out(3 * padded.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(padded.data()),
                          static_cast<int>(padded.size()));
  if (n < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t pad = 0;
  for (auto it = padded.rbegin(); it != padded.rend() && *it == '='; ++it) {
    ++pad;
  }
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string fingerprint_sha256(std::string_view blob) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(blob.data()), blob.size(), digest);
  std::string encoded =
      base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  encoded.erase(encoded.find_last_not_of('=') + 1);
  return "SHA256:" + encoded;
}

namespace {

std::string hmac_sha1(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

bool names_match(std::string_view patterns, const std::string& name) {
  if (patterns.starts_with("|")) {
    const auto hashed = HashedHostName::parse(patterns);
    return hashed && hashed->matches(name);
  }
  return known_hosts_patterns_match(patterns, name);
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t start = line.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) {
      break;
    }
    std::size_t end = line.find_first_of(" \t", start);
    if (end == std::string_view::npos) {
      end = line.size();
    }
    fields.push_back(line.substr(start, end - start));
    pos = end;
  }
  return fields;
}

// The key types OpenSSH 9.2 reads from known_hosts (sshkey.c keytypes[]).
bool known_key_type(std::string_view type) {
  static constexpr std::string_view kTypes[] = {
      "ssh-ed25519",
      "ssh-rsa",
      "ssh-dss",
      "ecdsa-sha2-nistp256",
      "ecdsa-sha2-nistp384",
      "ecdsa-sha2-nistp521",
      "sk-ecdsa-sha2-nistp256@openssh.com",
      "sk-ssh-ed25519@openssh.com",
      "ssh-xmss@openssh.com",
      "ssh-ed25519-cert-v01@openssh.com",
      "ssh-rsa-cert-v01@openssh.com",
      "ssh-dss-cert-v01@openssh.com",
      "ecdsa-sha2-nistp256-cert-v01@openssh.com",
      "ecdsa-sha2-nistp384-cert-v01@openssh.com",
      "ecdsa-sha2-nistp521-cert-v01@openssh.com",
      "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
      "sk-ssh-ed25519-cert-v01@openssh.com",
      "ssh-xmss-cert-v01@openssh.com",
  };
  return std::find(std::begin(kTypes), std::end(kTypes), type) != std::end(kTypes);
}

// The algorithm name a wire-format key blob starts with (string type, then the key).
std::optional<std::string_view> blob_type(std::string_view blob) {
  if (blob.size() < 4) {
    return std::nullopt;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(blob.data());
  std::size_t length = (std::size_t{bytes[0]} << 24) | (std::size_t{bytes[1]} << 16) |
                       (std::size_t{bytes[2]} << 8) | std::size_t{bytes[3]};
  if (length > blob.size() - 4) {
    return std::nullopt;
  }
  return blob.substr(4, length);
}

}  // namespace

std::string known_hosts_name(const std::string& host, int port,
                             const std::optional<std::string>& alias) {
  if (alias) {
    return lowercase(*alias);
  }
  if (port == 22 || port <= 0) {
    return lowercase(host);
  }
  // Appended piecewise: `"[" + std::string&&` trips a false -Wrestrict in g++ 12.
  std::string name = "[";
  name += lowercase(host);
  name += "]:";
  name += std::to_string(port);
  return name;
}

bool unrecordable_host_name(std::string_view name) {
  return name.find_first_of("@?*#[]|'\"\\") != std::string_view::npos;
}

KnownHosts::KnownHosts() = default;
KnownHosts::KnownHosts(KnownHosts&&) noexcept = default;
KnownHosts& KnownHosts::operator=(KnownHosts&&) noexcept = default;
KnownHosts::~KnownHosts() = default;

Result<KnownHosts> KnownHosts::load(const std::vector<std::string>& files) {
  KnownHosts known;
  for (const auto& file : files) {
    // Streamed, a line at a time: a large file costs its entries, not also its text; only a
    // regular file, bounded (a FIFO or /dev/zero as known_hosts would hang or grow forever).
    std::string partial;
    int number = 0;
    int open_errno = 0;
    auto read = read_file_pieces(
        file, "known_hosts", kMaxConfigFileBytes,
        [&](std::string_view piece) {
          const auto last = piece.rfind('\n');
          if (last == std::string_view::npos) {
            partial.append(piece);
            return;
          }
          partial.append(piece.substr(0, last + 1));
          number = known.add_text(file, partial, number);
          partial.assign(piece.substr(last + 1));
        },
        &open_errno);
    if (!read) {
      if (open_errno == ENOENT || open_errno == ENOTDIR) {
        continue;  // no file, no keys (as for ssh)
      }
      Diagnostic error = read.error();
      error.file = file;  // as given, as the lines read from it name it
      return error;
    }
    known.add_text(file, partial, number);
  }
  return known;
}

int KnownHosts::add_text(const std::string& file, std::string_view text, int number) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (line.ends_with('\r')) {
      line.remove_suffix(1);  // CRLF: the same line as with LF, as OpenSSH reads it
    }
    auto fields = split_fields(line);
    if (fields.empty() || fields[0].starts_with("#")) {
      continue;
    }
    auto skip = [&](std::size_t names_field, std::string reason) {
      UnreadableLine bad{file, number, {}, std::move(reason)};
      if (names_field < fields.size()) {
        bad.patterns = std::string(fields[names_field]);
      }
      unreadable_.push_back(std::move(bad));
    };
    KnownHostEntry entry;
    entry.file = file;
    entry.line = number;
    std::size_t next = 0;
    if (fields[0] == "@revoked") {
      entry.marker = KnownHostEntry::Marker::revoked;
      next = 1;
    } else if (fields[0] == "@cert-authority") {
      entry.marker = KnownHostEntry::Marker::cert_authority;
      next = 1;
    } else if (fields[0].starts_with("@")) {
      skip(1, "unknown marker '" + std::string(fields[0]) + "'");
      continue;
    }
    if (fields.size() < next + 2) {
      skip(next, "no key type and key after the host names");
      continue;
    }
    if (fields.size() < next + 3) {
      skip(next, "no key after the key type");
      continue;
    }
    const std::string_view type = fields[next + 1];
    if (!known_key_type(type)) {
      skip(next, "unknown key type '" + std::string(type) + "'");
      continue;
    }
    auto blob = base64_decode(fields[next + 2]);
    if (!blob) {
      skip(next, "the key is not valid base64");
      continue;
    }
    auto inner = blob_type(*blob);
    if (!inner || *inner != type) {
      skip(next, "the key is not a " + std::string(type) + " key" +
                     (inner ? " (it says " + std::string(*inner) + ")" : ""));
      continue;
    }
    // A hashed name is read once, here; the index keeps its HMAC state.
    std::optional<HashedHostName> hashed;
    if (fields[next].starts_with("|")) {
      hashed = HashedHostName::parse(fields[next]);
      if (!hashed) {
        skip(fields.size(), "the hashed host name is not |1|salt|hash with a SHA-1 hash");
        continue;
      }
    }
    entry.patterns = std::string(fields[next]);
    entry.key = HostKey{std::string(type), std::move(*blob)};
    entries_.push_back(std::move(entry));
    index(entries_.size() - 1, std::move(hashed));
  }
  hashed_matches_.clear();  // names looked up before have not been tried on the new lines
  return number;
}

void KnownHosts::index(std::size_t entry, std::optional<HashedHostName> hashed) {
  if (hashed) {
    hashed_lines_.push_back(entry);
    hashed_names_.push_back(std::make_unique<HashedHostName>(*hashed));
    return;
  }
  const std::string_view patterns = entries_[entry].patterns;
  if (patterns.find_first_of("*?!") != std::string_view::npos) {
    pattern_lines_.push_back(entry);
    return;
  }
  std::size_t start = 0;
  while (start <= patterns.size()) {
    std::size_t end = patterns.find(',', start);
    if (end == std::string_view::npos) {
      end = patterns.size();
    }
    // As known_hosts_patterns_match() compares: the pattern lowercased, the name as given.
    auto& lines = literal_lines_[lowercase(patterns.substr(start, end - start))];
    if (lines.empty() || lines.back() != entry) {  // "a,a" is one line for a
      lines.push_back(entry);
    }
    start = end + 1;
  }
}

void KnownHosts::remember(KnownHostEntry entry) {
  entries_.push_back(std::move(entry));
  index(entries_.size() - 1, std::nullopt);  // a recorded name is never hashed in memory
}

void KnownHosts::resolve(const std::vector<std::string>& names) {
  std::vector<std::string> unresolved;
  for (const auto& name : names) {
    if (!hashed_matches_.contains(name)) {
      hashed_matches_[name];  // known now: no hashed line, unless one matches below
      unresolved.push_back(name);
    }
  }
  if (unresolved.empty() || hashed_names_.empty()) {
    return;
  }
  std::vector<const HashedHostName*> lines;
  lines.reserve(hashed_names_.size());
  for (const auto& hashed : hashed_names_) {
    lines.push_back(hashed.get());
  }
  const auto matched = match_hashed_names(lines, unresolved, std::thread::hardware_concurrency());
  for (std::size_t line = 0; line < matched.size(); ++line) {
    if (matched[line] >= 0) {
      hashed_matches_[unresolved[static_cast<std::size_t>(matched[line])]].push_back(
          hashed_lines_[line]);
    }
  }
}

const std::vector<std::size_t>& KnownHosts::hashed_lines_for(const std::string& name) const {
  auto found = hashed_matches_.find(name);
  if (found == hashed_matches_.end()) {
    std::vector<std::size_t> lines;
    for (std::size_t i = 0; i < hashed_names_.size(); ++i) {
      if (hashed_names_[i]->matches(name)) {
        lines.push_back(hashed_lines_[i]);
      }
    }
    found = hashed_matches_.emplace(name, std::move(lines)).first;
  }
  return found->second;
}

std::vector<std::size_t> KnownHosts::lines_for(const std::string& name) const {
  std::vector<std::size_t> lines;
  if (auto literal = literal_lines_.find(name); literal != literal_lines_.end()) {
    lines = literal->second;
  }
  const auto& hashed = hashed_lines_for(name);
  lines.insert(lines.end(), hashed.begin(), hashed.end());
  for (std::size_t entry : pattern_lines_) {
    if (known_hosts_patterns_match(entries_[entry].patterns, name)) {
      lines.push_back(entry);
    }
  }
  std::sort(lines.begin(), lines.end());  // the file's order decides
  return lines;
}

std::vector<const KnownHostEntry*> KnownHosts::entries_for(const std::string& name) const {
  std::vector<const KnownHostEntry*> found;
  for (std::size_t line : lines_for(name)) {
    found.push_back(&entries_[line]);
  }
  return found;
}

bool KnownHosts::names_host(const std::string& name) const {
  if (!lines_for(name).empty()) {
    return true;
  }
  return unreadable_naming(name) != nullptr;
}

const UnreadableLine* KnownHosts::unreadable_naming(const std::string& name) const {
  for (const auto& bad : unreadable_) {
    if (!bad.patterns.empty() && names_match(bad.patterns, name)) {
      return &bad;
    }
  }
  return nullptr;
}

std::vector<Diagnostic> KnownHosts::warnings() const {
  std::vector<Diagnostic> warnings;
  for (const auto& bad : unreadable_) {
    warnings.push_back(Diagnostic{.file = bad.file,
                                  .line = bad.line,
                                  .message = "cannot read this known_hosts line: " + bad.reason +
                                             "; skipped (hosts it "
                                             "names are not treated as new)"});
  }
  return warnings;
}

HostKeyCheck KnownHosts::check(const std::string& name, const HostKey& key) const {
  // As OpenSSH's check_key_in_hostkeys(): the first line holding this key makes a match; any
  // other key on record for the name, of whatever type, makes a changed key (the offending line
  // is the last one read); @revoked overrides both.
  HostKeyCheck result;
  for (std::size_t line : lines_for(name)) {
    const KnownHostEntry& entry = entries_[line];
    switch (entry.marker) {
      case KnownHostEntry::Marker::revoked:
        if (entry.key.type == key.type && entry.key.blob == key.blob) {
          return HostKeyCheck{HostKeyCheck::Status::revoked, entry, {}, {}};
        }
        break;
      case KnownHostEntry::Marker::cert_authority:
        if (!result.certificate_authority) {
          result.certificate_authority = entry;
        }
        break;
      case KnownHostEntry::Marker::none:
        if (result.status == HostKeyCheck::Status::match) {
          break;
        }
        if (entry.key.type == key.type && entry.key.blob == key.blob) {
          result.status = HostKeyCheck::Status::match;
        } else {
          result.status = HostKeyCheck::Status::changed;
        }
        result.entry = entry;
        break;
    }
  }
  if (result.status == HostKeyCheck::Status::not_found) {
    if (const UnreadableLine* bad = unreadable_naming(name)) {
      result.unreadable = *bad;
    }
  } else {
    result.certificate_authority.reset();
  }
  return result;
}

std::vector<std::string> KnownHosts::known_key_types(const std::string& name) const {
  std::vector<std::string> types;
  for (std::size_t line : lines_for(name)) {
    const KnownHostEntry& entry = entries_[line];
    if (entry.marker == KnownHostEntry::Marker::none &&
        std::find(types.begin(), types.end(), entry.key.type) == types.end()) {
      types.push_back(entry.key.type);
    }
  }
  return types;
}

std::string known_hosts_line(const std::string& name, const HostKey& key, bool hashed) {
  std::string host = name;
  if (hashed) {
    unsigned char salt[20];
    RAND_bytes(salt, sizeof(salt));
    std::string_view salt_view(reinterpret_cast<const char*>(salt), sizeof(salt));
    host = "|1|" + base64_encode(salt_view) + "|" + base64_encode(hmac_sha1(salt_view, name));
  }
  return host + " " + key.type + " " + base64_encode(key.blob) + "\n";
}

Result<Ok> append_known_hosts_line(const std::string& file, const std::string& line) {
  auto fail = [&file](const std::string& what) {
    return Diagnostic{.file = file, .message = what + ": " + std::strerror(errno)};
  };
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
  Fd fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) {
    return fail("cannot open known_hosts for appending");
  }
  if (::flock(fd.get(), LOCK_EX) != 0) {
    return fail("cannot lock known_hosts");
  }
  std::string data = line;
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) {
    char last = '\n';
    if (::pread(fd.get(), &last, 1, st.st_size - 1) == 1 && last != '\n') {
      data = '\n' + data;
    }
  }
  // One write: O_APPEND makes it land whole at the end, whoever else appends.
  ssize_t written = ::write(fd.get(), data.data(), data.size());
  if (written != static_cast<ssize_t>(data.size())) {
    return fail("cannot append to known_hosts");
  }
  if (const int error = fd.close(); error != 0) {  // NFS reports a lost write here
    errno = error;
    return fail("cannot append to known_hosts");
  }
  return Ok{};
}

}  // namespace brigade::ssh
