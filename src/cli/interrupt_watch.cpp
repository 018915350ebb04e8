#include <brigade/cli/interrupt_watch.hpp>

#include <csignal>

namespace brigade {

InterruptWatch::InterruptWatch(asio::io_context& context,
                               std::function<void(int signal)> on_interrupt)
    : signals_(context, SIGINT, SIGTERM, SIGHUP), on_interrupt_(std::move(on_interrupt)) {
  signals_.async_wait([this](const asio::error_code& error, int signal) {
    if (error) {
      return;  // stopped
    }
    signal_ = signal;
    // The default action does not wait for this handler to run again.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGHUP, SIG_DFL);
    on_interrupt_(signal);
  });
}

}  // namespace brigade
