#include <brigade/run/kitchen_archive.hpp>
#include <brigade/util/json_file.hpp>

#include <fmt/format.h>

#include <openssl/evp.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace brigade {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlock = 512;

// What LittleChef's rsync leaves out (`--exclude` '*.svn', '.bzr*', '.git*', '.hg*'), at any
// depth: version control metadata, never part of the kitchen a node converges.
bool is_version_control_name(std::string_view name) {
  return name.ends_with(".svn") || name.starts_with(".bzr") || name.starts_with(".git") ||
         name.starts_with(".hg");
}

// The tar stream as it is written: hashed (SHA-256, until the digest member) and gzip-compressed
// piece by piece, so the uncompressed kitchen is never held whole and no single deflate call
// sees more than zlib's 32-bit avail_in can count (a kitchen over 4 GiB was cut silently).
// gzip with a zero timestamp in its header, so equal input gives equal bytes.
class GzipTarStream {
 public:
  GzipTarStream() : sha_(EVP_MD_CTX_new()) {
    ok_ = sha_ != nullptr && EVP_DigestInit_ex(sha_, EVP_sha256(), nullptr) == 1 &&
          deflateInit2(&zlib_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    zlib_started_ = ok_;
  }
  ~GzipTarStream() {
    if (zlib_started_) {
      deflateEnd(&zlib_);
    }
    EVP_MD_CTX_free(sha_);
  }
  GzipTarStream(const GzipTarStream&) = delete;
  GzipTarStream& operator=(const GzipTarStream&) = delete;

  void write(std::string_view data) {
    if (hashing_) {
      EVP_DigestUpdate(sha_, data.data(), data.size());
    }
    tar_bytes_ += data.size();
    deflate_some(data, Z_NO_FLUSH);
  }
  /// The SHA-256 (hex) of what was written so far; later writes are not hashed.
  std::string digest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(sha_, digest, &length);
    hashing_ = false;
    std::string hex;
    for (unsigned i = 0; i < length; ++i) {
      hex += fmt::format("{:02x}", digest[i]);
    }
    return hex;
  }
  std::size_t tar_bytes() const { return tar_bytes_; }
  Result<std::string> finish() {
    deflate_some({}, Z_FINISH);
    if (!ok_) {
      return Diagnostic{.message = "gzip compression of the kitchen failed"};
    }
    // A copy of exactly the stream: the buffer grew past it (and g++ 12 warns falsely,
    // -Wrestrict, on shrinking it in place).
    return std::string(out_.data(), used_);
  }

 private:
  void deflate_some(std::string_view data, int flush) {
    constexpr std::size_t kPiece = 1 << 20;
    do {
      const std::size_t piece = std::min(data.size(), kPiece);
      zlib_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
      zlib_.avail_in = static_cast<uInt>(piece);
      const int mode = piece == data.size() ? flush : Z_NO_FLUSH;
      int rc = Z_OK;
      do {
        // The buffer grows geometrically; `used_` of it holds the stream so far.
        if (out_.size() - used_ < kPiece / 4) {
          out_.resize(std::max(out_.size() * 2, used_ + kPiece));
        }
        zlib_.next_out = reinterpret_cast<Bytef*>(out_.data() + used_);
        zlib_.avail_out = static_cast<uInt>(out_.size() - used_);
        rc = ok_ ? deflate(&zlib_, mode) : Z_STREAM_ERROR;
        used_ = out_.size() - zlib_.avail_out;
        if (rc == Z_STREAM_ERROR) {
          ok_ = false;
          return;
        }
      } while (zlib_.avail_out == 0 || (mode == Z_FINISH && rc != Z_STREAM_END));
      data.remove_prefix(piece);
    } while (!data.empty());
  }

  EVP_MD_CTX* sha_;
  z_stream zlib_{};
  bool ok_ = false;
  bool zlib_started_ = false;
  bool hashing_ = true;
  std::size_t tar_bytes_ = 0;
  std::string out_;
  std::size_t used_ = 0;
};

// POSIX ustar, with a pax extended header for a name that does not fit (ninety-nine bytes, or
// a 155-byte prefix and a 100-byte name).
class TarWriter {
 public:
  explicit TarWriter(GzipTarStream& out) : out_(out) {}

  void add(const std::string& name, char type, unsigned mode, std::string_view content,
           const std::string& link_target = {}) {
    std::string stored = name;
    std::string prefix;
    if (stored.size() > 100) {
      auto slash = stored.rfind('/', 155);
      if (slash != std::string::npos && stored.size() - slash - 1 <= 100 && slash > 0) {
        prefix = stored.substr(0, slash);
        stored = stored.substr(slash + 1);
      } else {
        add_pax_path(name);
        stored = stored.substr(0, 100);
      }
    }
    if (link_target.size() > 100) {
      add_pax_record("linkpath", link_target);
    }
    header(stored, prefix, type, mode, content.size(), link_target.substr(0, 100));
    out_.write(content);
    pad(content.size());
  }

  /// The end-of-archive marker: two zero blocks.
  void finish() { out_.write(std::string(2 * kBlock, '\0')); }

 private:
  void add_pax_path(const std::string& path) { add_pax_record("path", path); }

