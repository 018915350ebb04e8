#pragma once

#include <ostream>
#include <streambuf>

namespace brigade {

/// Watches every write to `stream` (std::cout) for the first that fails and keeps its errno:
/// a reader that went away (`| head -1`, EPIPE once SIGPIPE is ignored) or a full disk
/// (`> /dev/full`) loses the output, and Brigade says so rather than exit 0. Writes go on
/// through the stream's own buffer, in order with everything else written to stdout.
class StdoutWatch : private std::streambuf {
 public:
  explicit StdoutWatch(std::ostream& stream);
  ~StdoutWatch() override;
  StdoutWatch(const StdoutWatch&) = delete;
  StdoutWatch& operator=(const StdoutWatch&) = delete;

  /// Flushes; the errno of the first failed write, or 0.
  int flush_and_check();

 private:
  int overflow(int c) override;
  std::streamsize xsputn(const char* text, std::streamsize count) override;
  int sync() override;
  void record();

  std::ostream& stream_;
  std::streambuf* next_;
  int error_ = 0;
};

}  // namespace brigade
