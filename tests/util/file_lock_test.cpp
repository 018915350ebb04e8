#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/util/file_lock.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <optional>

using brigade::FileLock;

TEST_CASE("file lock: one holder at a time, named to the next, freed when its holder dies",
          "[lock]") {
  brigade::test::TempDir dir;
  const std::string path = dir.str() + "/.lock";
  {
    auto first = FileLock::acquire(path, "pid 1 run A");
    REQUIRE(first.ok());
    auto second = FileLock::acquire(path, "pid 2 run B");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().message == "locked by another run (pid 1 run A)");
    CHECK(brigade::test::run_shell_ok("stat -c %a " + path) == "600\n");
  }
  // Released with its owner: the next one takes it.
  REQUIRE(FileLock::acquire(path, "pid 3 run C").ok());

  // A holder killed while holding it leaves nothing stale behind.
  const int status = brigade::test::result_in_child([&] {
    auto held = FileLock::acquire(path, "pid 4 run D");
    ::_exit(held.ok() ? 0 : 1);  // no destructor runs: as killed
    return 1;
  });
  CHECK(status == 0);
  auto after = FileLock::acquire(path, "pid 5 run E");
  REQUIRE(after.ok());
  CHECK(brigade::test::file_text(path) == "pid 5 run E\n");

  // Never through a symlink.
  ::symlink("/etc/passwd", (dir.str() + "/link").c_str());
  CHECK_FALSE(FileLock::acquire(dir.str() + "/link", "x").ok());
}
