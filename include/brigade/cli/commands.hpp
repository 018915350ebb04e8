#pragma once

#include <brigade/kitchen/run_list.hpp>

// The commands behind the CLI, each a function of its parsed options. The CLI (cli.cpp) parses
// the command line into these options; each command lives in its own command_<name>.cpp.

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace brigade {

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
int list_warnings(const ListOptions& options, std::ostream& out, std::ostream& err);

struct FixOptions {
  std::string kitchen;
  std::vector<std::string> selectors;
  std::optional<std::string> environment;
  std::size_t parallel = 16;
  std::string batch_size;  ///< As given; empty: one batch.
  std::string max_fail;    ///< As given; empty: no limit.
  std::string batch_by;    ///< An attribute path; empty: no failure domains.
  std::optional<std::chrono::seconds> timeout;
  std::chrono::seconds batch_wait{0};
  std::string log_dir;                 ///< Empty: <kitchen>/logs.
  std::string report;                  ///< Another copy of report.json.
  std::string junit;                   ///< The report as JUnit XML, here.
  std::string metrics;                 ///< Prometheus metrics (textfile collector), here.
  bool json = false;                   ///< The run as JSON events on stdout, one a line.
  std::size_t keep_runs = 30;          ///< Run directories kept under the log directory; 0: all.
  std::string log_mode = "0600";       ///< Mode of logs and reports (octal); directories get x.
  bool yes = false;                    ///< No confirmation for node:all.
  bool ask_sudo_pass = false;          ///< Ask for the sudo password on the terminal first.
  bool no_report = false;              ///< No copy of chef-solo's output kept on the node.
  bool why_run = false;                ///< chef-solo --why-run.
  bool debug = false;                  ///< chef-solo -l debug.
  std::string log_level;               ///< chef-solo -l LEVEL; empty: chef-solo's own.
  bool no_color = false;               ///< --color never.
  bool verbose = false;                ///< -V: the nodes' output on the terminal as it comes.
  bool list_orders = false;            ///< -l: print the orders and exit.
  std::vector<RunListEntry> run_list;  ///< role:/recipe: orders: instead of each node's own.
  std::string rerun;                   ///< "failed": the nodes the latest run did not deploy.
  bool dry_run = false;
  bool quiet = false;          ///< Only failures and the totals line.
  std::string color = "auto";  ///< auto, always or never.
  /// --jump-max-channels, --jump-max-sessions; unset: littlechef.cfg's, else 64 and 4.
  std::optional<std::size_t> jump_max_channels;
  std::optional<std::size_t> jump_max_sessions;
  /// --max-startups; unset: littlechef.cfg's, else 128.
  std::optional<std::size_t> max_startups;
  /// --lock-wait: seconds to wait for a node another deploy holds; unset: fail it as busy.
  std::optional<unsigned> lock_wait;
};

int fix(const FixOptions& options, std::ostream& out, std::ostream& err);

int init(const std::string& directory, std::ostream& out, std::ostream& err);

/// `brigade complete WHAT [PREFIX]`: for shell completion.
struct CompleteOptions {
  std::string kitchen;
  std::string what;  ///< nodes, roles, recipes, tags or environments.
  std::string prefix;
};

int complete(const CompleteOptions& options, std::ostream& out, std::ostream& err);

struct ExecOptions {
  std::string kitchen;
  std::vector<std::string> selectors;
  std::optional<std::string> environment;
  std::size_t parallel = 32;
  std::optional<std::chrono::seconds> timeout;
  bool json = false;
  std::size_t json_max_output = 1 << 20;  ///< Bytes of each stream kept per node; 0: all.
  bool pty = false;
  std::string color = "auto";                    ///< auto, always or never.
  std::vector<std::string> command;              ///< The words after `--`, joined with spaces.
  std::optional<std::size_t> jump_max_channels;  ///< As for fix.
  std::optional<std::size_t> jump_max_sessions;
  std::optional<std::size_t> max_startups;
};

int exec(const ExecOptions& options, std::ostream& out, std::ostream& err);

struct SshConfigOptions {
  std::string kitchen;
  std::string node;
};

int ssh_config(const SshConfigOptions& options, std::ostream& out, std::ostream& err);

}  // namespace brigade
