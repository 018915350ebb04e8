#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/run/kitchen_archive.hpp>
#include <brigade/run/kitchen_delta.hpp>

#include <catch2/catch.hpp>

#include <fstream>

using namespace brigade;
using brigade::test::run_shell_ok;
using brigade::test::TempDir;

namespace {

const std::vector<std::string> kSynced = {"cookbooks", "roles", "site-cookbooks"};

void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

// Every entry under `dir`: type, mode, name, link target, and each file's checksum.
std::string snapshot(const std::string& dir) {
  return run_shell_ok("cd '" + dir +
                      "' && find . -mindepth 1 -printf '%y %m %p -> %l\\n' | LC_ALL=C sort && "
                      "find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum");
}

void unpack(const std::string& gzip, const std::string& into) {
  write_file(into + ".tgz", gzip);
  run_shell_ok("mkdir -p '" + into + "' && tar -xzf '" + into + ".tgz' -C '" + into + "'");
}

// What a node does with a delta: removes, then unpacks, into a linked copy of the base.
void apply_delta(const KitchenDelta& delta, const std::string& tree) {
  std::string list;
  for (const auto& path : delta.removed) {
    list += path;
    list += '\0';
  }
  write_file(tree + ".removed", list);
  run_shell_ok("cd '" + tree + "' && xargs -0r rm -rf -- < '" + tree + ".removed'");
  unpack(*delta.gzip, tree);
}

KitchenArchive archive_of(const TempDir& kitchen) {
  auto archive = build_kitchen_archive(kitchen.path(), kSynced);
  REQUIRE(archive.ok());
  return *archive;
}

void base_kitchen(const TempDir& kitchen) {
  kitchen.write("cookbooks/a/recipes/default.rb", "package 'a'\n");
  kitchen.write("cookbooks/a/recipes/x.rb", "x\n");
  kitchen.write("cookbooks/a/files/run.sh", "#!/bin/sh\n");
  kitchen.write("cookbooks/a/templates/default/a.conf.erb", "<%= @a %>\n");
  kitchen.write("cookbooks/b/templates/default/b.erb", "b\n");
  kitchen.write("cookbooks/b/recipes/default.rb", "package 'b'\n");
  kitchen.write("cookbooks/b/files/same/one", "same\n");  // two identical directories
  kitchen.write("cookbooks/a/files/same/one", "same\n");
  kitchen.write("roles/web.json", "{}\n");
  kitchen.write("site-cookbooks/odd name %/new\nline", "odd\n");
  run_shell_ok("cd '" + kitchen.str() + "' && ln -s run.sh cookbooks/a/files/link && " +
               "mkdir -p cookbooks/a/empty cookbooks/b/empty");
}

}  // namespace

TEST_CASE("kitchen tree: listings are plain lines whatever the names, and checked when read",
          "[delta]") {
  const std::string name = "a b%c\nd\xff";
  const std::string line =
      listing_line({.type = 'f', .mode = 0644, .hash = std::string(32, 'a'), .name = name});
  CHECK(line == "f 0644 " + std::string(32, 'a') + " a%20b%25c%0Ad%FF\n");
  auto parsed = parse_listing(line);
  REQUIRE(parsed);
  REQUIRE(parsed->size() == 1);
  CHECK((*parsed)[0].name == name);
  CHECK((*parsed)[0].mode == 0644);
  const std::string hash(32, '0');
  for (const std::string& bad :
       std::vector<std::string>{"f 0644 " + hash + " a",               // no newline
                                "x 0644 " + hash + " a\n",             // no such type
                                "f 0648 " + hash + " a\n",             // not octal
                                "f 0644 " + hash.substr(1) + "g a\n",  // not hex
                                "f 0644 " + hash + " a/b\n",           // a path, not a name
                                "f 0644 " + hash + " %2E%2E\n",        // ".."
                                "f 0644 " + hash + " a%2\n",           // a cut escape
                                "f 0644 " + hash + " b\nf 0644 " + hash + " a\n",  // out of order
                                "f 0644 " + hash + " a\nf 0644 " + hash + " a\n"}) {  // twice
    CAPTURE(bad);
    CHECK_FALSE(parse_listing(bad));
  }
}

TEST_CASE("kitchen tree: the digest follows content, modes and links, not times", "[delta]") {
  TempDir kitchen;
  base_kitchen(kitchen);
  const std::string first = archive_of(kitchen).digest;
  CHECK(first.size() == 64);
  run_shell_ok("touch -d 2001-01-01 '" + kitchen.str() + "/roles/web.json'");
  CHECK(archive_of(kitchen).digest == first);
  run_shell_ok("chmod 755 '" + kitchen.str() + "/roles/web.json'");
  const std::string mode = archive_of(kitchen).digest;
  CHECK(mode != first);
  run_shell_ok("ln -sfn default.rb '" + kitchen.str() + "/cookbooks/a/files/link'");
  CHECK(archive_of(kitchen).digest != mode);
}

