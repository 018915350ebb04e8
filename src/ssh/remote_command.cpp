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

// POSIX sh (`kill -s SIG -- -PGID` is the form both dash and bash accept). fd 3 keeps the channel's
// stdin for the watcher: the command gets /dev/null and asynchronous lists get /dev/null as stdin
// too. The watcher is killed once the command ends, so no `sleep` outlives a normal run; the `cat`
// it leaves ends when the channel closes.
constexpr std::string_view kWrapper =
    "exec 3<&0; "
    "if command -v setsid >/dev/null 2>&1; then setsid \"${SHELL:-sh}\" -c \"$1\" </dev/null 3<&- "
    "& "
    "else \"${SHELL:-sh}\" -c \"$1\" </dev/null 3<&- & fi; "
    "p=$!; "
    "{ cat <&3 >/dev/null; kill -s TERM -- -$p 2>/dev/null || kill -s TERM $p; sleep 5; "
    "kill -s KILL -- -$p 2>/dev/null || kill -s KILL $p; } >/dev/null 2>&1 & "
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
