#pragma once

#include <string_view>

namespace brigade {

/// Which stream a line of output came from.
enum class OutputStream { out, err };

/// Receives a command's output as whole lines (without the newline); a last line without a
/// newline is delivered when the command ends.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual void on_line(OutputStream stream, std::string_view line) = 0;
};

}  // namespace brigade
