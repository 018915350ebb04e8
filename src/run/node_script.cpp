#include <brigade/run/node_script.hpp>
#include <brigade/ssh/remote_command.hpp>

#include <fmt/format.h>

#include <random>
#include <string_view>

namespace brigade {

namespace {

// The script's fixed part, read as POSIX sh by dash, bash and busybox sh. Comment lines and
// indentation are stripped before it is sent (compact()): every node of every run receives it.
// The preamble node_script_input() writes before it sets:
//   m  the marker prefix          w  the work path          u  the SSH user
//   r  the deploy's token         d  the kitchen's digest   z  where a kitchen keeps its objects
//   l  seconds to wait for the lock, or empty              h  who deploys (for the lock)
//   names()        runs "$@" NAME for each synced top-level name
//   write_files()  writes node.json and solo.rb into the directory "$1", then moves them into
//                  the work path (a rename: whatever is there is replaced, never followed)
//   converge()     runs the converge command (its status is the deploy's)
// Only shell builtins run on an unchanged kitchen, but find (the check of the work path),
// flock (the lock) and one mv (the node files): every process started here is paid for by
// every node of every run.
constexpr std::string_view kBody = R"sh(
say() { printf '%s%s\n' "$m" "$1"; }
# A node refused before anything is changed: its kind and reason on one marker line.
refuse() { say "refuse $1 $2"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || refuse missing "$1"; }
say running
umask 077
need find
need flock
# Checks the work path and makes what is missing of it; fails (1) when a directory it was
# making appeared meanwhile (another deploy to this machine making the same directories).
prepare() {
  # The nearest existing directory at or above the work path, and what is missing below it.
  p=$w
  new=
  while [ ! -e "$p" ] && [ ! -L "$p" ]; do
    new="$p
$new"
    p=${p%/*}
    [ -n "$p" ] || p=/
  done
  # Every existing directory on the way must be one (no link), root's or the SSH user's, and
  # writable by its owner only; a sticky one above the work path (/tmp) may be writable by
  # all. "$w/." is the work path itself, which may not even be sticky.
  set -- "$p"
  q=$p
  while [ "$q" != / ]; do
    q=${q%/*}
    [ -n "$q" ] || q=/
    set -- "$@" "$q"
  done
  [ "$p" != "$w" ] || set -- "$@" "$w/."
  bad=$(find "$@" -prune \( ! -type d -o ! \( -user 0 -o -user "$u" \) -o ! -perm -1000 \( -perm -0020 -o -perm -0002 \) -o -path '*/.' \( -perm -0020 -o -perm -0002 \) \) -print 2>&1) && [ -z "$bad" ] || refuse unsafe "$(printf '%s' "$bad" | tr '\n' '\t')"
  # Missing directories are made one at a time: mkdir fails on anything put there meanwhile.
  set -f
  IFS='
'
  for c in $new; do
    mkdir -m 0700 "$c" 2>/dev/null || { unset IFS; set +f; return 1; }
  done
  unset IFS
  set +f
}
# Each failure means one more directory of the path exists (each is checked again): bounded.
i=0
until prepare; do
  i=$((i + 1))
  [ $i -lt 64 ] || refuse sync "cannot create $c"
done
b=$w/.brigade
# Made by this deploy, or by another one to this node at the same moment (the lock is next).
if [ ! -d "$b" ] || [ -L "$b" ]; then
  mkdir -m 0700 "$b" 2>/dev/null || { [ -d "$b" ] && [ ! -L "$b" ]; } || refuse sync "cannot create $b"
fi
# The node lock: an open file description that only this deploy's processes hold (the
# converge's wrapper keeps it and closes it for the command), so it ends with them.
{ : >> "$b/lock" && exec 9< "$b/lock"; } || refuse sync "cannot open $b/lock"
if ! flock -n 9; then
  o=
  { IFS= read -r o < "$b/holder"; } 2>/dev/null
  [ -n "$l" ] || refuse busy "$o"
  say "waiting $o"
  if ! flock -w "$l" 9; then
    o=
    { IFS= read -r o < "$b/holder"; } 2>/dev/null
    refuse busy "$o"
  fi
fi
printf '%s\n' "$h" > "$b/holder"
t=$b/trash.$r
# Whether the kitchen $1 is as its last deploy left it: complete (its digest, set in e) and
# nothing in it newer than its reference file, written last. `find` stats every entry: the one
# cost of a change that grows with the kitchen rather than with the change.
clean() {
  e=
  { read -r e < "$1/.brigade-digest"; } 2>/dev/null
  [ ${#e} -eq 64 ] && [ -f "$1/.brigade-ref" ] || { e=; return 1; }
  x=$(find "$1/" -mindepth 1 -newer "$1/.brigade-ref" -print -quit 2>&1) && [ -z "$x" ] && return 0
  say "edited ${x%%
*}"
  e=
  return 1
}
failed() {
  e=$?
  rm -rf "$@"
  say 'sync failed'
  exit $e
}
# The kitchen $1, just written: complete (its digest, the stream's last member, arrived) and
# dated (its reference file).
finish() {
  { { read -r x < "$1/.brigade-digest"; } 2>/dev/null && [ "$x" = "$d" ]; } || { echo 'brigade: the kitchen arrived incomplete' >&2; return 1; }
  : > "$1/.brigade-ref"
}
# The switch to the kitchen $1: one rename of the link.
switch() {
  ln -s "${1##*/}" "$b/current.$r" && mv -Tf "$b/current.$r" "$b/current" || failed "$1" "$b/current.$r"
}
# A whole kitchen, $2 bytes of stdin, unpacked into $1 and switched to; every other kitchen
# goes (in the background), and a copy of it whose files are links becomes the standby.
whole() {
  ( umask 022 && head -c "$2" | gzip -dc | tar -xf - -C "$1" ) && finish "$1" || failed "$1"
  switch "$1"
  for x in "$b"/k.*; do
    if [ "$x" != "$1" ]; then
      rm -rf "$x" </dev/null >/dev/null 2>&1 9<&- &
    fi
  done
  cp -al "$1" "$b/k.$r.s" 2>/dev/null || rm -rf "$b/k.$r.s"
  say 'kitchen unpacked'
}
# A change: what remove() removes, then $2 bytes of stdin (a gzip-compressed tar of what is
# new, kept uncompressed in a file meanwhile), applied to the standby $1, which is switched to;
# then applied to the kitchen that was current ($p), which becomes the standby: both hold the
# new kitchen, ready for the next change.
change() {
  f=$b/d.$r
  head -c "$2" | gzip -dc > "$f" && remove "$1" && ( umask 022 && exec tar -xf "$f" -C "$1" ) && finish "$1" || failed "$1" "$f"
  switch "$1"
  if ! { remove "$p" && ( umask 022 && exec tar -xf "$f" -C "$p" ) && finish "$p"; } 2>/dev/null; then
    rm -rf "$p" </dev/null >/dev/null 2>&1 9<&- &
  fi
  rm -f "$f"
  say 'kitchen unpacked'
}
# What interrupted deploys left behind (kitchens half written or never switched to, changes
# received, things moved aside, an earlier layout's digest file) goes; the current kitchen (p)
# and one complete kitchen besides it (o, the standby) stay.
p=
o=
for x in "$b"/k.* "$b"/d.* "$b"/trash.* "$w/.brigade-digest"; do
  if [ -e "$x" ] || [ -L "$x" ]; then
    if [ "$x" -ef "$b/current" ] && [ ! -L "$x" ]; then
      p=$x
    elif [ -z "$o" ] && [ "${x#"$b"/k.}" != "$x" ] && [ -d "$x" ] && [ ! -L "$x" ] && [ -s "$x/.brigade-digest" ]; then
      o=$x
    else
      rm -rf "$x"
    fi
  fi
done
for x in "$b"/current.*; do
  if [ -L "$x" ]; then
    rm -f "$x"
  fi
done
c=
[ -z "$p" ] || { read -r c < "$p/.brigade-digest"; } 2>/dev/null
if [ "$c" != "$d" ]; then
  # The base of a change is the current kitchen, unless it changed since it was deployed. The
  # change is made in the standby, which holds the same kitchen, or else in a copy of it whose
  # files are links to its own (a change replaces files, never writes into them).
  s=
  if [ -n "$p" ] && clean "$p"; then
    x=
    [ -z "$o" ] || { read -r x < "$o/.brigade-digest"; } 2>/dev/null
    if [ "$x" = "$e" ]; then
      s=$o
    else
      [ -z "$o" ] || rm -rf "$o"
      s=$b/k.$r.b
      x=$(cp -al "$p" "$s" 2>&1) || { say "unlinked ${x%%
*}"; rm -rf "$s"; s=; e=; }
    fi
  fi
  # The controller asks for listings of the base (objects, by name) until it knows what
  # changed, then sends the script that applies the change (or unpacks a whole kitchen) and
  # its data.
  say "base ${e:-none}"
  set -f
  while :; do
    IFS= read -r q || exit 2
    case $q in
    'objects '*)
      for x in ${q#objects }; do
        case $x in *[!0-9a-f]*) exit 2;; esac
        say "object $x"
        { while IFS= read -r a; do printf '%s\n' "$a"; done < "$p/$z/$x"; } 2>/dev/null
      done
      say objects;;
    'apply '*)
      q=${q#apply }
      case $q in ''|*[!0-9]*) exit 2;; esac
      q=$(head -c "$q") || exit 2
      case $q in *'# brigade: end') ;; *) exit 2;; esac
      set +f
      eval "$q"
      break;;
    *) exit 2;;
    esac
  done
