#pragma once

// Cuts a byte stream into lines for an OutputSink.

#include <brigade/util/output_sink.hpp>

#include <string>
#include <string_view>

namespace brigade {

class LineSplitter {
 public:
  /// A line longer than this is delivered in pieces of this size: output without newlines
  /// must not grow memory without bound (SSH output and hook output alike).
  static constexpr std::size_t kMaxLine = 1 << 20;

  LineSplitter(OutputSink& sink, OutputStream stream, bool strip_cr)
      : sink_(sink), stream_(stream), strip_cr_(strip_cr) {}

  /// Delivers every complete line in `data`; keeps the rest for the next call.
  void feed(std::string_view data);
  /// Delivers what is left as a last line (a command's output need not end in a newline).
  void finish();

 private:
  void emit(std::string_view line);

  OutputSink& sink_;
  OutputStream stream_;
  bool strip_cr_;
  std::string partial_;
};

}  // namespace brigade