  void add_pax_record(const std::string& key, const std::string& value) {
    // "LEN key=value\n", where LEN counts itself.
    std::string body = " " + key + "=" + value + "\n";
    std::size_t length = body.size() + 1;
    while (std::to_string(length).size() + body.size() != length) {
      ++length;
    }
    std::string record = std::to_string(length) + body;
    header("PaxHeader", "", 'x', 0644, record.size(), "");
    out_.write(record);
    pad(record.size());
  }

  void header(const std::string& name, const std::string& prefix, char type, unsigned mode,
              std::size_t size, const std::string& link) {
    char block[kBlock] = {};
    auto put = [&block](std::size_t offset, std::size_t width, std::string_view value) {
      std::memcpy(block + offset, value.data(), std::min(width, value.size()));
    };
    auto octal = [&put](std::size_t offset, std::size_t width, unsigned long long value) {
      put(offset, width - 1, fmt::format("{:0{}o}", value, width - 1));
    };
    put(0, 100, name);
    octal(100, 8, mode & 07777);
    octal(108, 8, 0);  // uid
    octal(116, 8, 0);  // gid
    octal(124, 12, size);
    octal(136, 12, 0);  // mtime: fixed, so the digest depends on content only
    std::memset(block + 148, ' ', 8);
    block[156] = type;
    put(157, 100, link);
    put(257, 6, std::string_view("ustar\0", 6));
    put(263, 2, "00");
    put(265, 32, "root");
    put(297, 32, "root");
    put(345, 155, prefix);
    unsigned checksum = 0;
    for (unsigned char c : block) {
      checksum += c;
    }
    put(148, 7, fmt::format("{:06o}", checksum) + std::string(1, '\0'));
    out_.write(std::string_view(block, kBlock));
  }

  void pad(std::size_t size) {
    if (std::size_t rest = size % kBlock; rest != 0) {
      out_.write(std::string(kBlock - rest, '\0'));
    }
  }

  GzipTarStream& out_;
};

Result<KitchenArchive> finish(GzipTarStream& stream, TarWriter& tar, std::size_t files) {
  KitchenArchive archive;
  archive.digest = stream.digest();
  tar.add(kKitchenDigestFile, '0', 0644, archive.digest + "\n");
  tar.finish();
  archive.tar_bytes = stream.tar_bytes();
  archive.files = files;
  auto compressed = stream.finish();
  if (!compressed) {
    return compressed.error();
  }
  archive.gzip = std::make_shared<const std::string>(std::move(*compressed));
  return archive;
}

}  // namespace

Result<KitchenArchive> build_kitchen_archive(const fs::path& root,
                                             const std::vector<std::string>& directories,
                                             bool follow_symlinks) {
  GzipTarStream stream;
  TarWriter tar(stream);
  std::size_t files = 0;
  for (const auto& directory : directories) {
    std::error_code ec;
    const fs::path top = root / directory;
    if (!fs::is_directory(top, ec)) {
      continue;
    }
    // A synced directory may be a link (cookbooks -> vendor/cookbooks, as Berkshelf vendoring
    // leaves it): it is packed as the directory it leads to, under its own name. One that leads
    // out of the kitchen is packed only when littlechef.cfg says so.
    if (!follow_symlinks) {
      const fs::path real = fs::canonical(top, ec);
      const fs::path real_root = fs::canonical(root, ec);
      const auto [end, _] =
          std::mismatch(real_root.begin(), real_root.end(), real.begin(), real.end());
      if (!ec && end != real_root.end()) {
        return Diagnostic{
            .file = display_path(top.string()),
            .message = "a link out of the kitchen (to " + real.string() +
                       "): a synced directory is packed from inside the kitchen only",
            .hint = "set [deploy] follow_symlinks = true in littlechef.cfg to sync it anyway"};
      }
    }
    std::vector<fs::path> entries{top};
    for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (is_version_control_name(it->path().filename().string())) {
        it.disable_recursion_pending();
        continue;
      }
      entries.push_back(it->path());
    }
    if (ec) {
      return Diagnostic{.file = display_path(top.string()),
                        .message = "cannot list directory: " + ec.message()};
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& path : entries) {
      const std::string name = path.lexically_relative(root).generic_string();
      struct stat st {};
      // The synced directory itself as what it leads to, when it is a link.
      if ((path == top ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0) {
        return Diagnostic{.file = display_path(path.string()),
                          .message = std::string("cannot read: ") + std::strerror(errno)};
      }
      if (S_ISDIR(st.st_mode)) {
        tar.add(name + "/", '5', st.st_mode, {});
      } else if (S_ISLNK(st.st_mode)) {
        tar.add(name, '2', st.st_mode, {}, fs::read_symlink(path, ec).string());
      } else if (S_ISREG(st.st_mode)) {
        auto content = read_text_file(path);
        if (!content) {
          return content.error();
        }
        tar.add(name, '0', st.st_mode, *content);
        ++files;
      }
      // Sockets, fifos and devices have no place in a kitchen; they are left out.
    }
  }
  auto archive = finish(stream, tar, files);
  if (archive) {
    for (const auto& directory : directories) {
      std::string top = fs::path(directory).lexically_normal().begin()->string();
      if (std::find(archive->synced_names.begin(), archive->synced_names.end(), top) ==
          archive->synced_names.end()) {
        archive->synced_names.push_back(std::move(top));
      }
    }
  }
  return archive;
}

}  // namespace brigade
