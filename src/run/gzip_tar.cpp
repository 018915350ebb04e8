#include "gzip_tar.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace brigade {

namespace {
constexpr std::size_t kBlock = 512;
constexpr std::size_t kPiece = 1 << 20;
}  // namespace

GzipStream::GzipStream() {
  ok_ = deflateInit2(&zlib_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  started_ = ok_;
}

GzipStream::~GzipStream() {
  if (started_) {
    deflateEnd(&zlib_);
  }
}

void GzipStream::write(std::string_view data) {
  bytes_in_ += data.size();
  deflate_some(data, Z_NO_FLUSH);
}

Result<std::string> GzipStream::finish() {
  deflate_some({}, Z_FINISH);
  if (!ok_) {
    return Diagnostic{.message = "gzip compression of the kitchen failed"};
  }
  // A copy of exactly the stream: the buffer grew past it (and g++ 12 warns falsely,
  // -Wrestrict, on shrinking it in place).
  return std::string(out_.data(), used_);
}

void GzipStream::deflate_some(std::string_view data, int flush) {
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

void TarWriter::add(const std::string& name, char type, unsigned mode, std::string_view content,
                    const std::string& link_target) {
  std::string stored = name;
  std::string prefix;
  if (stored.size() > 100) {
    auto slash = stored.rfind('/', 155);
    if (slash != std::string::npos && stored.size() - slash - 1 <= 100 && slash > 0) {
      prefix = stored.substr(0, slash);
      stored = stored.substr(slash + 1);
    } else {
      add_pax_record("path", name);
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

void TarWriter::finish() {
  out_.write(std::string(2 * kBlock, '\0'));
}

void TarWriter::add_pax_record(const std::string& key, const std::string& value) {
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

void TarWriter::header(const std::string& name, const std::string& prefix, char type, unsigned mode,
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
  octal(136, 12, 0);  // mtime: fixed, so equal kitchens give equal streams
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

void TarWriter::pad(std::size_t size) {
  if (std::size_t rest = size % kBlock; rest != 0) {
    out_.write(std::string(kBlock - rest, '\0'));
  }
}

}  // namespace brigade
