#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

namespace brigade {

/// Runs many tasks with at most N in flight: N worker coroutines take the next index from a
/// shared cursor (ninja's CanRunMore as data, not threads), so a freed slot is refilled at
/// once. One call to cancel() stops new starts and cancels every running task (terminal).
class BoundedRunner {
 public:
  using Task = std::function<asio::awaitable<void>(std::size_t index)>;

  explicit BoundedRunner(std::size_t parallel);

  /// Runs `task(0)` … `task(count - 1)` on the caller's executor and returns when every
  /// started task has finished. Tasks report their own results; one that throws (other than
  /// by cancellation) has its exception rethrown here once all have finished.
  asio::awaitable<void> run(std::size_t count, Task task);

  /// Stops starting tasks and cancels those running. Call on the runner's executor.
  void cancel();
  bool cancelled() const { return cancelled_; }

  /// Stops starting tasks; those running finish normally.
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_ || cancelled_; }

 private:
  asio::awaitable<void> worker(std::size_t count, const Task& task);

  std::size_t parallel_;
  std::size_t next_ = 0;
  bool cancelled_ = false;
  bool stopped_ = false;
  std::vector<std::unique_ptr<asio::cancellation_signal>> signals_;
  std::exception_ptr first_error_;
};

}  // namespace brigade
