#include <brigade/run/bounded_runner.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <system_error>

namespace brigade {

BoundedRunner::BoundedRunner(std::size_t parallel)
    : parallel_(std::max<std::size_t>(parallel, 1)) {}

asio::awaitable<void> BoundedRunner::worker(std::size_t count, const Task& task) {
  while (!stopped() && next_ < count) {
    std::size_t index = next_++;
    co_await task(index);
  }
}

asio::awaitable<void> BoundedRunner::run(std::size_t count, Task task) {
  auto executor = co_await asio::this_coro::executor;
  next_ = 0;
  const std::size_t workers = std::min(parallel_, count);
  // A timer that never expires on its own serves as the "all done" event (chat_server.cpp).
  asio::steady_timer all_done(executor, asio::steady_timer::time_point::max());
  std::size_t running = workers;
  signals_.clear();
  for (std::size_t w = 0; w < workers; ++w) {
    signals_.push_back(std::make_unique<asio::cancellation_signal>());
    asio::co_spawn(executor, worker(count, task),
                   asio::bind_cancellation_slot(
                       signals_.back()->slot(), [this, &running, &all_done](std::exception_ptr e) {
                         if (e && !first_error_) {
                           try {
                             std::rethrow_exception(e);
                           } catch (const std::system_error& error) {
                             if (error.code() != asio::error::operation_aborted) {
                               first_error_ = e;
                             }
                           } catch (...) {
                             first_error_ = e;
                           }
                         }
                         if (--running == 0) {
                           all_done.cancel();
                         }
                       }));
  }
  while (running > 0) {
    co_await all_done.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  }
  signals_.clear();
  if (first_error_) {
    std::rethrow_exception(std::exchange(first_error_, nullptr));
  }
}

void BoundedRunner::cancel() {
  if (cancelled_) {
    return;
  }
  cancelled_ = true;
  for (auto& signal : signals_) {
    signal->emit(asio::cancellation_type::terminal);
  }
}

}  // namespace brigade
