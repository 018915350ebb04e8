#pragma once

#include <memory>

namespace brigade::ssh {

class SessionReaper;

/// libssh2_init / libssh2_exit for the process, and the thread that frees finished sessions:
/// one instance in main (or a test), created before any session on the thread that will use
/// them (libssh2_init is not thread-safe), destroyed after the last one.
class Libssh2Library {
 public:
  Libssh2Library();
  ~Libssh2Library();
  Libssh2Library(const Libssh2Library&) = delete;
  Libssh2Library& operator=(const Libssh2Library&) = delete;

 private:
  std::unique_ptr<SessionReaper> reaper_;
};

}  // namespace brigade::ssh
