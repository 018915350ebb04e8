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
#include <brigade/ssh/jump_pool.hpp>
#include <brigade/ssh/libssh2_library.hpp>
#include <brigade/ssh/session.hpp>
#include <brigade/ssh/startup_limit.hpp>

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

/// Prints the warnings about a command's input (kitchen, hooks, ssh_config, known_hosts) as they
/// are found, the first `shown` of them; the others are counted, and finish() sums them up in
/// one line that points at `brigade list warnings`. A kitchen with hundreds of nodes whose file
/// name differs from their "name" is then one screen, not hundreds of lines before every run.
class WarningPrinter {
 public:
  static constexpr std::size_t kShown = 10;
  explicit WarningPrinter(std::ostream& err, std::size_t shown = kShown)
      : err_(err), shown_(shown) {}
  WarningPrinter(const WarningPrinter&) = delete;
  WarningPrinter& operator=(const WarningPrinter&) = delete;
  ~WarningPrinter() { finish(); }

  void print(const Diagnostic& warning);
  /// The summary line, once, if warnings were held back.
  void finish();
  std::size_t count() const { return count_; }

 private:
  std::ostream& err_;
  std::size_t shown_;
  std::size_t count_ = 0;
  bool finished_ = false;
};

/// The kitchen named by `-k`, or else found from the working directory upwards.
Result<Kitchen> load_kitchen_in_effect(const std::string& kitchen_option);

/// The same, its warnings printed.
Result<Kitchen> open_kitchen(const std::string& kitchen_option, WarningPrinter& warnings);

/// The kitchen's hook definitions, validated, their warnings printed.
Result<std::vector<Hook>> open_hooks(const Kitchen& kitchen, WarningPrinter& warnings);

/// The kitchen's ssh_config settings, their warnings printed.
Result<SshSettings> open_ssh_settings(const Kitchen& kitchen, WarningPrinter& warnings);

/// A node's SSH settings with littlechef.cfg's gateway as its ProxyJump when ssh_config gives
/// it no route of its own (`ProxyJump none` is one: a direct connection), its jump hosts
/// resolved; why it cannot be reached (a bad hop, a loop) is its `unusable`.
ssh::HostConfig resolve_host(const Kitchen& kitchen, const SshSettings& settings,
                             const std::string& node);

/// The SSH settings of every node, jump hosts resolved; settings Brigade does not follow
/// (ProxyCommand, …), for a node or a jump host, are an error naming the node and the line.
Result<std::vector<ssh::HostConfig>> resolve_hosts(const Kitchen& kitchen,
                                                   const SshSettings& settings,
                                                   const std::vector<const Node*>& nodes);

/// What one jump host carries: the command line's caps, else littlechef.cfg's, else the defaults.
ssh::JumpLimits jump_limits(const LittleChefConfig& config, std::optional<std::size_t> channels,
                            std::optional<std::size_t> sessions);

/// How many connections are set up at once: --max-startups, else littlechef.cfg's, else 128.
std::size_t max_startups(const LittleChefConfig& config, std::optional<std::size_t> option);

/// What every session of a run shares, made ready before any node is contacted: libssh2, the
/// known_hosts files of every host read (skipped lines printed), key passphrases asked for on
/// the terminal and the ssh-agent connected.
class SshSetup {
 public:
  SshSetup(const std::vector<ssh::HostConfig>& hosts, WarningPrinter& warnings,
           ssh::JumpLimits jump_limits = {}, std::size_t max_startups = ssh::kDefaultMaxStartups);
  /// The nodes' sessions: at most max_startups of them being set up at once.
  ssh::SessionContext context() { return {&host_keys_, &credentials_, &jump_hosts_, &startups_}; }
  /// The run is over: the jump-host sessions end (call on the io thread, before it finishes).
  void close() { jump_hosts_.close(); }

 private:
  ssh::Libssh2Library library_;
  ssh::HostKeyStore host_keys_;
  ssh::Credentials credentials_;
  ssh::JumpHosts jump_hosts_;
  ssh::StartupLimit startups_;
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
