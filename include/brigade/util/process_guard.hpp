#pragma once

namespace brigade {

/// Opens /dev/null on whichever of fds 0, 1 and 2 is closed, before anything else opens a
/// file: started with stdout closed (`>&-`), Brigade would otherwise write its progress into
/// the first file it opens (the log root's lock file) or into Asio's eventfd.
void open_standard_fds();

/// No core dump of this process, ever, and no ptrace attach by its user: it holds secrets (a
/// sudo password, key passphrases, the data bag secret, node attributes) for most of its life.
/// Programs it starts (hooks, ProxyCommands) are not affected: execve resets this.
void forbid_core_dumps();

}  // namespace brigade
