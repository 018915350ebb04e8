#pragma once

// A session's byte stream to a local process, its ProxyCommand. Private to src/ssh/.

#include <brigade/ssh/ssh_config.hpp>
#include <brigade/ssh/transport.hpp>
#include <brigade/util/output_sink.hpp>

#include <asio/local/stream_protocol.hpp>

#include <sys/types.h>

#include <memory>

namespace brigade::ssh {

class ProcessTransport final : public Transport {
 public:
  /// Starts `/bin/sh -c 'exec COMMAND'` (proxy_command_line) with one end of a socket pair as
  /// its stdin and stdout, in a process group of its own (a terminal's Ctrl-C is Brigade's to
  /// handle); its stderr lines go to `stderr_sink` while the transport lives (may be null).
  /// Throws SshError (config) for a command that cannot be made, (connect) when it cannot start.
  static std::unique_ptr<ProcessTransport> start(const HostConfig& host,
                                                 asio::any_io_executor executor,
                                                 OutputSink* stderr_sink);
  ~ProcessTransport() override;

  ssize_t send(const void* data, std::size_t length) override;
  ssize_t receive(void* data, std::size_t length) override;
  asio::awaitable<void> wait(int directions) override;
  std::string why_closed() override;
  int handshake_fd() const override;
  int release_for_disposal() override;
  asio::any_io_executor executor() override { return socket_.get_executor(); }

  struct StderrReader;  ///< Defined in the .cpp.

 private:
  ProcessTransport(asio::any_io_executor executor, int fd, pid_t pid);

  asio::local::stream_protocol::socket socket_;
  pid_t pid_;
  std::shared_ptr<StderrReader> stderr_;
};

}  // namespace brigade::ssh
