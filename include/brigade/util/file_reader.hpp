#pragma once

#include <brigade/util/result.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace brigade {

/// The most a configuration file (littlechef.cfg, ssh_config, known_hosts, a key) may hold:
/// far beyond any real one, far below what would exhaust memory.
inline constexpr std::size_t kMaxConfigFileBytes = 256u << 20;

/// Reads `path` in pieces, calling `piece` with each: only a regular file (or /dev/null, which
/// ssh users name to mean "no file"), opened without blocking (a FIFO never hangs the read), at
/// most `max_bytes` (a device such as /dev/zero never ends). The error names the file and says
/// "cannot read <what>: <why>"; when opening failed, `open_errno` (if given) gets the reason.
/// Read only: a link is followed (a dotfile manager's ~/.ssh/config is one).
Result<Ok> read_file_pieces(const std::string& path, std::string_view what, std::size_t max_bytes,
                            const std::function<void(std::string_view)>& piece,
                            int* open_errno = nullptr);

}  // namespace brigade
