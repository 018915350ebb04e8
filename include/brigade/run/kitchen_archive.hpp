#pragma once

#include <brigade/run/kitchen_tree.hpp>
#include <brigade/util/result.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace brigade {

/// The file, at the top of a kitchen on a node, that holds its digest.
inline constexpr const char* kKitchenDigestFile = ".brigade-digest";

/// The kitchen directories a deploy syncs, read once per run: as a tree (what a delta to a node
/// that holds an earlier kitchen is built from) and packed as the gzip-compressed tar stream a
/// node that holds none receives. The stream's last member is kKitchenDigestFile holding the
/// digest and a newline: a node that finds it after unpacking knows the whole stream arrived,
/// and the next deploy knows what the node holds.
struct KitchenArchive {
  std::shared_ptr<const KitchenTree> tree;
  std::shared_ptr<const std::string> gzip;  ///< The whole kitchen's .tar.gz bytes.
  std::string digest;                       ///< The tree's digest (KitchenTree::digest).
  std::size_t files = 0;                    ///< Regular files packed.
  std::size_t tar_bytes = 0;
  /// The top-level names of the synced directories, present in this kitchen or not: on a node
  /// each is a link into the kitchen it holds, or absent.
  std::vector<std::string> synced_names;
};

/// A file written into a node's work path beside the kitchen (node.json, solo.rb).
struct ArchiveFile {
  std::string name;
  std::string content;
  unsigned mode = 0644;
};

/// Packs `directories` (relative to `root`; missing ones skipped) in a deterministic order,
/// with owner root, mode from the file, time 0, so that an unchanged kitchen gives the same
/// digest. Version control metadata is left out as LittleChef's rsync leaves it out (names
/// matching `*.svn`, `.bzr*`, `.git*`, `.hg*`). Symbolic links inside them are kept as links; a
/// directory of `directories` that is itself a link is packed as the directory it leads to, under
/// its own name — when that is outside `root`, only with `follow_symlinks` (else an error naming
/// it). An unreadable file is an error naming it. The stream is built and compressed piece by
/// piece, whatever its size.
Result<KitchenArchive> build_kitchen_archive(const std::filesystem::path& root,
                                             const std::vector<std::string>& directories,
                                             bool follow_symlinks = false);

}  // namespace brigade
