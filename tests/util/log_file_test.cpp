#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/util/log_file.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using brigade::create_run_directory;
using brigade::LogFile;
using brigade::LogModes;
using brigade::replace_symlink;
using brigade::write_file_atomically;
using brigade::test::TempDir;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// The close-on-exec flag of the descriptor this process holds open on `path`.
bool close_on_exec(const std::string& path) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(entry.path(), ec) == path) {
      int fd = std::stoi(entry.path().filename().string());
      return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
    }
  }
  FAIL("no descriptor open on " << path);
  return false;
}

}  // namespace

TEST_CASE("log file: created new and private, never over a file or through a symlink",
          "[log_file]") {
  TempDir dir;
  const mode_t old_umask = ::umask(0);  // a permissive umask must not widen the mode
  auto file = LogFile::create(dir.str() + "/node.log", 0600);
  ::umask(old_umask);
  REQUIRE(file.ok());
  CHECK(mode_of(dir.str() + "/node.log") == 0600);
  CHECK(close_on_exec(dir.str() + "/node.log"));
  file->write("one\n");
  file->write("two\n");
  file->close();
  CHECK_FALSE(file->error().has_value());
  CHECK(brigade::test::file_text(dir.str() + "/node.log") == "one\ntwo\n");

  auto again = LogFile::create(dir.str() + "/node.log", 0600);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().render() == dir.str() + "/node.log: cannot create: File exists");

  const std::string victim = dir.write("victim", "precious\n").string();
  std::filesystem::create_symlink(victim, dir.str() + "/link.log");
  auto through = LogFile::create(dir.str() + "/link.log", 0600);
  CHECK_FALSE(through.ok());
  CHECK(brigade::test::file_text(victim) == "precious\n");
}

TEST_CASE("log file: a write that fails is kept as the file's error, never dropped", "[log_file]") {
  TempDir dir;
  const std::string path = dir.str() + "/big.log";
  // In a child limited to 4 KiB files (EFBIG stands in for a full disk): 0 = error reported.
  CHECK(brigade::test::result_in_child([&] {
          ::signal(SIGXFSZ, SIG_IGN);
          rlimit limit{4096, 4096};
          ::setrlimit(RLIMIT_FSIZE, &limit);
          auto file = LogFile::create(path, 0600);
          if (!file) {
            return 3;
          }
          for (int i = 0; i < 2000; ++i) {
            file->write("a line of node output that will not fit\n");
          }
          file->close();
          return file->error() == std::optional<std::string>("File too large") ? 0 : 1;
        }) == 0);
}

TEST_CASE("log file: run directories are made new, a second one in the same second gets -2",
          "[log_file]") {
  TempDir dir;
  const std::string root = dir.str() + "/logs";
  auto first = create_run_directory(root, "20261201T120000Z", 0700);
  auto second = create_run_directory(root, "20261201T120000Z", 0700);
  auto third = create_run_directory(root, "20261201T120000Z", 0700);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(third.ok());
  CHECK(*first == "20261201T120000Z");
  CHECK(*second == "20261201T120000Z-2");
  CHECK(*third == "20261201T120000Z-3");
  CHECK(mode_of(root + "/" + *first) == 0700);
  CHECK(mode_of(root) == 0700);

  REQUIRE(replace_symlink(root + "/latest", *first).ok());
  REQUIRE(replace_symlink(root + "/latest", *second).ok());
  CHECK(std::filesystem::read_symlink(root + "/latest") == *second);

  dir.write("file", "");
  auto blocked = create_run_directory(dir.str() + "/file", "x", 0700);
  CHECK_FALSE(blocked.ok());
}

