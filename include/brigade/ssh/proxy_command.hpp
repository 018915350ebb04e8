#pragma once

// ProxyCommand: what ssh runs to get a byte stream to the host, and how Brigade runs it.

#include <brigade/ssh/ssh_config.hpp>
#include <brigade/util/result.hpp>

#include <string>

namespace brigade::ssh {

/// The command line for `host`'s ProxyCommand as ssh runs it (sshconnect.c): the tokens %h (the
/// HostName), %p, %r, %n (the name asked for) and %% expanded, prefixed with `exec` so that the
/// shell is replaced by the command. The values are put in as they are, as ssh does, so each
/// must be plain: a name or user with a character the shell would read (a kitchen's node name
/// is input like any other) is an error, never a command.
Result<std::string> proxy_command_line(const HostConfig& host);

}  // namespace brigade::ssh
