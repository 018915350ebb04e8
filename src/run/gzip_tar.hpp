#pragma once

#include <brigade/util/result.hpp>

#include <zlib.h>

#include <string>
#include <string_view>

namespace brigade {

/// A tar stream gzip-compressed as it is written, piece by piece, so that no single deflate call
/// sees more than zlib's 32-bit avail_in can count (a kitchen over 4 GiB was cut silently).
/// The gzip header has a zero timestamp: equal input gives equal bytes.
class GzipStream {
 public:
  GzipStream();
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  void write(std::string_view data);
  std::size_t bytes_in() const { return bytes_in_; }
  /// The compressed stream; nothing may be written after it.
  Result<std::string> finish();

 private:
  void deflate_some(std::string_view data, int flush);

  z_stream zlib_{};
  bool ok_ = false;
  bool started_ = false;
  std::size_t bytes_in_ = 0;
  std::string out_;
  std::size_t used_ = 0;
};

/// POSIX ustar members (owner root, time 0), with a pax extended header for a name or link
/// target that does not fit.
class TarWriter {
 public:
  explicit TarWriter(GzipStream& out) : out_(out) {}

  /// `type`: '0' a file, '5' a directory (name ending in '/'), '2' a symbolic link.
  void add(const std::string& name, char type, unsigned mode, std::string_view content,
           const std::string& link_target = {});
  /// The end-of-archive marker: two zero blocks.
  void finish();

 private:
  void add_pax_record(const std::string& key, const std::string& value);
  void header(const std::string& name, const std::string& prefix, char type, unsigned mode,
              std::size_t size, const std::string& link);
  void pad(std::size_t size);

  GzipStream& out_;
};

}  // namespace brigade
