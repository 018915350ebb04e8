#pragma once

#include <memory>
#include <string>

namespace brigade {

/// Overwrites `text`'s bytes in a way the compiler may not drop, then empties it: a password or
/// key that is no longer needed does not stay in memory (or in a core file, were one written).
void wipe(std::string& text);

/// A secret for the run's holders to share (the sudo password, the data bag secret): its bytes
/// are wiped when the last holder lets go. `text` is moved from.
std::shared_ptr<const std::string> shared_secret(std::string&& text);

/// A string that wipes itself when it goes (a secret kept for the run, read once).
struct WipedString {
  std::string text;
  WipedString() = default;
  explicit WipedString(std::string value) : text(std::move(value)) {}
  WipedString(const WipedString&) = default;
  WipedString& operator=(const WipedString&) = default;
  ~WipedString() { wipe(text); }
};

}  // namespace brigade
