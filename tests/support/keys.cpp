#include "support/keys.hpp"

#include "support/process.hpp"

#include <fstream>

namespace brigade::test {

GeneratedKey generate_key(const TempDir& dir, const std::string& name, const std::string& type) {
  const std::string path = dir.str() + "/" + name;
  run_shell_ok("ssh-keygen -q -t " + type + " -N '' -C test -f " + path);
  std::ifstream in(path + ".pub");
  std::string key_type, base64;
  in >> key_type >> base64;
  return {ssh::HostKey{key_type, ssh::base64_decode(base64).value()}, key_type + " " + base64};
}

}  // namespace brigade::test
