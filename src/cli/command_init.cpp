#include <brigade/cli/command_setup.hpp>
#include <brigade/cli/commands.hpp>
#include <brigade/kitchen/kitchen_init.hpp>
#include <brigade/util/exit_status.hpp>

namespace brigade {

int init(const std::string& directory, std::ostream& out, std::ostream& err) {
  auto created = init_kitchen(directory.empty() ? "." : directory);
  if (!created) {
    print_error(err, created.error());
    return kExitUsage;
  }
  for (const auto& path : *created) {
    out << "created " << path << '\n';
  }
  return kExitSuccess;
}

}  // namespace brigade
