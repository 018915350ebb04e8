#pragma once

// How many of a run's connections are being set up at once. At --parallel 1024 against a fleet
// whose kitchen is unchanged, nodes spend most of their time in the SSH handshake, where the
// client's and the servers' CPUs are the bottleneck: a thousand handshakes at once each take a
// thousand times longer (ConnectTimeout fires) and each holds a libssh2 session (~55 KB) and a
// socket meanwhile. Measured at 10,000 nodes, parallel 1024, on one loopback sshd (fix, see
// bench/bench_scale.sh): at most 128 setting up, the run took 115.8 s instead of 120.5 s and
// peaked at 85 MiB instead of 132 MiB.

#include <asio/awaitable.hpp>

#include <cstddef>
#include <list>

namespace brigade::ssh {

/// The default of --max-startups: past it, more at once only queue inside the CPUs.
inline constexpr std::size_t kDefaultMaxStartups = 128;

/// A counting semaphore for coroutines on one io_context thread (the sessions' thread; not
/// thread-safe). Slots are granted in the order they were asked for.
class StartupLimit {
 public:
  explicit StartupLimit(std::size_t most = kDefaultMaxStartups);
  StartupLimit(const StartupLimit&) = delete;
  StartupLimit& operator=(const StartupLimit&) = delete;

  /// One connection's right to be set up; gives it back when destroyed or released.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    ~Slot();
    void release();

   private:
    friend class StartupLimit;
    explicit Slot(StartupLimit* limit) : limit_(limit) {}
    StartupLimit* limit_ = nullptr;
  };

  /// Waits for a free slot. A cancelled wait (the run aborted, the node's timeout) throws
  /// std::system_error (operation_aborted) and takes no slot.
  asio::awaitable<Slot> acquire();

  std::size_t in_use() const { return in_use_; }
  std::size_t waiting() const { return waiters_.size(); }

 private:
  struct Waiter;
  void give_back();

  std::size_t most_;
  std::size_t in_use_ = 0;
  std::list<Waiter*> waiters_;  ///< First come, first served.
};

}  // namespace brigade::ssh
