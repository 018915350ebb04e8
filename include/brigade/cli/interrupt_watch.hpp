#pragma once

// SIGINT, SIGTERM and SIGHUP for the commands that run many nodes. Internal to brigade_core.

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include <functional>
#include <vector>

namespace brigade {

/// Watches for SIGINT, SIGTERM and SIGHUP (the terminal closed: the operator is gone, so the
/// run stops as on SIGINT, writing its report and running its global post hooks) while a run
/// goes on: the first one calls `on_interrupt` on the
/// io thread (stop starting, cancel what is in flight) and restores the default actions, so
/// that a second one ends Brigade at once even if something holds the io thread (a wedged
/// ssh-agent, a hook that ignores TERM for its 5 s).
class InterruptWatch {
 public:
  InterruptWatch(asio::io_context& context, std::function<void(int signal)> on_interrupt);

  /// The run is over: a signal from now on is not the run's business.
  void stop() { signals_.cancel(); }

  /// The signal that interrupted the run, or 0.
  int signal() const { return signal_; }

 private:
  asio::signal_set signals_;
  std::vector<int> watched_;  ///< Those not ignored when Brigade started.
  std::function<void(int)> on_interrupt_;
  int signal_ = 0;
};

}  // namespace brigade
