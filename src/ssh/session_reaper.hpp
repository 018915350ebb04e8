#pragma once

// Frees finished sessions off the io_context thread. Private to src/ssh/.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

struct _LIBSSH2_SESSION;

namespace brigade::ssh {

/// Closing a TCP connection wakes its peer, and on a VM that wake-up (an IPI to the other CPU)
/// can cost the closing thread a millisecond. Paid on the io_context thread, 500 cancelled
/// sessions would take half a second to end; the reaper pays it on its own thread instead.
/// A session handed over is no longer touched by anyone else (libssh2's one-thread-at-a-time
/// rule holds).
class SessionReaper {
 public:
  SessionReaper();
  ~SessionReaper();  // frees everything still queued, then joins
  SessionReaper(const SessionReaper&) = delete;
  SessionReaper& operator=(const SessionReaper&) = delete;

  /// Takes `session` and the socket `fd` it runs on: shuts the connection down so that no
  /// libssh2 call can wait on the peer, frees the session, then closes the fd.
  void dispose(_LIBSSH2_SESSION* session, int fd);

  /// Disposes of a session on the calling thread (also the fallback without a reaper).
  static void dispose_now(_LIBSSH2_SESSION* session, int fd);

  /// Takes a child process that was told to stop (a ProxyCommand): waits for it off the io
  /// thread, and kills it if it has not ended within a second.
  void reap_child(pid_t pid);
  /// The same on the calling thread (the fallback without a reaper).
  static void reap_child_now(pid_t pid);

  /// The process's reaper while a Libssh2Library exists, else nullptr.
  static SessionReaper* instance();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::pair<_LIBSSH2_SESSION*, int>> queue_;
  struct Child {
    pid_t pid;
    std::chrono::steady_clock::time_point killed_after;
  };
  std::vector<Child> children_;  ///< The reaper thread's own.
  std::vector<pid_t> new_children_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace brigade::ssh
