#pragma once

// Frees finished sessions off the io_context thread. Private to src/ssh/.

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

  /// The process's reaper while a Libssh2Library exists, else nullptr.
  static SessionReaper* instance();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::pair<_LIBSSH2_SESSION*, int>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace brigade::ssh
