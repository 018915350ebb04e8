#include <brigade/util/stdout_watch.hpp>

#include <cerrno>
#include <cstdio>

namespace brigade {

StdoutWatch::StdoutWatch(std::ostream& stream) : stream_(stream), next_(stream.rdbuf()) {
  stream_.rdbuf(this);
}

StdoutWatch::~StdoutWatch() {
  stream_.rdbuf(next_);
}

int StdoutWatch::flush_and_check() {
  stream_.flush();
  if (std::fflush(stdout) != 0) {  // what stdio holds (the status line writes there)
    record();
  }
  return error_;
}

int StdoutWatch::overflow(int c) {
  if (c == traits_type::eof()) {
    return 0;
  }
  errno = 0;
  if (next_->sputc(static_cast<char>(c)) == traits_type::eof()) {
    record();
    return traits_type::eof();
  }
  return c;
}

std::streamsize StdoutWatch::xsputn(const char* text, std::streamsize count) {
  errno = 0;
  const std::streamsize written = next_->sputn(text, count);
  if (written < count) {
    record();
  }
  return written;
}

int StdoutWatch::sync() {
  errno = 0;
  if (next_->pubsync() == -1) {
    record();
    return -1;
  }
  return 0;
}

void StdoutWatch::record() {
  if (error_ == 0) {
    error_ = errno != 0 ? errno : EIO;
  }
}

}  // namespace brigade
