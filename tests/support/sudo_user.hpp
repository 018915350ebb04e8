#pragma once

#include "support/skip.hpp"
#include "support/sshd.hpp"
#include "support/temp_dir.hpp"

#include <string>

namespace brigade::test {

/// A non-root account on this machine for a test, who logs in to `sshd` with its client key
/// and may use sudo as `mode` says; the account, its group, its sudoers file and its home are
/// removed on destruction (its processes killed first). Names are random: tests running at
/// the same time never share one.
class SudoUser {
 public:
  enum class Mode {
    passwordless,   ///< NOPASSWD: ALL
    with_password,  ///< ALL, asking for the account's password
    not_allowed,    ///< not in sudoers at all
  };
  SudoUser(const Sshd& sshd, Mode mode);
  ~SudoUser();
  SudoUser(const SudoUser&) = delete;
  SudoUser& operator=(const SudoUser&) = delete;

  const std::string& name() const { return name_; }
  /// The account's password (with_password): random, with characters a shell would expand.
  const std::string& password() const { return password_; }
  /// Its home directory (owned by it, mode 0755).
  const std::string& home() const { return home_; }
  /// `sshd`'s ssh_config with this user for `*.fleet.test`, written to `dir`; its path.
  std::string ssh_config(const Sshd& sshd, const TempDir& dir) const;

 private:
  std::string name_;
  std::string password_;
  std::string home_;
  std::string sudoers_;
};

/// True when accounts can be made for tests: root, with useradd, chpasswd and sudo installed.
bool can_create_sudo_users();

}  // namespace brigade::test

/// Ends (as skipped) a test that needs a non-root account with sudo.
#define BRIGADE_REQUIRE_SUDO_USERS()                                                     \
  do {                                                                                   \
    if (!brigade::test::can_run_sshd() || !brigade::test::can_create_sudo_users()) {     \
      BRIGADE_SKIP("needs root, useradd, chpasswd and sudo to make a non-root account"); \
    }                                                                                    \
  } while (false)
