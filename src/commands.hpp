#pragma once

// The commands behind the CLI, each a function of its parsed options. Internal to brigade_core.

#include <brigade/hooks.hpp>
#include <brigade/kitchen.hpp>
#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh_settings.hpp>

#include <chrono>
#include <optional>
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

/// The SSH settings of every node; jump hosts (not supported yet) and settings Brigade does not
/// follow (ProxyCommand, …) are an error naming the node and the ssh_config line.
Result<std::vector<ssh::HostConfig>> resolve_hosts(const Kitchen& kitchen,
                                                   const SshSettings& settings,
                                                   const std::vector<const Node*>& nodes);

/// Reads every host's known_hosts files before any node is contacted; prints skipped lines.
void prepare_host_keys(ssh::HostKeyStore& host_keys, const std::vector<ssh::HostConfig>& hosts,
                       std::ostream& err);

/// Passphrases (asked before any node is contacted) and the ssh-agent for `hosts`.
void prepare_credentials(ssh::Credentials& credentials, const std::vector<ssh::HostConfig>& hosts);

struct ListOptions {
  std::string kitchen;
  std::vector<std::string> selectors;
  std::optional<std::string> environment;
  bool json = false;
};

int list_nodes(const ListOptions& options, std::ostream& out, std::ostream& err);
int list_roles(const ListOptions& options, std::ostream& out, std::ostream& err);
int list_environments(const ListOptions& options, std::ostream& out, std::ostream& err);
int list_hooks(const ListOptions& options, std::ostream& out, std::ostream& err);

struct FixOptions {
  std::string kitchen;
  std::vector<std::string> selectors;
  std::optional<std::string> environment;
  std::size_t parallel = 16;
  std::string batch_size;  ///< As given; empty: one batch.
  std::string max_fail;    ///< As given; empty: no limit.
  std::optional<std::chrono::seconds> timeout;
  std::chrono::seconds batch_wait{0};
  std::string log_dir;            ///< Empty: <kitchen>/logs.
  std::string report;             ///< Another copy of report.json.
  std::string log_mode = "0600";  ///< Mode of logs and reports (octal); directories get x.
  bool yes = false;               ///< No confirmation for node:all.
  std::string rerun;              ///< "failed": the nodes the latest run did not deploy.
  bool dry_run = false;
};

int fix(const FixOptions& options, std::ostream& out, std::ostream& err);

int init(const std::string& directory, std::ostream& out, std::ostream& err);

struct ExecOptions {
  std::string kitchen;
  std::vector<std::string> selectors;
  std::optional<std::string> environment;
  std::size_t parallel = 32;
  std::optional<std::chrono::seconds> timeout;
  bool json = false;
  bool pty = false;
  std::vector<std::string> command;  ///< The words after `--`, joined with spaces.
};

int exec(const ExecOptions& options, std::ostream& out, std::ostream& err);

struct SshConfigOptions {
  std::string kitchen;
  std::string node;
};

int ssh_config(const SshConfigOptions& options, std::ostream& out, std::ostream& err);

}  // namespace brigade
