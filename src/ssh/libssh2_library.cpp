#include "session_reaper.hpp"

#include <brigade/ssh/libssh2_library.hpp>

#include <libssh2.h>

#include <stdexcept>

namespace brigade::ssh {

Libssh2Library::Libssh2Library() {
  if (libssh2_init(0) != 0) {
    throw std::runtime_error("libssh2_init failed");
  }
  reaper_ = std::make_unique<SessionReaper>();
}

Libssh2Library::~Libssh2Library() {
  reaper_.reset();  // every session is freed before libssh2 goes
  libssh2_exit();
}

}  // namespace brigade::ssh
