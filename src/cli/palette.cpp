#include <brigade/cli/palette.hpp>
#include <brigade/util/spellcheck.hpp>

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace brigade {

Result<ColorChoice> parse_color_choice(std::string_view text) {
  if (text == "auto") {
    return ColorChoice::automatic;
  }
  if (text == "always") {
    return ColorChoice::always;
  }
  if (text == "never") {
    return ColorChoice::never;
  }
  return Diagnostic{
      .message = "--color: expected auto, always or never, got '" + std::string(text) + "'",
      .hint = did_you_mean(closest_matches(std::string(text), {"auto", "always", "never"}, 1))};
}

Palette Palette::for_stream(ColorChoice choice, std::FILE* stream, bool is_stream) {
  switch (choice) {
    case ColorChoice::always:
      return Palette(true);
    case ColorChoice::never:
      return Palette(false);
    case ColorChoice::automatic:
      break;
  }
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return Palette(is_stream && ::isatty(::fileno(stream)) &&
                 (no_color == nullptr || *no_color == '\0') && term != nullptr &&
                 std::strcmp(term, "dumb") != 0);
}

std::string Palette::paint(std::string_view sgr, std::string_view text) const {
  if (!on_) {
    return std::string(text);
  }
  std::string painted(sgr);
  painted += text;
  painted += "\x1b[0m";
  return painted;
}

}  // namespace brigade
