#include "jump_session.hpp"

#include <brigade/ssh/jump_hosts.hpp>
#include <brigade/ssh/jump_pool.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include <algorithm>

namespace brigade::ssh {

namespace {

// How long a failed connection to a jump host answers for it: the nodes that ask meanwhile
// fail with its reason (one attempt, not one per node); later ones try again.
constexpr auto kRetryAfter = std::chrono::seconds(5);

// How long a channel open may take before the session counts as stuck on it and the nodes
// waiting for it get another session: opens take milliseconds, a SYN that goes unanswered is
// first sent again after 1 s.
constexpr auto kOpenStalled = std::chrono::seconds(2);

std::string chain_key(const std::vector<HostConfig>& hops) {
  std::string key;
  for (const auto& hop : hops) {
    key += hop.user + "@" + hop.host_name + ":" + std::to_string(hop.port) + "/" +
           hop.host_key_alias.value_or(hop.host) + ",";
  }
  return key;
}

std::string hop_name(const HostConfig& hop) {
  return hop.host + " (" + jump_host_name(hop) + ")";
}

}  // namespace

struct JumpHosts::Chain {
  Chain(std::vector<HostConfig> hops, const asio::any_io_executor& executor)
      : hops(std::move(hops)), changed(executor, std::chrono::steady_clock::time_point::max()) {}

  std::vector<HostConfig> hops;
  std::vector<std::shared_ptr<JumpSession>> sessions;  ///< Connecting or usable.
  std::optional<NodeError> failure;                    ///< The last connection's, if it failed.
  std::chrono::steady_clock::time_point failed_at;
  asio::steady_timer changed;  ///< Cancelled when a session connects, ends or frees a slot.
};

JumpHosts::JumpHosts(JumpLimits limits) : limits_(limits) {}

// Nothing of the io_context is touched here: it may be gone already (its coroutines, the pumps
// among them, are destroyed with it). close() is what ends the sessions, on the io thread.
JumpHosts::~JumpHosts() = default;

void JumpHosts::set_context(SessionContext context) {
  context_ = context;
  context_.jump_hosts = this;
}

JumpHosts::Chain& JumpHosts::chain_for(const std::vector<HostConfig>& hops,
                                       const asio::any_io_executor& executor) {
  auto& chain = chains_[chain_key(hops)];
  if (!chain) {
    chain = std::make_unique<Chain>(hops, executor);
  }
  return *chain;
}

asio::awaitable<std::unique_ptr<Transport>> JumpHosts::forward(std::vector<HostConfig> hops,
                                                               std::string host_name,
                                                               std::uint16_t port,
                                                               std::chrono::seconds timeout) {
  if (hops.empty()) {
    throw std::logic_error("JumpHosts::forward without a jump host");
  }
  Chain& chain = chain_for(hops, co_await asio::this_coro::executor);
  bool retried = false;
  for (;;) {
    if (closed_) {
      throw SshError(FailureKind::cancelled,
                     "jump host " + hop_name(chain.hops.back()) + ": the run is over");
    }
    std::erase_if(chain.sessions, [](const auto& session) { return session->ended(); });
    // A node goes to a session that is opening nothing: one that is opening a channel for
    // another node would have it wait behind that open, and an open to a target that never
    // answers lasts the jump host's TCP timeout (minutes). Such a session is left to it.
    std::shared_ptr<JumpSession> free;
    for (const auto& session : chain.sessions) {
      if (session->takes_open()) {
        free = session;
        break;
      }
    }
    if (free) {
      try {
        co_return co_await free->open(host_name, port, timeout);
      } catch (const NodeError&) {
        // A session that died while it carried nothing is found dead by the next open: that
        // node tries once more, on a new session, rather than failing for an old connection.
        if (!free->ended() || retried || closed_) {
          throw;
        }
        retried = true;
      }
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    bool connecting = false;
    bool open_coming = false;  // a session with room whose open ends soon, as opens do
    std::optional<std::chrono::steady_clock::time_point> stall;
    for (const auto& session : chain.sessions) {
      connecting = connecting || session->connecting();
      if (session->usable() && session->has_room() && session->opening()) {
        const auto stalled_at = session->opening_since() + kOpenStalled;
        if (stalled_at > now) {
          open_coming = true;
          stall = std::min(stall.value_or(stalled_at), stalled_at);
        }
      }
    }
    if (!connecting && chain.failure && now - chain.failed_at < kRetryAfter) {
      throw *chain.failure;
    }
    // Another session when every one is full or stuck opening; one connection at a time per
    // chain: the nodes that arrive together share it.
    if (!connecting && !open_coming && chain.sessions.size() < limits_.max_sessions) {
      auto session = std::make_shared<JumpSession>(
          co_await asio::this_coro::executor, hop_name(chain.hops.back()), limits_.max_channels,
          [&chain] { chain.changed.cancel(); });
      chain.sessions.push_back(session);
      asio::co_spawn(co_await asio::this_coro::executor, connect(chain, session), asio::detached);
    }
    if (stall) {
      // Looks again when that open has taken too long, if nothing changed before.
      using namespace asio::experimental::awaitable_operators;
      asio::steady_timer timer(co_await asio::this_coro::executor, *stall);
      co_await (wait_for_event(chain.changed) || timer.async_wait(asio::use_awaitable));
    } else {
      co_await wait_for_event(chain.changed);
    }
  }
}

// Not the first node's own work: the nodes waiting for it share it, and one that is cancelled
// or times out does not take it down with it.
asio::awaitable<void> JumpHosts::connect(Chain& chain, std::shared_ptr<JumpSession> session) {
  const HostConfig& hop = chain.hops.back();
  try {
    std::unique_ptr<Session> connected;
    if (chain.hops.size() == 1) {
      connected = co_await Session::connect(hop, context_);
    } else {
      std::vector<HostConfig> earlier(chain.hops.begin(), chain.hops.end() - 1);
      auto transport =
          co_await forward(std::move(earlier), hop.host_name, hop.port, hop.connect_timeout);
      connected = co_await Session::over(std::move(transport), hop, context_);
    }
    ++sessions_opened_;
    chain.failure.reset();
    if (closed_) {
      session->abandon();
    } else {
      session->start(std::move(connected));
    }
  } catch (const NodeError& e) {
    session->abandon();
    // An earlier hop's failure already names that hop.
    const std::string what = e.what();
    chain.failure = NodeError(e.kind(), what.starts_with("jump host ")
                                            ? what
                                            : "jump host " + hop_name(hop) + ": " + what);
    chain.failed_at = std::chrono::steady_clock::now();
  } catch (const std::exception& e) {
    session->abandon();
    chain.failure = NodeError(FailureKind::connect, "jump host " + hop_name(hop) + ": " + e.what());
    chain.failed_at = std::chrono::steady_clock::now();
  }
  chain.changed.cancel();
}

void JumpHosts::close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  for (auto& [key, chain] : chains_) {
    for (const auto& session : chain->sessions) {
      session->stop();
    }
    chain->changed.cancel();
  }
}

}  // namespace brigade::ssh
