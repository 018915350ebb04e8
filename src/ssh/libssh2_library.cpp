#include <brigade/ssh/libssh2_library.hpp>

#include <libssh2.h>

#include <stdexcept>

namespace brigade::ssh {

Libssh2Library::Libssh2Library() {
  if (libssh2_init(0) != 0) {
    throw std::runtime_error("libssh2_init failed");
  }
}

Libssh2Library::~Libssh2Library() {
  libssh2_exit();
}

}  // namespace brigade::ssh
