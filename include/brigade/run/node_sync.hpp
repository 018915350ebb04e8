#pragma once

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/run/kitchen_archive.hpp>
#include <brigade/run/kitchen_delta.hpp>
#include <brigade/run/node_action.hpp>
#include <brigade/ssh/session.hpp>

#include <asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace brigade {

/// node_work_path with `{node}` replaced by the node's name.
std::string node_work_path(const std::string& pattern, const std::string& node);

/// node.json as chef-solo reads it: the node's data with its name, chef_environment and
/// run_list (as written in the node file, or `run_list` instead: role:/recipe: orders).
std::string node_json(const Node& node, const std::vector<RunListEntry>* run_list = nullptr);

/// Where the data bag secret is put for chef-solo, as LittleChef puts it.
inline constexpr const char* kDataBagSecretPath = "/etc/chef/encrypted_data_bag_secret";

/// solo.rb for chef-solo, every path under `work_path`; with `data_bag_secret`, chef-solo is
/// pointed at kDataBagSecretPath.
std::string solo_rb(const std::string& work_path, const std::string& environment,
                    bool data_bag_secret = false);

/// How the deploy's remote part becomes root when the SSH user is not: through sudo, as
/// LittleChef does. Without a password `sudo -n` (it fails at once where sudo wants one);
/// with one, `sudo -S`, the password written to stdin when sudo asks for it, and only then.
struct Sudo {
  std::string user;                             ///< The SSH user, for messages.
  std::shared_ptr<const std::string> password;  ///< Null: passwordless sudo.
};

/// `command` run as root through `sudo` (`prompt` for sudo -S when it has a password): one
/// shell word for sudo's `sh -c`.
std::string sudo_command(const std::string& command, const Sudo& sudo, const std::string& prompt);

/// How a deploy's remote part ended.
struct ConvergeResult {
  ssh::ExecResult ended;
  bool transferred = false;  ///< The kitchen had to be brought up to date first.
  bool delta = false;        ///< With transferred: only its changes were sent.
};

/// Deploys with as little remote work as possible, on one channel: one remote command checks
/// the kitchen digest, writes the node's text files (carried in the command itself, written by
/// the shell's own printf) and runs `converge` (stopped if the connection goes). Only when the
/// node's kitchen is out of date does the node ask for it; it is then streamed on the same
/// channel's stdin and unpacked before the converge. An unchanged kitchen costs one channel and
/// no extra process on the node, as a bare `brigade exec` does. When the kitchen was sent, the
/// log notes it as soon as it is unpacked, before the converge command's output.
/// What a deploy does on the node besides the sync and the converge.
struct DeployExtras {
  /// When the SSH user is not root: all of it runs as root through sudo (one sudo, one
  /// channel); a sudo that refuses fails the node (FailureKind::sudo) with what it wants.
  std::optional<Sudo> sudo;
  /// encrypted_data_bag_secret's content: sent on stdin (never in a command line) to
  /// kDataBagSecretPath, mode 0600, root's, just before the converge, and removed after it
  /// whatever its outcome, also when the connection goes meanwhile.
  std::shared_ptr<const std::string> data_bag_secret;
  /// Who deploys (controller, user, run, since when): what a deploy that finds the node's lock
  /// taken names as its holder.
  std::string holder;
  /// Seconds to wait for the node's lock when another deploy holds it; none: fail at once.
  std::optional<unsigned> lock_wait;
  /// The run's changes already built, by the kitchen they apply to; null: none kept.
  DeltaCache* delta_cache = nullptr;
};

asio::awaitable<ConvergeResult> sync_and_converge(ssh::Session& session, std::string work_path,
                                                  const KitchenArchive& kitchen,
                                                  std::vector<ArchiveFile> node_files,
                                                  std::string converge, NodeOutput& log,
                                                  DeployExtras extras);

}  // namespace brigade