TEST_CASE("log file: reports replace their file atomically, never writing through a symlink",
          "[log_file]") {
  TempDir dir;
  const std::string victim = dir.write("victim", "precious\n").string();
  const std::string report = dir.str() + "/report.json";
  std::filesystem::create_symlink(victim, report);
  REQUIRE(write_file_atomically(report, "{}\n").ok());
  CHECK(brigade::test::file_text(victim) == "precious\n");  // the link was replaced, not followed
  CHECK(brigade::test::file_text(report) == "{}\n");
  CHECK(mode_of(report) == 0600);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 2);  // no temporary left
  REQUIRE(write_file_atomically(report, "{\"a\": 1}\n", 0640).ok());
  CHECK(mode_of(report) == 0640);
  auto impossible = write_file_atomically("/proc/nope/r.json", "{}");
  REQUIRE_FALSE(impossible.ok());
  CHECK(impossible.error().render().starts_with("/proc/nope/r.json: cannot write: "));
}

TEST_CASE("log file: --log-mode", "[log_file]") {
  auto group = LogModes::parse("0640");
  REQUIRE(group.ok());
  CHECK(group->file == 0640);
  CHECK(group->directory == 0750);
  CHECK(LogModes::parse("600")->directory == 0700);
  CHECK(LogModes::parse("0644")->directory == 0755);
  CHECK(LogModes::parse("0400").error().message ==
        "0400 would keep Brigade from writing its own logs: the owner needs read and write (0600)");
  CHECK(LogModes::parse("rw").error().message ==
        "expected an octal file mode such as 0640, got 'rw'");
  CHECK_FALSE(LogModes::parse("04755").ok());
  CHECK_FALSE(LogModes::parse("").ok());
}

TEST_CASE("log files: --keep-runs prunes only old run directories", "[log_file]") {
  brigade::test::TempDir root;
  namespace fs = std::filesystem;
  const std::vector<std::string> runs = {"20261129T230000Z",   "20261130T010000Z",
                                         "20261130T010000Z-2", "20261130T010000Z-10",
                                         "20261201T000000Z",   "20261201T120000Z"};
  for (const auto& run : runs) {
    root.write(run + "/report.json", "{}");
  }
  root.write("notes.txt", "mine");
  root.write("20261101T000000Z.json", "not a directory");
  fs::create_directories(root.path() / "elsewhere");
  root.write("elsewhere/keep", "x");
  fs::create_directory_symlink(root.path() / "elsewhere", root.path() / "20261001T000000Z");
  // latest points at an old run (as after a --log-dir change): it stays.
  fs::create_directory_symlink("20261130T010000Z", root.path() / "latest");

  CHECK(brigade::is_run_id("20261130T010000Z-2"));
  CHECK_FALSE(brigade::is_run_id("20261130T010000Z-"));
  CHECK_FALSE(brigade::is_run_id("latest"));
  CHECK_FALSE(brigade::is_run_id("../20261130T010000Z"));

  const auto pruned = brigade::prune_runs(root.path(), 2, "20261201T120000Z");
  CHECK(pruned.problems.empty());
  // The oldest go in the order they were made (-2 before -10), latest's target stays.
  CHECK(pruned.removed ==
        std::vector<std::string>{"20261129T230000Z", "20261130T010000Z-2", "20261130T010000Z-10"});
  for (const char* kept : {"20261130T010000Z", "20261201T000000Z", "20261201T120000Z", "notes.txt",
                           "20261101T000000Z.json", "elsewhere/keep"}) {
    CHECK(fs::exists(root.path() / kept));
  }
  CHECK(fs::is_symlink(root.path() / "20261001T000000Z"));  // a symlink is never followed
  CHECK(brigade::prune_runs(root.path(), 0 + 30, "x").removed.empty());
}

TEST_CASE("log file: an atomic write never replaces what is not a file", "[log_file]") {
  brigade::test::TempDir dir;
  const std::string fifo = dir.str() + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto written = write_file_atomically(fifo, "{}\n");
  REQUIRE_FALSE(written.ok());
  CHECK(written.error().message.starts_with("cannot write: it exists and is not a regular file"));
  struct stat info {};
  REQUIRE(::lstat(fifo.c_str(), &info) == 0);
  CHECK(S_ISFIFO(info.st_mode));                               // still the FIFO
  CHECK_FALSE(write_file_atomically(dir.str(), "{}\n").ok());  // a directory
}
