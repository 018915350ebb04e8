#pragma once

// A session's own TCP connection. Private to src/ssh/.

#include <brigade/ssh/ssh_config.hpp>
#include <brigade/ssh/transport.hpp>

#include <asio/ip/tcp.hpp>

#include <memory>

namespace brigade::ssh {

class TcpTransport final : public Transport {
 public:
  /// Resolves and connects to `host`'s HostName and Port (AddressFamily applied). Throws
  /// SshError (resolve, connect); the caller bounds it in time.
  static asio::awaitable<std::unique_ptr<TcpTransport>> connect(const HostConfig& host);

  ssize_t send(const void* data, std::size_t length) override;
  ssize_t receive(void* data, std::size_t length) override;
  asio::awaitable<void> wait(int directions) override;
  int handshake_fd() const override;
  int release_for_disposal() override;
  asio::any_io_executor executor() override { return socket_.get_executor(); }

 private:
  explicit TcpTransport(asio::any_io_executor executor) : socket_(std::move(executor)) {}
  asio::ip::tcp::socket socket_;
};

}  // namespace brigade::ssh
