#pragma once

// What the commands do before (and around) their own work, in one place: printing
// diagnostics, opening the kitchen, its hooks and its ssh_config, resolving the selected nodes'
// SSH settings, preparing host keys and credentials, and driving a run on an io_context with
// SIGINT/SIGTERM watched.

#include <brigade/kitchen/hooks.hpp>
#include <brigade/kitchen/kitchen.hpp>
#include <brigade/run/fleet_run.hpp>
#include <brigade/run/ssh_settings.hpp>
#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>
#include <brigade/ssh/session.hpp>

#include <asio/io_context.hpp>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace brigade {

/// Prints `brigade: error: …` with the diagnostic's location and caret.
void print_error(std::ostream& err, const Diagnostic& diagnostic);
/// Prints `brigade: warning: …`.
void print_warning(std::ostream& err, const Diagnostic& diagnostic);

/// The kitchen named by `-k` (or found from the working directory), its warnings printed.
Result<Kitchen> open_kitchen(const std::string& kitchen_option, std::ostream& err);

/// The kitchen's hook definitions, validated, their warnings printed.
Result<std::vector<Hook>> open_hooks(const Kitchen& kitchen, std::ostream& err);

/// The kitchen's ssh_config settings, their warnings printed.
Result<SshSettings> open_ssh_settings(const Kitchen& kitchen, std::ostream& err);

/// A node's SSH settings with littlechef.cfg's gateway as its ProxyJump when it has none.
ssh::HostConfig resolve_host(const Kitchen& kitchen, const SshSettings& settings,
                             const std::string& node);

/// The SSH settings of every node; jump hosts (not supported yet) and settings Brigade does not
/// follow (ProxyCommand, …) are an error naming the node and the ssh_config line.
Result<std::vector<ssh::HostConfig>> resolve_hosts(const Kitchen& kitchen,
                                                   const SshSettings& settings,
                                                   const std::vector<const Node*>& nodes);

/// What every session of a run shares, made ready before any node is contacted: libssh2, the
/// known_hosts files of every host read (skipped lines printed), key passphrases asked for on
/// the terminal and the ssh-agent connected.
class SshSetup {
 public:
  SshSetup(const std::vector<ssh::HostConfig>& hosts, std::ostream& err);
  ssh::SessionContext context() { return {&host_keys_, &credentials_}; }

 private:
  ssh::Libssh2Library library_;
  ssh::HostKeyStore host_keys_;
  ssh::Credentials credentials_;
};

/// How a run driven by drive_run() ended.
struct DrivenRun {
  int signal = 0;  ///< SIGINT or SIGTERM if one interrupted it.
  /// What escaped the run (a bug): the caller writes what it can, then rethrows it.
  std::exception_ptr failure;
};

/// Runs `run` to its end on `context`. The first SIGINT or SIGTERM calls `announce(signal)` and
/// then interrupts the run; a second one ends Brigade at once. `ended`, if given, is called on
/// the io thread when the run is over (to stop the caller's own timers).
DrivenRun drive_run(asio::io_context& context, FleetRun& run,
                    const std::function<void(int signal)>& announce,
                    const std::function<void()>& ended = {});

}  // namespace brigade
