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

// POSIX ustar, with a pax extended header for a name that does not fit (ninety-nine bytes, or
// a 155-byte prefix and a 100-byte name).
class TarWriter {
 public:
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
    data_.append(content);
    pad();
  }

  /// What has been added so far.
  std::string_view bytes() const { return data_; }

  std::string finish() {
    data_.append(2 * kBlock, '\0');
    return std::move(data_);
  }

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
    data_.append(record);
    pad();
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
    data_.append(block, kBlock);
  }

  void pad() {
    if (std::size_t rest = data_.size() % kBlock; rest != 0) {
      data_.append(kBlock - rest, '\0');
    }
  }

  std::string data_;
};

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < length; ++i) {
    hex += fmt::format("{:02x}", digest[i]);
  }
  return hex;
}

// gzip with a zero timestamp in its header, so equal input gives equal bytes.
Result<std::string> gzip(std::string_view data) {
  z_stream stream{};
  if (deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Diagnostic{.message = "cannot start gzip compression"};
  }
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    return Diagnostic{.message = "gzip compression failed"};
  }
  return out;
}

Result<KitchenArchive> finish(TarWriter& tar, std::size_t files) {
  KitchenArchive archive;
  archive.digest = sha256_hex(tar.bytes());
  tar.add(kKitchenDigestFile, '0', 0644, archive.digest + "\n");
  std::string data = tar.finish();
  archive.tar_bytes = data.size();
  archive.files = files;
  auto compressed = gzip(data);
  if (!compressed) {
    return compressed.error();
  }
  archive.gzip = std::make_shared<const std::string>(std::move(*compressed));
  return archive;
}

}  // namespace

Result<KitchenArchive> build_kitchen_archive(const fs::path& root,
                                             const std::vector<std::string>& directories) {
  TarWriter tar;
  std::size_t files = 0;
  for (const auto& directory : directories) {
    std::error_code ec;
    const fs::path top = root / directory;
    if (!fs::is_directory(top, ec)) {
      continue;
    }
    std::vector<fs::path> entries{top};
    for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
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
      if (::lstat(path.c_str(), &st) != 0) {
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
  auto archive = finish(tar, files);
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
