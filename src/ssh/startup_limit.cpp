#include <brigade/ssh/startup_limit.hpp>

#include <asio/error.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <system_error>
#include <utility>

namespace brigade::ssh {

/// A coroutine waiting in acquire(): woken by give_back() cancelling its timer.
struct StartupLimit::Waiter {
  asio::steady_timer* timer;
  bool granted = false;  ///< give_back() handed it a slot (and took it off the queue).
};

StartupLimit::StartupLimit(std::size_t most) : most_(std::max<std::size_t>(most, 1)) {}

StartupLimit::Slot::Slot(Slot&& other) noexcept : limit_(std::exchange(other.limit_, nullptr)) {}

StartupLimit::Slot& StartupLimit::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    limit_ = std::exchange(other.limit_, nullptr);
  }
  return *this;
}

StartupLimit::Slot::~Slot() {
  release();
}

void StartupLimit::Slot::release() {
  if (auto* limit = std::exchange(limit_, nullptr)) {
    limit->give_back();
  }
}

void StartupLimit::give_back() {
  if (waiters_.empty()) {
    --in_use_;
    return;
  }
  // The slot passes to the first waiter as it is: in_use_ does not change.
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  next->granted = true;
  next->timer->cancel();
}

asio::awaitable<StartupLimit::Slot> StartupLimit::acquire() {
  if (in_use_ < most_ && waiters_.empty()) {
    ++in_use_;
    co_return Slot(this);
  }
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           std::chrono::steady_clock::time_point::max());
  Waiter waiter{&timer};
  // Leaves the queue however this frame ends; a slot granted to a frame destroyed before it
  // resumed is passed on, never lost.
  struct Queued {
    StartupLimit& limit;
    Waiter& waiter;
    std::list<Waiter*>::iterator place;
    bool taken = false;
    ~Queued() {
      if (!waiter.granted) {
        limit.waiters_.erase(place);
      } else if (!taken) {
        limit.give_back();
      }
    }
  } queued{*this, waiter, waiters_.insert(waiters_.end(), &waiter)};
  std::error_code error;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
  if (waiter.granted) {
    queued.taken = true;
    co_return Slot(this);
  }
  throw std::system_error(error ? error : asio::error::operation_aborted,
                          "waiting to set up a connection");
}

}  // namespace brigade::ssh
