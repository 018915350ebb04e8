#pragma once

#include "support/temp_dir.hpp"

#include <brigade/ssh/known_hosts.hpp>

#include <string>

namespace brigade::test {

/// A real key made by ssh-keygen in a test's directory, as known_hosts would hold it.
struct GeneratedKey {
  ssh::HostKey key;
  std::string public_line;  ///< "ssh-ed25519 AAAA…" (type and key, no comment)
};

/// Makes `dir`/`name` and `name`.pub with ssh-keygen -t `type`.
GeneratedKey generate_key(const TempDir& dir, const std::string& name,
                          const std::string& type = "ed25519");

}  // namespace brigade::test
