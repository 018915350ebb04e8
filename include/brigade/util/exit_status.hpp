#pragma once

namespace brigade {

/// Process exit codes, one place for all of them (documented in the README).
enum ExitStatus : int {
  kExitSuccess = 0,         ///< Every selected node deployed / returned 0.
  kExitNodeFailed = 1,      ///< At least one node failed or was skipped.
  kExitUsage = 2,           ///< Bad command line or kitchen; nothing ran.
  kExitGlobalPreHook = 3,   ///< A global pre hook failed; no node deployed.
  kExitAborted = 4,         ///< The run was aborted (failure budget, node post hook).
  kExitWriteFailed = 5,     ///< Every node deployed, but a log or the report could not be written.
  kExitInternalError = 70,  ///< A bug: an exception no layer handled (EX_SOFTWARE).
  kExitInterrupted = 130,   ///< SIGINT.
  kExitTerminated = 143,    ///< SIGTERM.
  kExitHungUp = 129,        ///< SIGHUP: the terminal went.
};

/// The exit code of a run ended by SIGINT (130), SIGTERM (143) or SIGHUP (129), as a shell
/// reports it.
int exit_code_for_signal(int signal);

}  // namespace brigade
