#pragma once

#include <cstddef>
#include <ostream>

namespace brigade {

/// Raises this process's soft limit on open files to its hard limit (once, at start): a fleet
/// run holds a connection per node in flight, and 1024 is a common soft default.
void raise_open_file_limit();

/// File descriptors one node in flight may hold at once: its SSH socket and a resolver's, and
/// for a deploy also its log and a hook's pipes and pidfd.
inline constexpr std::size_t kFdsPerExecNode = 2;
inline constexpr std::size_t kFdsPerDeployNode = 8;

/// `requested` nodes in flight, or fewer when the open-file limit cannot hold that many (with
/// one warning on `err` saying why): nodes then wait for a slot instead of failing.
std::size_t parallel_within_fd_limit(std::size_t requested, std::size_t fds_per_node,
                                     std::ostream& err);

}  // namespace brigade