TEST_CASE(
    "kitchen delta: every kind of change applied to a linked copy gives the new kitchen "
    "exactly and leaves the old one as it was",
    "[delta]") {
  const std::vector<std::pair<std::string, std::string>> changes = {
      {"one line", "echo changed >> cookbooks/a/recipes/default.rb"},
      {"a file added", "echo new > cookbooks/a/recipes/new.rb"},
      {"a file removed", "rm cookbooks/a/recipes/x.rb"},
      {"a rename", "mv cookbooks/a/recipes/x.rb cookbooks/a/recipes/y.rb"},
      {"a mode", "chmod 755 cookbooks/a/files/run.sh"},
      {"a directory's mode", "chmod 700 cookbooks/a/templates"},
      {"a link's target", "ln -sfn ../recipes/x.rb cookbooks/a/files/link"},
      {"a directory becomes a file",
       "rm -r cookbooks/b/templates && echo f > cookbooks/b/templates"},
      {"a file becomes a directory",
       "rm roles/web.json && mkdir -p roles/web.json/in && echo d > roles/web.json/in/f"},
      {"a link becomes a directory", "rm cookbooks/a/files/link && mkdir cookbooks/a/files/link"},
      {"a cookbook removed", "rm -r cookbooks/b"},
      {"a cookbook added",
       "mkdir -p cookbooks/c/recipes && echo c > cookbooks/c/recipes/default.rb"},
      {"one of two equal directories", "echo other > cookbooks/b/files/same/one"},
      {"an empty directory filled", "echo in > cookbooks/a/empty/in"},
      {"a synced directory removed", "rm -r site-cookbooks"},
      {"an odd name changed", "echo changed > 'site-cookbooks/odd name %/new\nline'"},
      {"everything removed", "rm -r cookbooks roles site-cookbooks"},
      {"nothing changed", "true"},
  };
  for (const auto& [what, change] : changes) {
    SECTION(what) {
      TempDir kitchen;
      base_kitchen(kitchen);
      const KitchenArchive before = archive_of(kitchen);
      run_shell_ok("cd '" + kitchen.str() + "' && " + change);
      const KitchenArchive after = archive_of(kitchen);

      auto delta = local_delta(*before.tree, *after.tree);
      REQUIRE(delta.ok());
      CHECK(delta->base_digest == before.digest);

      TempDir node;
      const std::string old_tree = node.str() + "/old";
      const std::string new_tree = node.str() + "/new";
      const std::string expected = node.str() + "/expected";
      unpack(*before.gzip, old_tree);
      const std::string old_snapshot = snapshot(old_tree);
      run_shell_ok("cp -al '" + old_tree + "' '" + new_tree + "'");
      apply_delta(*delta, new_tree);
      unpack(*after.gzip, expected);
      CHECK(snapshot(new_tree) == snapshot(expected));
      CHECK(snapshot(old_tree) == old_snapshot);
      // Only what changed travels: never more than the whole kitchen.
      CHECK(delta->gzip->size() <= after.gzip->size());
    }
  }
}

TEST_CASE("kitchen delta: a one-line change in a large kitchen costs a few kilobytes", "[delta]") {
  TempDir kitchen;
  for (int cookbook = 0; cookbook < 40; ++cookbook) {
    for (int file = 0; file < 50; ++file) {
      std::string content;
      for (int line = 0; line < 40; ++line) {
        content += "package 'p" + std::to_string(cookbook * 100000 + file * 100 + line) + "'\n";
      }
      kitchen.write(
          "cookbooks/c" + std::to_string(cookbook) + "/recipes/r" + std::to_string(file) + ".rb",
          content);
    }
  }
  const KitchenArchive before = archive_of(kitchen);
  run_shell_ok("echo changed >> '" + kitchen.str() + "/cookbooks/c7/recipes/r3.rb'");
  const KitchenArchive after = archive_of(kitchen);
  TreeWalk walk(*after.tree, before.digest);
  std::size_t rounds = 0;
  std::size_t listed = 0;
  while (!walk.wanted().empty()) {
    std::map<std::string, std::string> objects;
    for (const auto& hash : walk.wanted()) {
      objects[hash] = *before.tree->object(hash);
      listed += objects[hash].size();
    }
    REQUIRE(walk.receive(objects).ok());
    ++rounds;
  }
  auto delta = walk.delta();
  REQUIRE(delta.ok());
  CHECK(rounds == 4);  // the root, cookbooks, c7, recipes
  CHECK(delta->written == 1);
  CHECK(delta->removed.size() == 1 + 4);  // the file, and the four listings it changed
  CHECK(delta->gzip->size() < 4096);
  CHECK(listed < 8192);
  CHECK(after.gzip->size() > 100 * delta->gzip->size());
}

TEST_CASE("kitchen delta: a node's listings are checked against their names", "[delta]") {
  TempDir kitchen;
  base_kitchen(kitchen);
  const KitchenArchive before = archive_of(kitchen);
  run_shell_ok("echo changed >> '" + kitchen.str() + "/cookbooks/a/recipes/default.rb'");
  const KitchenArchive after = archive_of(kitchen);

  SECTION("a listing that is not its object") {
    TreeWalk walk(*after.tree, before.digest);
    std::map<std::string, std::string> objects;
    objects[walk.wanted().front()] =
        *before.tree->object(walk.wanted().front()) + "f 0644 " + std::string(32, '0') + " zz\n";
    auto received = walk.receive(objects);
    REQUIRE_FALSE(received.ok());
    CHECK_THAT(received.error().message, Catch::Contains("does not match its name"));
  }
  SECTION("a listing missing") {
    TreeWalk walk(*after.tree, before.digest);
    auto received = walk.receive({});
    REQUIRE_FALSE(received.ok());
    CHECK_THAT(received.error().message, Catch::Contains("has no listing"));
  }
  SECTION("the root of another kitchen") {
    TreeWalk walk(*after.tree, std::string(64, 'e'));
    std::map<std::string, std::string> objects;
    objects[walk.wanted().front()] = *before.tree->object(before.tree->root_hash());
    CHECK_FALSE(walk.receive(objects).ok());
  }
}
