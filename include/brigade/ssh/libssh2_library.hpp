#pragma once

namespace brigade::ssh {

/// libssh2_init / libssh2_exit for the process: one instance in main (or a test), before any
/// session and on the thread that will use them (libssh2_init is not thread-safe).
class Libssh2Library {
 public:
  Libssh2Library();
  ~Libssh2Library();
  Libssh2Library(const Libssh2Library&) = delete;
  Libssh2Library& operator=(const Libssh2Library&) = delete;
};

}  // namespace brigade::ssh
