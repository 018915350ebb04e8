#include <brigade/cli/interrupt_watch.hpp>

#include <signal.h>

#include <csignal>

namespace brigade {

namespace {

// A signal ignored when Brigade started stays ignored, as POSIX utilities keep it: `nohup
// brigade fix …` goes on when the terminal closes, a background job of a script is not
// stopped by a Ctrl-C meant for the foreground.
bool ignored_at_start(int signal) {
  struct sigaction current {};
  return ::sigaction(signal, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}

}  // namespace

InterruptWatch::InterruptWatch(asio::io_context& context,
                               std::function<void(int signal)> on_interrupt)
    : signals_(context), on_interrupt_(std::move(on_interrupt)) {
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    if (!ignored_at_start(signal)) {
      signals_.add(signal);
      watched_.push_back(signal);
    }
  }
  signals_.async_wait([this](const asio::error_code& error, int signal) {
    if (error) {
      return;  // stopped
    }
    signal_ = signal;
    // The default action does not wait for this handler to run again.
    for (int watched : watched_) {
      std::signal(watched, SIG_DFL);
    }
    on_interrupt_(signal);
  });
}

}  // namespace brigade
