#include "support/sudo_user.hpp"

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace brigade::test {

namespace {

std::string random_hex(int bytes) {
  std::random_device random;
  std::string text;
  for (int i = 0; i < bytes; ++i) {
    text += fmt::format("{:02x}", random() & 0xff);
  }
  return text;
}

// useradd and userdel take /etc/passwd's lock and give up at once when another holds it (a
// test beside this one making its own account): a few tries.
void run_with_passwd_lock(const std::string& command) {
  CommandOutput last;
  for (int attempt = 0; attempt < 50; ++attempt) {
    last = run_shell(command + " 2>&1");
    if (last.status == 0) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("`" << command << "` failed: " << last.output);
}

}  // namespace

bool can_create_sudo_users() {
  return ::geteuid() == 0 && ::access("/usr/sbin/useradd", X_OK) == 0 &&
         ::access("/usr/sbin/chpasswd", X_OK) == 0 && ::access("/usr/bin/sudo", X_OK) == 0 &&
         std::filesystem::is_directory("/etc/sudoers.d");
}

SudoUser::SudoUser(const Sshd& sshd, Mode mode) : name_("brgd" + random_hex(4)) {
  // A password with what a shell would expand or split: it must travel as bytes.
  password_ = "p w$(x)'\"" + random_hex(6);
  home_ = "/tmp/brigade-home-" + name_;
  run_with_passwd_lock(fmt::format("useradd -M -U -d {} -s /bin/sh {}", home_, name_));
  // chpasswd reads name:password on stdin, never argv. An account without a password is
  // locked, and sshd (UsePAM no) refuses locked accounts even for keys.
  bool set = false;
  for (int attempt = 0; attempt < 50 && !set; ++attempt) {
    FILE* chpasswd = ::popen("chpasswd 2>/dev/null", "w");
    REQUIRE(chpasswd != nullptr);
    std::fprintf(chpasswd, "%s:%s\n", name_.c_str(), password_.c_str());
    set = ::pclose(chpasswd) == 0;  // the lock may be another test's for a moment
    if (!set) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  REQUIRE(set);
  std::filesystem::create_directories(home_ + "/.ssh");
  std::filesystem::copy_file(sshd.client_key() + ".pub", home_ + "/.ssh/authorized_keys");
  run_shell_ok(
      fmt::format("chown -R {0}:{0} {1} && chmod 0755 {1} && chmod 0700 {1}/.ssh && "
                  "chmod 0600 {1}/.ssh/authorized_keys",
                  name_, home_));
  if (mode != Mode::not_allowed) {
    sudoers_ = "/etc/sudoers.d/" + name_;
    const std::string rule =
        mode == Mode::passwordless
            ? fmt::format("{} ALL=(ALL:ALL) NOPASSWD: ALL\n", name_)
            : fmt::format("Defaults:{0} timestamp_timeout=0\n{0} ALL=(ALL:ALL) ALL\n", name_);
    const int fd = ::open(sudoers_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0440);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, rule.data(), rule.size()) == static_cast<ssize_t>(rule.size()));
    ::close(fd);
  }
}

SudoUser::~SudoUser() {
  if (!sudoers_.empty()) {
    std::filesystem::remove(sudoers_);
  }
  run_shell(fmt::format("pkill -KILL -u {} 2>/dev/null", name_));
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (run_shell(fmt::format("userdel {} 2>/dev/null", name_)).status == 0 ||
        run_shell(fmt::format("id {} >/dev/null 2>&1", name_)).status != 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::error_code ignored;
  std::filesystem::remove_all(home_, ignored);
}

std::string SudoUser::ssh_config(const Sshd& sshd, const TempDir& dir) const {
  const std::string path = dir.str() + "/ssh_config-" + name_;
  std::ofstream(path) << "Host *.fleet.test\n  User " << name_ << "\n"
                      << file_text(sshd.ssh_config_file());
  return path;
}

}  // namespace brigade::test
