#include <brigade/util/line_splitter.hpp>

namespace brigade {

void LineSplitter::emit(std::string_view line) {
  if (strip_cr_ && !line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  sink_.on_line(stream_, line);
}

void LineSplitter::feed(std::string_view data) {
  while (!data.empty()) {
    auto newline = data.find('\n');
    if (newline == std::string_view::npos) {
      partial_.append(data);
      if (partial_.size() >= kMaxLine) {
        emit(partial_);
        partial_.clear();
      }
      return;
    }
    if (partial_.empty()) {
      emit(data.substr(0, newline));  // the common case: no copy
    } else {
      partial_.append(data.substr(0, newline));
      emit(partial_);
      partial_.clear();
    }
    data.remove_prefix(newline + 1);
  }
}

void LineSplitter::finish() {
  if (!partial_.empty()) {
    emit(partial_);
    partial_.clear();
  }
}

}  // namespace brigade
