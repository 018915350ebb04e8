#include "support/temp_dir.hpp"

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/kitchen/kitchen_init.hpp>

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

using brigade::init_kitchen;
using brigade::test::TempDir;

TEST_CASE("kitchen init: the skeleton LittleChef makes, a private littlechef.cfg, a .gitignore",
          "[kitchen][init]") {
  TempDir dir;
  const std::string target = dir.str() + "/k";
  auto created = init_kitchen(target);
  REQUIRE(created.ok());
  CHECK(created->size() == 9);  // 7 directories, littlechef.cfg, .gitignore
  CHECK(created->back() == target + "/.gitignore");
  struct stat st {};
  REQUIRE(::stat((target + "/littlechef.cfg").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);  // where [userinfo] password goes
  auto kitchen = brigade::load_kitchen(target);
  REQUIRE(kitchen.ok());
  CHECK(kitchen->nodes.empty());
  CHECK(kitchen->config.node_work_path == "/tmp/chef-solo");
}

TEST_CASE("kitchen init: an existing littlechef.cfg in any form is never touched",
          "[kitchen][init]") {
  TempDir dir;
  SECTION("a file") {
    dir.write("littlechef.cfg", "[userinfo]\nuser = mine\n");
  }
  SECTION("a dangling symlink: nothing is created through it") {
    REQUIRE(::symlink((dir.str() + "/elsewhere").c_str(),
                      (dir.str() + "/littlechef.cfg").c_str()) == 0);
  }
  auto created = init_kitchen(dir.path());
  REQUIRE_FALSE(created.ok());
  CHECK(created.error().message == "already exists; not touching an existing kitchen");
  CHECK_FALSE(std::filesystem::exists(dir.str() + "/elsewhere"));
  CHECK_FALSE(std::filesystem::exists(dir.str() + "/nodes"));
}

TEST_CASE("kitchen init: a .gitignore already there, even a dangling symlink, is left alone",
          "[kitchen][init]") {
  TempDir dir;
  REQUIRE(::symlink((dir.str() + "/target").c_str(), (dir.str() + "/.gitignore").c_str()) == 0);
  auto created = init_kitchen(dir.path());
  REQUIRE(created.ok());
  CHECK(created->back() == dir.str() + "/littlechef.cfg");
  CHECK_FALSE(std::filesystem::exists(dir.str() + "/target"));
}
