// What the brigade process guarantees about itself from its first instruction: standard fds
// open, no core dump of a process that holds secrets. The real binary, as users start it.
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

using brigade::test::file_text;
using brigade::test::run_shell;
using brigade::test::run_shell_ok;
using brigade::test::Sshd;
using brigade::test::TempDir;

namespace {

// The owner of /proc/PID/environ once PID runs `program` and it is `expected` (the kernel makes
// the files of a process that may not dump core root's), or the last owner seen within the bound;
// -1 if it never ran `program`.
long proc_owner(int pid, const std::string& program, long expected) {
  long owner = -1;
  brigade::test::wait_until(
      [&] {
        std::error_code ec;
        const auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
        struct stat st {};
        if (!ec && exe.filename() == program &&
            ::stat(("/proc/" + std::to_string(pid) + "/environ").c_str(), &st) == 0) {
          owner = static_cast<long>(st.st_uid);
        }
        return owner == expected;
      },
      10000);
  return owner;
}

}  // namespace

TEST_CASE("brigade started with stdout closed writes nothing into the files it opens",
          "[sshd][deploy]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  brigade::test::make_fleet_kitchen(kitchen, sshd, 2, "echo converged");
  const std::string brigade = BRIGADE_BINARY;
  const auto fix = run_shell("'" + brigade + "' fix -k '" + kitchen.str() +
                             "' --yes node:all >&- 2>&-; echo $?");
  CHECK(fix.output == "0\n");
  // The log root's lock file is the first file a run opens: it holds its holder's one line,
  // not the run's summary.
  const std::string lock = file_text(kitchen.str() + "/logs/.brigade.lock");
  INFO(lock);
  CHECK(std::count(lock.begin(), lock.end(), '\n') == 1);
  CHECK(lock.find("deployed") == std::string::npos);
  CHECK(file_text(kitchen.str() + "/logs/latest/nodes/n01.fleet.test.log").find("converged") !=
        std::string::npos);
  const auto exec = run_shell("'" + brigade + "' exec -k '" + kitchen.str() +
                              "' node:all -- echo hi <&- >&- 2>&-; echo $?");
  CHECK(exec.output == "0\n");
}

TEST_CASE("brigade never dumps core nor lets its user attach to it: it holds secrets",
          "[process]") {
  if (geteuid() != 0 || run_shell("command -v setpriv").status != 0) {
    BRIGADE_SKIP("needs root and setpriv, to run brigade as another user");
  }
  // A kitchen whose one node is reached through a ProxyCommand that never answers: brigade
  // waits there, as nobody, long enough to be looked at.
  TempDir dir;
  std::filesystem::permissions(
      dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                      std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                      std::filesystem::perms::others_exec);
  dir.write("ssh_config", "Host stuck\n  ProxyCommand sleep 60\n  ConnectTimeout 60\n");
  dir.write("kitchen/littlechef.cfg", "[userinfo]\nssh-config = " + dir.str() + "/ssh_config\n");
  dir.write("kitchen/nodes/stuck.json", "{}");
  run_shell_ok("chmod -R a+rX '" + dir.str() + "'");
  const std::string as_nobody =
      "setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=" + dir.str() + " ";
  const int pid =
      std::stoi(run_shell_ok(as_nobody + "'" + std::string(BRIGADE_BINARY) + "' exec -k '" +
                             dir.str() + "/kitchen' node:stuck -- true >/dev/null 2>&1 & echo $!"));
  // The same user's plain process, for comparison: its /proc files are its own.
  const int control = std::stoi(run_shell_ok(as_nobody + "sleep 60 >/dev/null 2>&1 & echo $!"));
  CHECK(proc_owner(control, "sleep", 65534) == 65534);
  CHECK(proc_owner(pid, "brigade", 0) == 0);
  run_shell("kill " + std::to_string(pid) + " " + std::to_string(control));
  // Programs it starts are not affected (execve resets it): its ProxyCommand's sleep is
  // nobody's. Killed with it.
  run_shell("pkill -u 65534 -f '^sleep 60$'");
}
