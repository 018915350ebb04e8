#pragma once

#include <brigade/run/kitchen_tree.hpp>
#include <brigade/util/result.hpp>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace brigade {

/// What turns a node's kitchen (the base) into another: the paths to remove, then a
/// gzip-compressed tar of what to write, ending in the new kitchen's digest as a full send
/// ends. A changed file is removed and written anew, never written in place: on a node, a
/// kitchen shares its unchanged files, as hard links, with the one before it.
struct KitchenDelta {
  std::string base_digest;
  std::vector<std::string> removed;  ///< relative to the kitchen, objects included
  std::shared_ptr<const std::string> gzip;
  std::size_t written = 0;  ///< files and links written (added or changed)
  std::size_t deleted = 0;  ///< entries removed and not written again
};

/// Finds, from the top down, what differs between a node's kitchen (known only by its digest
/// and the directory listings the node sends when asked) and `next`. Each round asks for the
/// listings of the directories that differ at one depth, so a change costs as many rounds as it
/// is deep and a few listings each. Pure logic: the conversation with the node is elsewhere.
class TreeWalk {
 public:
  TreeWalk(const KitchenTree& next, std::string base_digest);

  /// The object names (hashes) to ask the node for; empty when the walk is over.
  const std::vector<std::string>& wanted() const { return wanted_; }

  /// One round's answers, by name (a name the node had no object for is missing). An error
  /// names what was wrong: an object that does not hash to its name or is no listing, one
  /// missing, a walk past the bounds (the node's kitchen is then not a base to build on).
  Result<Ok> receive(const std::map<std::string, std::string>& objects);

  /// The delta, once wanted() is empty.
  Result<KitchenDelta> delta() const;

  /// Bounds on what a node may make the walk fetch.
  static constexpr std::size_t kMaxRounds = 256;
  static constexpr std::size_t kMaxBytes = 64u << 20;

 private:
  struct Visit {
    std::string path;
    bool removed = false;  ///< a directory the next kitchen does not have: only its objects go
  };
  void visit(const Visit& visit, const std::vector<ListingLine>& base);
  void add_whole(const std::string& path);
  void want(const std::string& hash, Visit visit);

  const KitchenTree& next_;
  std::string base_digest_;
  std::vector<std::string> wanted_;
  std::map<std::string, std::vector<Visit>> pending_;
  std::size_t rounds_ = 0;
  std::size_t bytes_ = 0;
  std::vector<std::string> removed_;
  std::set<std::string> removed_objects_;
  std::map<std::string, bool, TreeOrder> written_;  ///< path -> a directory whose own entry is kept
  std::map<std::string, bool> written_objects_;
  std::size_t deleted_ = 0;
};

/// The whole of `tree` as a node that holds nothing receives it: every entry, every object,
/// then the digest. `tar_bytes`: the stream's size before compression.
Result<std::string> whole_kitchen_stream(const KitchenTree& tree, std::size_t& tar_bytes);

/// The delta from a base, computed locally from both trees (a node's kitchen whose objects the
/// controller has): what a walk against that node finds.
Result<KitchenDelta> local_delta(const KitchenTree& base, const KitchenTree& next);

/// Deltas built in one run, by the digest of their base: the first node that holds a given
/// kitchen pays the walk, every other node that holds it gets the delta at once.
class DeltaCache {
 public:
  std::shared_ptr<const KitchenDelta> find(const std::string& base_digest) const;
  void add(std::shared_ptr<const KitchenDelta> delta);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const KitchenDelta>> deltas_;
};

}  // namespace brigade
