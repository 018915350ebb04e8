#pragma once

#include <brigade/kitchen.hpp>
#include <brigade/kitchen_archive.hpp>
#include <brigade/ssh/session.hpp>

#include <asio/awaitable.hpp>

#include <string>

namespace brigade {

/// node_work_path with `{node}` replaced by the node's name.
std::string node_work_path(const std::string& pattern, const std::string& node);

/// node.json as chef-solo reads it: the node's data with its name, chef_environment and
/// run_list (as written in the node file).
std::string node_json(const Node& node);

/// solo.rb for chef-solo, every path under `work_path`.
std::string solo_rb(const std::string& work_path, const std::string& environment);

/// What a sync did.
struct SyncResult {
  bool transferred = false;  ///< False when the node already held the kitchen's digest.
};

/// Brings `work_path` on the node to exactly the kitchen archive's content (stale files
/// removed, as LittleChef's rsync --delete does) plus `node_files`. The kitchen is sent only
/// when the digest kept on the node differs. Progress and the remote tools' messages go to
/// `log`. Throws ssh::SshError; a remote failure is FailureKind::channel with its output.
asio::awaitable<SyncResult> sync_node(ssh::Session& session, std::string work_path,
                                      const KitchenArchive& kitchen,
                                      const KitchenArchive& node_files, ssh::OutputSink& log);

}  // namespace brigade
