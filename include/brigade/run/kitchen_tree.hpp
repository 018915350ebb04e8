#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// Orders paths as a walk of their tree does: component by component, so a directory comes
/// right before everything in it ("a", "a/b", "a.c").
struct TreeOrder {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};

/// One entry of a kitchen: a file, a symbolic link or a directory.
struct TreeEntry {
  char type = 'f';  ///< 'f' a file, 'l' a symbolic link, 'd' a directory
  unsigned mode = 0644;
  /// 32 hex digits: SHA-256 (first half) of the file's content, the link's target, or the
  /// directory's listing.
  std::string hash;
  /// The file's content or the link's target; for a directory, its listing.
  std::shared_ptr<const std::string> data;
};

/// One line of a directory's listing, parsed.
struct ListingLine {
  char type = 'f';
  unsigned mode = 0;
  std::string hash;
  std::string name;
};

/// A directory's listing: one line per entry in the order of their names' bytes,
/// "<type> <mode, 4 octal digits> <hash> <name>\n", the name with every byte outside '!'..'~'
/// and every '%' written %XX. Text a shell's `read` passes through unchanged, whatever the names.
std::string listing_line(const ListingLine& line);

/// Parses a listing received from a node; nullopt for anything that is not one (a line
/// of another shape, a name with a '/', ".", "..", names out of order or twice).
std::optional<std::vector<ListingLine>> parse_listing(std::string_view text);

/// The synced part of a kitchen as a Merkle tree: every directory is known by the hash of its
/// listing, so two kitchens are compared from the top down, directory by directory, and the
/// whole tree by `digest`. On a node, each kitchen keeps its directories' listings (its
/// "objects", named by their hashes) beside it, so that a controller with no memory of what it
/// sent can find what changed by asking for a few listings.
class KitchenTree {
 public:
  /// What a directory of the kitchen holds, before it is hashed.
  struct Input {
    std::string path;  ///< relative, '/'-separated; missing parent directories are added (0755)
    char type = 'f';
    unsigned mode = 0644;
    std::shared_ptr<const std::string> data;  ///< content or link target; empty for a directory
  };
  explicit KitchenTree(std::vector<Input> inputs);

  /// SHA-256 (64 hex digits) of the root's listing: equal digests, equal kitchens.
  const std::string& digest() const { return digest_; }
  /// The root's object name: the digest's first 32 digits.
  std::string root_hash() const { return digest_.substr(0, 32); }
  /// Every entry by path, the root as "".
  const std::map<std::string, TreeEntry, TreeOrder>& entries() const { return entries_; }
  const TreeEntry* find(std::string_view path) const;
  /// The listing of the directory whose hash is `hash`, or null.
  const std::string* object(const std::string& hash) const;
  const std::map<std::string, std::shared_ptr<const std::string>>& objects() const {
    return objects_;
  }
  std::size_t files() const { return files_; }

 private:
  std::map<std::string, TreeEntry, TreeOrder> entries_;
  std::map<std::string, std::shared_ptr<const std::string>> objects_;
  std::string digest_;
  std::size_t files_ = 0;
};

/// SHA-256 of `data` in hex, all 64 digits.
std::string sha256_hex(std::string_view data);

/// Where a kitchen on a node keeps its objects, relative to the kitchen.
inline constexpr const char* kTreeObjectsDir = ".brigade-tree";

}  // namespace brigade