fi
# Each synced name is a link into the current kitchen; anything else there goes.
link() {
  if [ -e "$b/current/$1" ]; then
    if [ ! -L "$w/$1" ] || [ ! "$w/$1" -ef "$b/current/$1" ]; then
      if [ -e "$w/$1" ] || [ -L "$w/$1" ]; then
        [ -d "$t" ] || mkdir "$t"
        mv "$w/$1" "$t/$1" || refuse sync "cannot move $w/$1 aside"
      fi
      ln -s ".brigade/current/$1" "$w/$1" || refuse sync "cannot link $w/$1"
    fi
  elif [ -e "$w/$1" ] || [ -L "$w/$1" ]; then
    [ -d "$t" ] || mkdir "$t"
    mv "$w/$1" "$t/$1" || refuse sync "cannot move $w/$1 aside"
  fi
}
names link
if [ -d "$t" ]; then
  rm -rf "$t" </dev/null >/dev/null 2>&1 9<&- &
fi
[ -d "$b/files" ] || mkdir "$b/files" || refuse sync "cannot create $b/files"
write_files "$b/files" || refuse sync "cannot write the node files into $w"
converge
)sh";

// The body without comment lines and indentation.
std::string compact(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
    if (!line.empty() && line.front() != '#') {
      out.append(line);
      out += '\n';
    }
    start = end + 1;
  }
  return out;
}

