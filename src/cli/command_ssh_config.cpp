#include <brigade/cli/command_setup.hpp>
#include <brigade/cli/commands.hpp>
#include <brigade/util/exit_status.hpp>
#include <brigade/util/spellcheck.hpp>

namespace brigade {

int ssh_config(const SshConfigOptions& options, std::ostream& out, std::ostream& err) {
  WarningPrinter warnings(err);
  auto kitchen = open_kitchen(options.kitchen, warnings);
  if (!kitchen) {
    print_error(err, kitchen.error());
    return kExitUsage;
  }
  auto settings = open_ssh_settings(*kitchen, warnings);
  if (!settings) {
    print_error(err, settings.error());
    return kExitUsage;
  }
  if (kitchen->find_node(options.node) == nullptr) {
    print_warning(
        err,
        Diagnostic{.message = "'" + options.node + "' is not a node of this kitchen",
                   .hint = did_you_mean(closest_matches(options.node, kitchen->node_names()))});
  }
  out << resolve_host(*kitchen, *settings, options.node).render();
  return kExitSuccess;
}

}  // namespace brigade
