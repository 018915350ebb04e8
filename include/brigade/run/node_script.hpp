#pragma once

#include <brigade/run/kitchen_archive.hpp>
#include <brigade/run/kitchen_delta.hpp>

#include <optional>
#include <string>
#include <vector>

namespace brigade {

/// The node's side of a deploy, as shell text. The exec request carries only
/// kNodeBootstrap, the same for every node and every run: the deploy's script, with
/// everything that differs between nodes (the work path, the digest, node.json, solo.rb),
/// follows on the channel's stdin, so no other user of the node sees any of it in `ps`, in
/// sudo's log or in SUDO_COMMAND.
///
/// On the node the script
///  - checks that the work path and every directory above it is a real directory owned by
///    root or the SSH user and writable by no one else (a sticky directory such as /tmp may be
///    writable by all above it), and refuses the node otherwise; missing directories are made
///    one by one (mode 0700), never through a link;
///  - takes the node lock (flock on WORK/.brigade/lock, held by the deploy's own processes,
///    so the kernel releases it when they end) or refuses the node as busy, naming the holder;
///  - keeps kitchens in WORK/.brigade/k.ID (each complete, with its digest as last member) and
///    WORK/.brigade/current, a link to the one in use; each synced directory is a link
///    WORK/NAME -> .brigade/current/NAME. A new kitchen is unpacked into a k.ID of its own,
///    checked, and switched to by renaming one link: the work path is never half updated, and
///    a transfer cut at any byte leaves the previous kitchen in place;
///  - writes node.json and solo.rb (0600) beside its private directory and renames them into
///    the work path, never following a link found there;
///  - runs the converge command, with the lock held by its wrapper until it ends.
struct NodeScript {
  std::string work_path;  ///< Absolute, normalised (see normalise_work_path).
  /// The SSH user: besides root, the owner the work path's directories may have.
  std::string ssh_user;
  std::vector<std::string> synced_names;  ///< Top-level names the kitchen's directories have.
  const KitchenArchive* kitchen = nullptr;
  std::vector<ArchiveFile> node_files;
  std::string holder;                 ///< Who deploys: shown to a deploy that finds it busy.
  std::optional<unsigned> lock_wait;  ///< Seconds to wait for a busy node; none: refuse.
  std::string converge;               ///< Shell text that runs the converge (last).
};

/// The bootstrap, POSIX sh: prints kNodeReady, reads a byte count and that many bytes of script
/// from stdin, and runs the script only when all of it arrived (it ends in "# brigade: end").
/// One line, no newline: it passes through any login shell inside node_bootstrap_command().
inline constexpr const char* kNodeBootstrap =
    "echo 'brigade-node: ready'; IFS= read -r n || exit 2; "
    "case $n in ''|*[!0-9]*) exit 2;; esac; s=$(head -c \"$n\") || exit 2; "
    "case $s in *'# brigade: end') ;; *) echo 'brigade: the deploy script arrived "
    "incomplete' >&2; exit 2;; esac; eval \"$s\"";

/// The exec request's whole command without sudo: the bootstrap in `sh`, whatever the SSH
/// user's login shell is (its forks are cheaper than bash's, and fish or tcsh cannot read the
/// script). With sudo it is `sudo … sh -c <kNodeBootstrap>`.
std::string node_bootstrap_command();

/// The first line the bootstrap prints: it runs (under sudo: sudo let it run as root).
inline constexpr const char* kNodeReady = "brigade-node: ready";

/// Lines the script prints for Brigade start with `marker` (a random token of the deploy's,
/// so that no converge command can print one); what follows says what happened.
struct NodeMarkers {
  std::string prefix;  ///< "brigade-<token>: "
  std::string token;   ///< the token alone (names of the deploy's own files on the node)
  std::string running() const { return prefix + "running"; }
  /// "<prefix>base <digest>" or "<prefix>base none": the kitchen a change would apply to.
  std::string base() const { return prefix + "base "; }
  /// "<prefix>object <name>": the listing that follows, up to the next marker line.
  std::string object() const { return prefix + "object "; }
  /// Every listing asked for was sent.
  std::string objects() const { return prefix + "objects"; }
  /// "<prefix>edited <path>": a kitchen that changed since it was deployed (not a base).
  std::string edited() const { return prefix + "edited "; }
  /// "<prefix>unlinked <cp's words>": no copy of the kitchen with links to its files.
  std::string unlinked() const { return prefix + "unlinked "; }
  std::string kitchen_unpacked() const { return prefix + "kitchen unpacked"; }
  std::string sync_failed() const { return prefix + "sync failed"; }
  std::string send_secret() const { return prefix + "send the data bag secret"; }
  std::string secret_failed() const { return prefix + "data bag secret failed"; }
  /// "<prefix>refuse <kind> <text>": the node is refused before anything is changed.
  std::string refuse() const { return prefix + "refuse "; }
  /// "<prefix>waiting <holder>": the lock is another deploy's; waiting for it.
  std::string waiting() const { return prefix + "waiting "; }

  static NodeMarkers fresh();
};

/// The script for stdin: its byte count on a line, then the script, ending in "# brigade: end".
std::string node_script_input(const NodeScript& script, const NodeMarkers& markers);

/// The answer to a node's "base" once the controller knows what to send: "apply <count>\n",
/// then a script of that many bytes that unpacks the whole kitchen (`gzip_bytes` of stream
/// follow it) into a directory of its own.
std::string full_apply_input(std::size_t gzip_bytes);

/// The same for a change: the script removes what `delta` removes from the base, then unpacks
/// the delta's stream (which follows it) there.
std::string delta_apply_input(const KitchenDelta& delta);

}  // namespace brigade
