#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/util/file_reader.hpp>
#include <brigade/util/json_file.hpp>

#include <catch2/catch.hpp>

#include <sys/stat.h>

using brigade::read_file_pieces;
using brigade::test::TempDir;

namespace {

brigade::Result<std::string> read_all(const std::string& path, std::size_t max = 1 << 20,
                                      std::size_t* pieces = nullptr) {
  std::string text;
  auto read = read_file_pieces(path, "file", max, [&](std::string_view piece) {
    text.append(piece);
    if (pieces != nullptr) {
      ++*pieces;
    }
  });
  if (!read) {
    return read.error();
  }
  return text;
}

}  // namespace

TEST_CASE("file reader: a regular file in pieces, /dev/null as empty", "[file_reader]") {
  TempDir dir;
  std::string big;
  for (int i = 0; big.size() < 200000; ++i) {
    big += "line " + std::to_string(i) + "\n";
  }
  dir.write("big", big);
  std::size_t pieces = 0;
  auto text = read_all(dir.str() + "/big", 1 << 20, &pieces);
  REQUIRE(text.ok());
  CHECK(*text == big);
  CHECK(pieces > 1);
  auto null = read_all("/dev/null");
  REQUIRE(null.ok());
  CHECK(null->empty());
}

TEST_CASE("file reader: a FIFO, a device, a directory or an oversized file is an error, at once",
          "[file_reader]") {
  TempDir dir;
  REQUIRE(::mkfifo((dir.str() + "/fifo").c_str(), 0600) == 0);
  auto fifo = read_all(dir.str() + "/fifo");  // no writer: would block without O_NONBLOCK
  REQUIRE_FALSE(fifo.ok());
  CHECK(fifo.error().message == "cannot read file: it is a FIFO, not a regular file");
  auto zero = read_all("/dev/zero");
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().message == "cannot read file: it is a character device, not a regular file");
  auto directory = read_all(dir.str());
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.error().message == "cannot read file: it is a directory, not a regular file");
  dir.write("large", std::string(3 << 20, 'x'));
  auto large = read_all(dir.str() + "/large", 2 << 20);
  REQUIRE_FALSE(large.ok());
  CHECK(large.error().message ==
        "cannot read file: it is larger than 2 MiB, more than such a file ever holds");
  int open_errno = 0;
  auto missing = read_file_pieces(
      dir.str() + "/missing", "file", 100, [](std::string_view) {}, &open_errno);
  CHECK_FALSE(missing.ok());
  CHECK(open_errno == ENOENT);
  // Every configuration file is read this way.
  auto config = brigade::read_text_file(dir.str() + "/fifo");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().message == "cannot read file: it is a FIFO, not a regular file");
}
