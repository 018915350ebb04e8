#include <brigade/cli/status_line.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace brigade {

namespace {

bool terminal_is_smart(std::FILE* stream) {
  if (!::isatty(::fileno(stream))) {
    return false;
  }
  const char* term = std::getenv("TERM");
  return term != nullptr && std::strcmp(term, "dumb") != 0;
}

std::size_t terminal_width(std::FILE* stream) {
  winsize size{};
  if (::ioctl(::fileno(stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 80;
}

}  // namespace

std::string elide_middle(std::string_view text, std::size_t width) {
  if (text.size() <= width) {
    return std::string(text);
  }
  if (width <= 3) {
    return std::string(text.substr(0, width));
  }
  const std::size_t keep = width - 3;
  const std::size_t head = (keep + 1) / 2;
  return std::string(text.substr(0, head)) + "..." +
         std::string(text.substr(text.size() - (keep - head)));
}

StatusLine::StatusLine(std::FILE* stream)
    : StatusLine(stream, terminal_is_smart(stream), terminal_width(stream)) {}

StatusLine::StatusLine(std::FILE* stream, bool smart, std::size_t width)
    : stream_(stream), smart_(smart), width_(width) {}

void StatusLine::print_line(std::string_view line) {
  if (smart_ && shown_) {
    std::fputs("\r\x1b[K", stream_);
  }
  std::fwrite(line.data(), 1, line.size(), stream_);
  std::fputc('\n', stream_);
  shown_ = false;
  redraw();
}

void StatusLine::set_status(std::string status, bool fitted) {
  status_ = std::move(status);
  fitted_ = fitted;
  redraw();
}

void StatusLine::finish() {
  if (smart_ && shown_) {
    std::fputs("\r\x1b[K", stream_);
    shown_ = false;
  }
  status_.clear();
  std::fflush(stream_);
}

void StatusLine::redraw() {
  if (!smart_ || status_.empty()) {
    std::fflush(stream_);
    return;
  }
  // One column short: writing the last column makes some terminals wrap.
  std::string shown = fitted_ ? status_ : elide_middle(status_, width_ > 1 ? width_ - 1 : width_);
  std::fprintf(stream_, "\r%s\x1b[K", shown.c_str());
  shown_ = true;
  std::fflush(stream_);
}

}  // namespace brigade
