#include <brigade/ssh/known_hosts.hpp>
#include <brigade/ssh/ssh_config.hpp>

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
  std::string padded(text.substr(0, text.find_last_not_of('=') + 1));
  if (padded.size() % 4 == 1 || text.size() - padded.size() > 2) {
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

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as written by HashKnownHosts / ssh-keygen -H.
bool hashed_pattern_matches(std::string_view pattern, const std::string& name) {
  auto bar = pattern.find('|', 3);
  if (!pattern.starts_with("|1|") || bar == std::string_view::npos) {
    return false;
  }
  auto salt = base64_decode(pattern.substr(3, bar - 3));
  auto hash = base64_decode(pattern.substr(bar + 1));
  return salt && hash && hmac_sha1(*salt, name) == *hash;
}

bool entry_matches(const KnownHostEntry& entry, const std::string& name) {
  if (entry.patterns.starts_with("|")) {
    return hashed_pattern_matches(entry.patterns, name);
  }
  return host_patterns_match(entry.patterns, name);
}

std::vector<std::string> split_fields(std::string_view line) {
  std::vector<std::string> fields;
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
    fields.emplace_back(line.substr(start, end - start));
    pos = end;
  }
  return fields;
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

KnownHosts KnownHosts::load(const std::vector<std::string>& files) {
  KnownHosts known;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    known.add_text(file, text.str());
  }
  return known;
}

void KnownHosts::add_text(const std::string& file, std::string_view text) {
  int number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    auto fields = split_fields(line);
    if (fields.empty() || fields[0].starts_with("#")) {
      continue;
    }
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
      continue;  // unknown marker: never trust a line we do not understand
    }
    if (fields.size() < next + 3) {
      continue;
    }
    auto blob = base64_decode(fields[next + 2]);
    if (!blob) {
      continue;
    }
    entry.patterns = lowercase(fields[next]);
    if (fields[next].starts_with("|")) {
      entry.patterns = fields[next];  // base64 is case-sensitive
    }
    entry.key = HostKey{fields[next + 1], std::move(*blob)};
    entries_.push_back(std::move(entry));
  }
}

HostKeyCheck KnownHosts::check(const std::string& name, const HostKey& key) const {
  HostKeyCheck result;
  const KnownHostEntry* mismatch = nullptr;
  bool matched = false;
  for (const auto& entry : entries_) {
    if (entry.marker == KnownHostEntry::Marker::cert_authority || !entry_matches(entry, name)) {
      continue;
    }
    if (entry.marker == KnownHostEntry::Marker::revoked) {
      if (entry.key.blob == key.blob) {
        return HostKeyCheck{HostKeyCheck::Status::revoked, entry};
      }
      continue;
    }
    if (entry.key.type != key.type) {
      continue;
    }
    if (entry.key.blob == key.blob) {
      matched = true;
    } else if (mismatch == nullptr) {
      mismatch = &entry;
    }
  }
  if (matched) {
    result.status = HostKeyCheck::Status::match;
  } else if (mismatch != nullptr) {
    result.status = HostKeyCheck::Status::mismatch;
    result.entry = *mismatch;
  }
  return result;
}

std::vector<std::string> KnownHosts::known_key_types(const std::string& name) const {
  std::vector<std::string> types;
  for (const auto& entry : entries_) {
    if (entry.marker == KnownHostEntry::Marker::none && entry_matches(entry, name) &&
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
  int fd = ::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail("cannot open known_hosts for appending");
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  if (::flock(fd, LOCK_EX) != 0) {
    return fail("cannot lock known_hosts");
  }
  std::string data = line;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    char last = '\n';
    if (::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') {
      data = '\n' + data;
    }
  }
  // One write: O_APPEND makes it land whole at the end, whoever else appends.
  ssize_t written = ::write(fd, data.data(), data.size());
  if (written != static_cast<ssize_t>(data.size())) {
    return fail("cannot append to known_hosts");
  }
  return Ok{};
}

}  // namespace brigade::ssh