const std::string& body() {
  static const std::string text = compact(kBody);
  return text;
}

}  // namespace

std::string node_bootstrap_command() {
  return "exec sh -c " + ssh::shell_quote(kNodeBootstrap);
}

NodeMarkers NodeMarkers::fresh() {
  std::random_device random;
  NodeMarkers markers;
  markers.token = fmt::format("{:08x}{:08x}", random(), random());
  markers.prefix = "brigade-" + markers.token + ": ";
  return markers;
}

std::string node_script_input(const NodeScript& script, const NodeMarkers& markers) {
  using ssh::shell_quote;
  std::string names;
  for (const auto& name : script.synced_names) {
    names += ' ';
    names += shell_quote(name);
  }
  std::string writes;
  std::string moves;
  for (const auto& file : script.node_files) {
    writes += fmt::format("printf '%s' {} > \"$1\"/{} || return; ", shell_quote(file.content),
                          shell_quote(file.name));
    moves += " \"$1\"/";
    moves += shell_quote(file.name);
  }
  if (!moves.empty()) {
    writes += "mv -f" + moves + " \"$w/\"";
  } else {
    writes += ":";
  }
  std::string text = fmt::format(
      "{{\nm={}\nw={}\nu={}\nr={}\nd={}\nz={}\nl={}\nh={}\n"
      "names() {{ for x in{}; do \"$@\" \"$x\"; done; }}\n"
      "write_files() {{ {}; }}\n"
      "converge() {{ {}\n}}\n",
      shell_quote(markers.prefix), shell_quote(script.work_path), shell_quote(script.ssh_user),
      markers.token, script.kitchen->digest, kTreeObjectsDir,
      script.lock_wait ? std::to_string(*script.lock_wait) : std::string("''"),
      shell_quote(script.holder), names, writes, script.converge);
  text += body();
  text += "}\n# brigade: end";
  return std::to_string(text.size()) + "\n" + text;
}

namespace {

std::string apply_input(const std::string& script) {
  const std::string text = script + "# brigade: end";
  return "apply " + std::to_string(text.size()) + "\n" + text;
}

}  // namespace

std::string full_apply_input(std::size_t gzip_bytes) {
  return apply_input(fmt::format(
      "n=$b/k.$r\nmkdir -m 0700 \"$n\" || refuse sync \"cannot create $n\"\nwhole \"$n\" {}\n",
      gzip_bytes));
}

std::string delta_apply_input(const KitchenDelta& delta) {
  // remove() takes what goes from a kitchen; its digest and reference file go first, so a
  // change cut halfway leaves a kitchen the next deploy removes. At most 512 paths a command.
  constexpr std::size_t kPathsPerCommand = 512;
  std::string script = "remove() {\nrm -rf -- \"$1/.brigade-digest\" \"$1/.brigade-ref\"";
  std::size_t in_command = 0;
  for (const auto& path : delta.removed) {
    if (++in_command == kPathsPerCommand) {
      script += " || return\nrm -rf --";
      in_command = 0;
    }
    script += " \"$1\"/";
    script += ssh::shell_quote(path);
  }
  script += "\n}\n";
  script += fmt::format("change \"$s\" {}\n", delta.gzip->size());
  return apply_input(script);
}

}  // namespace brigade
