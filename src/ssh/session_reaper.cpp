#include "session_reaper.hpp"

#include <libssh2.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

namespace brigade::ssh {

namespace {
std::atomic<SessionReaper*> g_reaper{nullptr};
}  // namespace

SessionReaper::SessionReaper() : thread_([this] { run(); }) {
  g_reaper = this;
}

SessionReaper::~SessionReaper() {
  g_reaper = nullptr;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

SessionReaper* SessionReaper::instance() {
  return g_reaper.load();
}

void SessionReaper::dispose_now(LIBSSH2_SESSION* session, int fd) {
  // With the connection shut down every send and receive fails at once, so
  // libssh2_session_free (in blocking mode, it would otherwise wait for the peer while it
  // flushes what is queued) returns at once. The session is freed before the fd is closed:
  // libssh2 does not own it, and a closed number could be reused.
  if (fd >= 0) {
    ::shutdown(fd, SHUT_RDWR);
  }
  if (session != nullptr) {
    libssh2_session_set_blocking(session, 1);
    libssh2_session_free(session);
  }
  if (fd >= 0) {
    ::close(fd);
  }
}

void SessionReaper::dispose(LIBSSH2_SESSION* session, int fd) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    was_empty = queue_.empty();
    queue_.emplace_back(session, fd);
  }
  // Only the first of a burst wakes the reaper, which then polls: a wake-up is a system call
  // and, on a VM, an interrupt to another CPU, and the io thread should not pay one per session.
  if (was_empty) {
    wake_.notify_one();
  }
}

// Disposal waits until the io thread has handed nothing over for kQuiet (at most kMaxDelay
// after the first): a burst, such as a cancelled run, then finishes on the io thread before the
// peers' wake-ups start competing with it for the machine.
void SessionReaper::run() {
  using Clock = std::chrono::steady_clock;
  constexpr auto kQuiet = std::chrono::milliseconds(10);
  constexpr auto kMaxDelay = std::chrono::milliseconds(100);
  std::vector<std::pair<LIBSSH2_SESSION*, int>> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      const auto first = Clock::now();
      std::size_t seen = queue_.size();
      while (!stopping_ && Clock::now() - first < kMaxDelay) {
        lock.unlock();
        std::this_thread::sleep_for(kQuiet);
        lock.lock();
        if (queue_.size() == seen) {
          break;
        }
        seen = queue_.size();
      }
      if (queue_.empty() && stopping_) {
        return;
      }
      batch.swap(queue_);
    }
    for (auto [session, fd] : batch) {
      dispose_now(session, fd);
    }
    batch.clear();
  }
}

}  // namespace brigade::ssh
