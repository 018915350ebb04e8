#include "tcp_transport.hpp"

#include "socket_io.hpp"

#include <brigade/ssh/ssh_error.hpp>

#include <asio/connect.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <libssh2.h>

#include <sys/socket.h>

#include <cerrno>
#include <vector>

namespace brigade::ssh {

using asio::ip::tcp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

asio::awaitable<std::unique_ptr<TcpTransport>> TcpTransport::connect(const HostConfig& host) {
  std::unique_ptr<TcpTransport> transport(new TcpTransport(co_await asio::this_coro::executor));
  const std::string where = fmt::format("{} port {}", host.host_name, host.port);
  std::vector<tcp::endpoint> endpoints;
  asio::error_code ec;
  auto address = asio::ip::make_address(host.host_name, ec);
  if (!ec) {
    endpoints.emplace_back(address, host.port);
  } else {
    tcp::resolver resolver(transport->socket_.get_executor());
    auto [resolve_ec, results] =
        co_await resolver.async_resolve(host.host_name, std::to_string(host.port), use_tuple);
    if (resolve_ec) {
      throw SshError(FailureKind::resolve,
                     "could not resolve hostname " + host.host_name + ": " + resolve_ec.message());
    }
    for (const auto& entry : results) {
      endpoints.push_back(entry.endpoint());
    }
  }
  // AddressFamily: only the addresses of that family are tried.
  std::erase_if(endpoints, [&host](const tcp::endpoint& endpoint) {
    return (host.address_family == AddressFamily::inet && !endpoint.address().is_v4()) ||
           (host.address_family == AddressFamily::inet6 && !endpoint.address().is_v6());
  });
  if (endpoints.empty()) {
    throw SshError(FailureKind::resolve,
                   "no address of the family AddressFamily asks for: " + host.host_name);
  }
  auto [connect_ec, endpoint] =
      co_await asio::async_connect(transport->socket_, endpoints, use_tuple);
  if (connect_ec) {
    throw SshError(FailureKind::connect, "connect to " + where + ": " + connect_ec.message());
  }
  transport->socket_.set_option(tcp::no_delay(true), ec);
  transport->socket_.set_option(asio::socket_base::keep_alive(true), ec);  // TCPKeepAlive yes
  co_return transport;
}

ssize_t TcpTransport::send(const void* data, std::size_t length) {
  return socket_send(socket_.native_handle(), data, length);
}

ssize_t TcpTransport::receive(void* data, std::size_t length) {
  return socket_receive(socket_.native_handle(), data, length);
}

asio::awaitable<void> TcpTransport::wait(int directions) {
  return socket_wait(socket_, directions);
}

int TcpTransport::handshake_fd() const {
  return const_cast<tcp::socket&>(socket_).native_handle();
}

int TcpTransport::release_for_disposal() {
  if (!socket_.is_open()) {
    return -1;
  }
  asio::error_code ec;
  const int fd = socket_.release(ec);
  return ec ? -1 : fd;  // released or not, asio closes what it still owns
}

}  // namespace brigade::ssh
