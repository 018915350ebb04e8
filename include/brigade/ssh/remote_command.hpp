#pragma once

#include <string>
#include <string_view>

namespace brigade::ssh {

/// `it's` → `'it'"'"'s'`: one POSIX shell word whatever the text holds.
std::string shell_quote(std::string_view text);

/// One POSIX shell word for `text`: as it is when it holds only characters no shell treats
/// specially (`web-01.example.com`, `/var/chef`), else single-quoted by shell_quote().
std::string shell_word(std::string_view text);

/// The longest command text (wrappers included) one exec request carries: libssh2 1.10 sends
/// packets of at most 35,000 bytes (MAX_SSH_PACKET_LEN); measured against OpenSSH 9.2, 34,000
/// bytes pass and 40,000 fail with "Unable to send channel request".
inline constexpr std::size_t kMaxExecCommand = 34000;

/// Wraps `command` so that it stops when the connection goes away. libssh2 1.10 cannot send
/// signals (no channel_signal), and without a PTY sshd leaves a command running when the
/// client disconnects. A watcher in a session of its own holds the channel's stdin; when that
/// reaches EOF — the connection closed — it sends TERM, then KILL 5 s later, to the command's
/// process group. The command itself takes the wrapper's place, so its exit status, or the
/// signal that ended it, is what sshd reports.
std::string stoppable_command(std::string_view command);

}  // namespace brigade::ssh
