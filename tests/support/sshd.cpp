#include "support/sshd.hpp"

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace brigade::test {

namespace {

std::string read_all(const std::string& file) {
  std::ifstream in(file);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool port_accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

ClosedPort::ClosedPort() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(addr);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    throw std::runtime_error("cannot bind a loopback port");
  }
  port_ = ntohs(addr.sin_port);
}

ClosedPort::~ClosedPort() {
  ::close(fd_);
}

ssh::HostConfig host_config(const Sshd& sshd, const std::string& name) {
  std::vector<Diagnostic> warnings;
  auto config = ssh::SshConfig::load(sshd.ssh_config_file(), "", sshd.home(), warnings);
  REQUIRE(config.ok());
  ssh::HostDefaults defaults;
  defaults.local_user = "root";
  defaults.home = sshd.home();
  return config->resolve(name, defaults);
}

bool can_isolate_hosts() {
  static const bool can =
      can_run_sshd() && ::system(
                            "unshare -m sh -c 'mount --bind /etc/hosts /etc/hosts' "
                            ">/dev/null 2>&1") == 0;
  return can;
}

bool can_run_sshd() {
  return ::geteuid() == 0 && ::access("/usr/sbin/sshd", X_OK) == 0;
}

Sshd::Sshd() : Sshd(Options{}) {}

Sshd::Sshd(Options options) {
  start(options);
}

Sshd::~Sshd() {
  stop();
}

std::string Sshd::host_public_key() const {
  std::string line = read_all(path("host_key.pub"));
  // "type base64 comment": keep type and key.
  auto second_space = line.find(' ', line.find(' ') + 1);
  return line.substr(0, second_space);
}

void Sshd::kill_with_connections() {
  if (pid_ > 0) {
    // Its connections are its children until it is gone.
    ::system(("pkill -KILL -P " + std::to_string(pid_)).c_str());
  }
  stop();
}

void Sshd::signal_connections(int signal) {
  if (pid_ > 0) {
    ::system(fmt::format("pkill -{} -P {}", signal, pid_).c_str());
  }
}

std::string Sshd::log() const {
  return read_all(path("sshd.log"));
}

void Sshd::start(const Options& options) {
  run_shell_ok("ssh-keygen -q -t " + options.host_key_type + " -N '' -C host -f " +
               path("host_key"));
  run_shell_ok("ssh-keygen -q -t ed25519 -N '' -C client -f " + client_key());
  run_shell_ok("cp " + client_key() + ".pub " + path("authorized_keys"));
  std::filesystem::create_directories(home());
  std::ofstream(home() + "/.bashrc") << "";
  std::filesystem::create_directories("/run/sshd");  // sshd's privilege separation directory

  port_ = free_loopback_port();
  std::ofstream config(path("sshd_config"));
  // sshd keeps the first value it reads: a test's own settings go first.
  config << options.extra_config << "\n"
         << "ListenAddress 127.0.0.1:" << port_ << "\n"
         << "HostKey " << path("host_key") << "\n"
         << "AuthorizedKeysFile " << path("authorized_keys") << " .ssh/authorized_keys\n"
         << "PidFile " << path("sshd.pid") << "\n"
         << "UsePAM no\n"
         << "StrictModes no\n"
         << "PermitRootLogin prohibit-password\n"
         << "PasswordAuthentication no\n"
         << "KbdInteractiveAuthentication no\n"
         << "UseDNS no\n"
         << "LogLevel ERROR\n"
         << "PrintMotd no\n"
         << "PrintLastLog no\n"
         << "MaxStartups " << options.max_startups << "\n"
         << "MaxSessions " << options.max_sessions << "\n"
         << "SetEnv HOME=" << home() << "\n";
  config.close();

  std::ofstream(known_hosts_file()) << "[127.0.0.1]:" << port_ << " " << host_public_key() << "\n";
  std::ofstream(ssh_config_file()) << "Host *.fleet.test\n"
                                   << "  HostName 127.0.0.1\n"
                                   << "  Port " << port_ << "\n"
                                   << "  User root\n"
                                   << "  IdentityFile " << client_key() << "\n"
                                   << "  IdentitiesOnly yes\n"
                                   << "  UserKnownHostsFile " << known_hosts_file() << "\n"
                                   << "  GlobalKnownHostsFile /dev/null\n"
                                   << "  StrictHostKeyChecking yes\n";

  if (!options.hosts_file.empty()) {
    std::ofstream(path("hosts")) << options.hosts_file;
  }
  std::string mounts;
  if (!options.hosts_file.empty()) {
    mounts += "mount --bind '" + path("hosts") + "' /etc/hosts && ";
  }
  for (const auto& dir : options.private_dirs) {
    std::filesystem::create_directories(private_dir(dir));
    std::filesystem::create_directories(dir);  // a mount point; stays empty out here
    mounts += "mount --bind '" + private_dir(dir) + "' '" + dir + "' && ";
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    if (!mounts.empty()) {
      // unshare and sh exec in turn, so the pid is sshd's; the bind mounts are private to it.
      const std::string script = mounts + "exec /usr/sbin/sshd -D -f '" + path("sshd_config") +
                                 "' -E '" + path("sshd.log") + "'";
      ::execl("/usr/bin/unshare", "unshare", "-m", "/bin/sh", "-c", script.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-f", path("sshd_config").c_str(), "-E",
            path("sshd.log").c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Bounded start-up wait: 100 × 50 ms.
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (port_accepts(port_)) {
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("sshd exited at start: " + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop();
  throw std::runtime_error("sshd did not start listening within 5 s: " + log());
}

void Sshd::stop() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  // Bounded: 100 × 20 ms, then KILL.
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace brigade::test
