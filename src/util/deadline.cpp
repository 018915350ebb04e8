#include <brigade/util/deadline.hpp>

#include <fmt/format.h>

#include <cmath>

namespace brigade {

std::string seconds_text(std::chrono::steady_clock::duration duration) {
  double seconds = std::chrono::duration<double>(duration).count();
  if (std::fabs(seconds - std::round(seconds)) < 1e-9) {
    return fmt::format("{} s", static_cast<long long>(std::round(seconds)));
  }
  return fmt::format("{:.1f} s", seconds);
}

}  // namespace brigade
