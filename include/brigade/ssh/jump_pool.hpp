#pragma once

// The sessions to a run's jump hosts, shared by every node behind them. A stock sshd drops
// unauthenticated connections past MaxStartups (10:30:100): a tool that opens one connection to
// the bastion per node loses nodes beyond about ten at a time. Here each chain of jump hosts has
// one session, more only when one carries its most channels or is stuck opening a channel to a
// target that does not answer, opened one at a time; each node is a direct-tcpip channel on it.

#include <brigade/ssh/session.hpp>
#include <brigade/ssh/ssh_config.hpp>
#include <brigade/ssh/transport.hpp>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace brigade::ssh {

class JumpSession;

/// How much one jump host carries: `--jump-max-channels`, `--jump-max-sessions`.
struct JumpLimits {
  std::size_t max_channels = 64;  ///< Forwarded connections per session.
  std::size_t max_sessions = 4;   ///< Sessions per chain of jump hosts.
};

class JumpHosts {
 public:
  explicit JumpHosts(JumpLimits limits = {});
  ~JumpHosts();
  JumpHosts(const JumpHosts&) = delete;
  JumpHosts& operator=(const JumpHosts&) = delete;

  /// What the jump hosts' own sessions use: host keys and credentials (jump_hosts is this).
  void set_context(SessionContext context);

  /// A stream to `host_name` port `port` through `chain` (the last hop connects there), on a
  /// session shared with the other nodes behind it: connected on first use, reconnected after it
  /// died. A node waits for a free channel without a deadline (as for a parallelism slot);
  /// connecting to a jump host is bounded by its ConnectTimeout, opening the channel by
  /// `timeout`. Throws SshError naming the jump host; after a failed connection, the nodes that
  /// ask within a few seconds fail with the same reason instead of each trying again.
  asio::awaitable<std::unique_ptr<Transport>> forward(std::vector<HostConfig> chain,
                                                      std::string host_name, std::uint16_t port,
                                                      std::chrono::seconds timeout);

  /// Ends every jump-host session (the run is over): what they carry is cut, their pumps end.
  /// Called on the io thread while it still runs (the destructor does not: by then the
  /// io_context may be gone).
  void close();

  /// Sessions opened so far, over the whole run (for tests and the report).
  std::size_t sessions_opened() const { return sessions_opened_; }

 private:
  struct Chain;
  asio::awaitable<void> connect(Chain& chain, std::shared_ptr<JumpSession> session);
  Chain& chain_for(const std::vector<HostConfig>& hops, const asio::any_io_executor& executor);

  JumpLimits limits_;
  SessionContext context_;
  std::map<std::string, std::unique_ptr<Chain>> chains_;
  std::size_t sessions_opened_ = 0;
  bool closed_ = false;
};

}  // namespace brigade::ssh
