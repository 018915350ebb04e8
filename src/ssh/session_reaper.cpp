#include "session_reaper.hpp"

#include <libssh2.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

void SessionReaper::reap_child_now(pid_t pid) {
  for (int attempt = 0; attempt < 100; ++attempt) {  // a second, then it is killed
    if (::waitpid(pid, nullptr, WNOHANG) != 0) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(-pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

void SessionReaper::reap_child(pid_t pid) {
  {
    std::lock_guard lock(mutex_);
    new_children_.push_back(pid);
  }
  wake_.notify_one();
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
  constexpr auto kChildGrace = std::chrono::seconds(1);
  std::vector<std::pair<LIBSSH2_SESSION*, int>> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      auto ready = [this] { return stopping_ || !queue_.empty() || !new_children_.empty(); };
      if (children_.empty()) {
        wake_.wait(lock, ready);
      } else {
        wake_.wait_for(lock, kQuiet * 5, ready);  // children to look after: look again soon
      }
      for (pid_t pid : new_children_) {
        children_.push_back(Child{pid, Clock::now() + kChildGrace});
      }
      new_children_.clear();
      if (!queue_.empty()) {
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
      }
      if (queue_.empty() && stopping_) {
        for (const auto& child : children_) {
          ::kill(-child.pid, SIGKILL);
          ::waitpid(child.pid, nullptr, 0);
        }
        return;
      }
      batch.swap(queue_);
    }
    for (auto [session, fd] : batch) {
      dispose_now(session, fd);
    }
    batch.clear();
    std::erase_if(children_, [now = Clock::now()](const Child& child) {
      if (::waitpid(child.pid, nullptr, WNOHANG) != 0) {
        return true;
      }
      if (now >= child.killed_after) {
        ::kill(-child.pid, SIGKILL);
      }
      return false;
    });
  }
}

}  // namespace brigade::ssh
