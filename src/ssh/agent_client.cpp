#include <brigade/ssh/agent_client.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace brigade::ssh {

namespace {

constexpr unsigned char kRequestIdentities = 11;
constexpr unsigned char kIdentitiesAnswer = 12;
constexpr unsigned char kSignRequest = 13;
constexpr unsigned char kSignResponse = 14;
constexpr std::uint32_t kMaxMessage = 256 * 1024;  // as OpenSSH's AGENT_MAX_LEN

void put_u32(std::string& out, std::uint32_t value) {
  out += static_cast<char>(value >> 24);
  out += static_cast<char>(value >> 16);
  out += static_cast<char>(value >> 8);
  out += static_cast<char>(value);
}

void put_string(std::string& out, std::string_view value) {
  put_u32(out, static_cast<std::uint32_t>(value.size()));
  out += value;
}

// Reads SSH wire-format values from a message; any overrun makes every later read fail.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool u32(std::uint32_t& value) {
    if (data_.size() < 4) {
      return false;
    }
    value = (static_cast<std::uint32_t>(static_cast<unsigned char>(data_[0])) << 24) |
            (static_cast<std::uint32_t>(static_cast<unsigned char>(data_[1])) << 16) |
            (static_cast<std::uint32_t>(static_cast<unsigned char>(data_[2])) << 8) |
            static_cast<std::uint32_t>(static_cast<unsigned char>(data_[3]));
    data_.remove_prefix(4);
    return true;
  }
  bool string(std::string& value) {
    std::uint32_t length = 0;
    if (!u32(length) || length > data_.size()) {
      return false;
    }
    value.assign(data_.substr(0, length));
    data_.remove_prefix(length);
    return true;
  }
  bool byte(unsigned char& value) {
    if (data_.empty()) {
      return false;
    }
    value = static_cast<unsigned char>(data_[0]);
    data_.remove_prefix(1);
    return true;
  }

 private:
  std::string_view data_;
};

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) {
      return true;
    }
    if (rc < 0 && errno != EINTR) {
      return false;
    }
  }
}

Diagnostic agent_error(const std::string& path, const std::string& what) {
  return Diagnostic{.message = "ssh-agent at " + path + ": " + what};
}

}  // namespace

AgentClient::~AgentClient() = default;

Result<std::unique_ptr<AgentClient>> AgentClient::connect(const std::string& socket_path,
                                                          std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  if (socket_path.empty() || socket_path.size() >= sizeof(address.sun_path)) {
    return agent_error(socket_path, "unusable socket path");
  }
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) {
    return agent_error(socket_path, std::strerror(errno));
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return agent_error(socket_path, std::string("cannot connect: ") + std::strerror(errno));
  }
  std::unique_ptr<AgentClient> client(new AgentClient(std::move(fd), socket_path, timeout));
  auto answer = client->transact(std::string(1, static_cast<char>(kRequestIdentities)));
  if (!answer) {
    return answer.error();
  }
  Reader reader(*answer);
  unsigned char type = 0;
  std::uint32_t count = 0;
  if (!reader.byte(type) || type != kIdentitiesAnswer || !reader.u32(count)) {
    return agent_error(socket_path, "unexpected answer to the identities request");
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    AgentIdentity identity;
    if (!reader.string(identity.blob) || !reader.string(identity.comment)) {
      return agent_error(socket_path, "truncated identities answer");
    }
    Reader blob(identity.blob);
    blob.string(identity.type);
    client->identities_.push_back(std::move(identity));
  }
  return client;
}

Result<std::string> AgentClient::transact(const std::string& request) {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::string framed;
  put_string(framed, request);
  std::size_t sent = 0;
  while (sent < framed.size()) {
    ssize_t n = ::send(fd_.get(), framed.data() + sent, framed.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_ready(fd_.get(), POLLOUT, deadline)) {
        return agent_error(path_, "no answer within " + std::to_string(timeout_.count()) + " ms");
      }
    } else {
      return agent_error(path_, std::string("cannot send: ") + std::strerror(errno));
    }
  }
  std::string received;
  std::size_t wanted = 4;
  while (received.size() < wanted) {
    char buffer[4096];
    ssize_t n = ::recv(fd_.get(), buffer, std::min(sizeof(buffer), wanted - received.size()), 0);
    if (n > 0) {
      received.append(buffer, static_cast<std::size_t>(n));
      if (wanted == 4 && received.size() == 4) {
        std::uint32_t length = 0;
        Reader(received).u32(length);
        if (length == 0 || length > kMaxMessage) {
          return agent_error(path_, "answer of implausible length " + std::to_string(length));
        }
        wanted = 4 + length;
      }
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_ready(fd_.get(), POLLIN, deadline)) {
        return agent_error(path_, "no answer within " + std::to_string(timeout_.count()) + " ms");
      }
    } else {
      return agent_error(path_, n == 0 ? "the agent closed the connection"
                                       : std::string("cannot receive: ") + std::strerror(errno));
    }
  }
  return received.substr(4);
}

Result<std::string> AgentClient::sign(std::string_view blob, std::string_view data) {
  std::string request(1, static_cast<char>(kSignRequest));
  put_string(request, blob);
  put_string(request, data);
  put_u32(request, 0);  // flags: the key's default algorithm
  auto answer = transact(request);
  if (!answer) {
    return answer.error();
  }
  Reader reader(*answer);
  unsigned char type = 0;
  std::string signature_blob;
  if (!reader.byte(type) || type != kSignResponse || !reader.string(signature_blob)) {
    return agent_error(path_, "the agent refused to sign");
  }
  Reader signature(signature_blob);
  std::string algorithm;
  std::string raw;
  if (!signature.string(algorithm) || !signature.string(raw)) {
    return agent_error(path_, "malformed signature");
  }
  return raw;
}

}  // namespace brigade::ssh
