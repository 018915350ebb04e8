#include <brigade/ssh/remote_command.hpp>

#include <algorithm>

namespace brigade::ssh {

std::string shell_quote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\"'\"'";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string shell_word(std::string_view text) {
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '/' || c == '-' || c == ':' || c == '@' || c == '+' || c == ',' ||
           c == '%';
  };
  // A leading '-' or '~', or an empty text, is still quoted: it would be an option or expand.
  if (text.empty() || text.front() == '~' || !std::all_of(text.begin(), text.end(), plain)) {
    return shell_quote(text);
  }
  return std::string(text);
}

namespace {

// POSIX sh (`kill -s SIG -- -PGID` is the form both dash and bash accept). fd 3 keeps the
// channel's stdin for a watcher; the command gets /dev/null.
//
// The command is exec'd in place of the wrapper: sshd reaps the command itself and reports its
// exit status or the signal that ended it exactly as they were (a command that exits 130 is not
// taken for one killed by SIGINT). sshd made this process a session and group leader, so a
// watcher — a subshell of the wrapper, forked before the exec, in the command's group and
// ignoring HUP, INT, QUIT and TERM — stops the whole group when stdin ends (the connection
// closed), unless the command is already gone. It drains stdin with the shell's own `read`
// and signals with its `kill`: one fork, no program started (a watcher in a session of its own
// with `cat` cost three more execs, about 4 ms of the node's CPU a command; bench_wrapper).
// The TERM it sends reaches itself too and is ignored; the KILL, its last act, ends it as well.
// A command that ignores TERM in the same way is ended by the KILL 5 s later. The signals are
// ignored before the fork and restored before the exec, so a command that signals its own group
// at once (`kill 0`) cannot catch the watcher before it ignores them; a signal ignored when
// the wrapper started stays ignored for the command, as POSIX shells keep it.
//
// "Gone" is decided by the process's start time (/proc/PID/stat, field 22, read with shell
// builtins only), not by its pid alone: once the command has exited and been reaped, its pid —
// and so its group id — can be another process's on a busy node (pid_max 32768 wraps in
// minutes), and a watcher waking late must never signal that. The start time is read by this
// process itself, before it becomes the command, and handed to the watcher: a watcher that read
// it when it got to run could find the command already ended and its pid another process's,
// take that one's start time, and stop it later. Without /proc the pid check alone remains. A
// leader that ended on TERM while members of its group ignore it is not followed by KILL: past
// that point the group id can no longer be told from a recycled one.
//
// Where this process does not lead its process group — under sudo, which runs the command in
// its own group — the command runs as a child, in a session of its own made by setsid (a
// child is no group leader, so setsid makes it one in place, same pid), and the watcher stops
// that group. Without setsid the command runs as a plain child and only it is signalled. Either
// way the child's status is passed on; a status of 129–159 cannot be told from a signal there,
// and is re-raised as one. The wrapper reaps the child itself before it stops its watcher, so
// the watcher signals a group whose leader it has not seen reaped.
//
// fd 9 is closed for the command and kept by the wrapper and its watcher: a lock a caller
// holds on it (the node lock of a deploy, see node_script.cpp) lasts while the command runs
// and ends with the wrapper, never kept by a daemon the command leaves behind.
constexpr std::string_view kWrapper =
    "exec 3<&0 </dev/null; "
    "c=$1; s=; { read -r s < /proc/$$/stat; } 2>/dev/null; set -- ${s##*) }; "
    "if [ -z \"$s\" ] || [ \"$3\" = \"$$\" ]; then "
    "trap '' HUP INT QUIT TERM; ( p=$$; t=${20}; "
    "st() { s=; { read -r s < /proc/$p/stat; } 2>/dev/null; set -- ${s##*) }; v=${20}; }; "
    "while read -r _; do :; done <&3; kill -0 \"$p\" 2>/dev/null || exit 0; "
    "st; [ \"$v\" = \"$t\" ] || exit 0; "
    "kill -s TERM -- \"-$p\" 2>/dev/null || kill -s TERM \"$p\"; sleep 5; "
    "st; [ \"$v\" = \"$t\" ] || exit 0; "
    "kill -s KILL -- \"-$p\" 2>/dev/null || kill -s KILL \"$p\" ) >/dev/null 2>&1 & "
    "trap - HUP INT QUIT TERM; exec 3<&-; exec \"${SHELL:-sh}\" -c \"$c\" 9<&-; "
    "fi; "
    "set -- \"$c\"; g=; command -v setsid >/dev/null 2>&1 && g=setsid; "
    "$g \"${SHELL:-sh}\" -c \"$1\" 3<&- 9<&- & "
    "p=$!; "
    "{ while read -r _; do :; done <&3; "
    "kill -s TERM -- \"-$p\" 2>/dev/null || kill -s TERM $p; sleep 5; "
    "kill -s KILL -- \"-$p\" 2>/dev/null || kill -s KILL $p; } >/dev/null 2>&1 & "
    "w=$!; exec 3<&-; "
    "wait $p 2>/dev/null; r=$?; "
    "kill $w 2>/dev/null; "
    "if [ $r -gt 128 ] && [ $r -lt 160 ]; then kill -$((r-128)) $$; fi; "
    "exit $r";

}  // namespace

std::string stoppable_command(std::string_view command) {
  return "exec sh -c " + shell_quote(kWrapper) + " brigade " + shell_quote(command);
}

}  // namespace brigade::ssh
