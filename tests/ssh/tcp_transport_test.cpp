// White-box: TcpTransport is private to src/ssh; Session::over takes any Transport.
#include "ssh/tcp_transport.hpp"

#include "support/async.hpp"
#include "support/ssh_run.hpp"
#include "support/sshd.hpp"

#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>
#include <brigade/ssh/session.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <catch2/catch.hpp>

using namespace brigade::ssh;
using brigade::test::config_for;
using brigade::test::run_async;
using brigade::test::Sshd;

namespace {

// A transport in front of another that counts what goes through it: what a jump host's
// channel or a ProxyCommand's pipes will be, seen from the session.
class CountingTransport final : public Transport {
 public:
  explicit CountingTransport(std::unique_ptr<Transport> inner) : inner_(std::move(inner)) {}
  ssize_t send(const void* data, std::size_t length) override {
    const ssize_t n = inner_->send(data, length);
    sent += n > 0 ? static_cast<std::size_t>(n) : 0;
    return n;
  }
  ssize_t receive(void* data, std::size_t length) override {
    const ssize_t n = inner_->receive(data, length);
    received += n > 0 ? static_cast<std::size_t>(n) : 0;
    return n;
  }
  asio::awaitable<void> wait(int directions) override {
    ++waits;
    co_await inner_->wait(directions);
  }
  int handshake_fd() const override { return inner_->handshake_fd(); }
  int release_for_disposal() override { return inner_->release_for_disposal(); }
  asio::any_io_executor executor() override { return inner_->executor(); }

  std::size_t sent = 0;
  std::size_t received = 0;
  std::size_t waits = 0;

 private:
  std::unique_ptr<Transport> inner_;
};

}  // namespace

TEST_CASE("transport: a session does all its I/O through the transport it is given",
          "[sshd][ssh][transport]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  Libssh2Library library;
  HostKeyStore host_keys;
  Credentials credentials;
  const HostConfig config = config_for(sshd);
  std::size_t sent = 0;
  std::size_t received = 0;
  brigade::test::CollectingSink sink;
  const ExecResult result = run_async([&]() -> asio::awaitable<ExecResult> {
    // (No braced temporaries as coroutine arguments: g++ 12 frees them twice.)
    std::unique_ptr<Transport> tcp = co_await TcpTransport::connect(config);
    auto counting = std::make_unique<CountingTransport>(std::move(tcp));
    CountingTransport* seen = counting.get();
    const SessionContext context{&host_keys, &credentials};
    auto session = co_await Session::over(std::move(counting), config, context);
    ExecRequest request;
    request.command = "echo through; exit 7";
    auto ended = co_await session->exec(request, sink);
    co_await session->close();
    sent = seen->sent;
    received = seen->received;
    CHECK(seen->waits > 0);  // every wait for readiness too
    co_return ended;
  }());  // the session is freed by the reaper after its transport is gone: nothing touches it
  CHECK(result.exit_status == 7);
  CHECK(sink.out == std::vector<std::string>{"through"});
  // The handshake, authentication and the command: kilobytes each way, all counted.
  CHECK(sent > 1000);
  CHECK(received > 1000);
}

TEST_CASE("transport: a TCP connection refused is a connect failure naming the endpoint",
          "[ssh][transport]") {
  const brigade::test::ClosedPort closed;
  HostConfig config;
  config.host_name = "127.0.0.1";
  config.port = closed.port();
  try {
    run_async([&]() -> asio::awaitable<void> { co_await TcpTransport::connect(config); }());
    FAIL("expected an SshError");
  } catch (const SshError& e) {
    CHECK(e.kind() == brigade::FailureKind::connect);
    CHECK(std::string(e.what()) ==
          "connect to 127.0.0.1 port " + std::to_string(closed.port()) + ": Connection refused");
  }
}
