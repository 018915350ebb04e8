#include "support/temp_dir.hpp"

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/run/ssh_settings.hpp>

#include <catch2/catch.hpp>

using brigade::load_kitchen;
using brigade::load_ssh_settings;
using brigade::test::TempDir;

TEST_CASE("ssh settings: the kitchen's ssh_config over littlechef.cfg's user and key",
          "[ssh_settings]") {
  TempDir kitchen;
  kitchen.write("littlechef.cfg",
                "[userinfo]\nuser = deploy\nkeypair-file = keys/fleet\nssh-config = ssh_config\n");
  kitchen.write("ssh_config", "Host web01\n  User admin\n  Port 2222\nHost *\n  Port 22\n");
  kitchen.write("nodes/web01.json", "{}");
  kitchen.write("nodes/db01.json", "{}");
  auto loaded = load_kitchen(kitchen.path());
  REQUIRE(loaded.ok());
  auto settings = load_ssh_settings(*loaded);
  REQUIRE(settings.ok());
  auto web = settings->resolve("web01");
  CHECK(web.user == "admin");  // ssh_config's User wins over littlechef.cfg's
  CHECK(web.port == 2222);
  auto db = settings->resolve("db01");
  CHECK(db.user == "deploy");
  CHECK(db.port == 22);
  // The kitchen's keypair-file is tried too, resolved against the kitchen.
  CHECK(std::find(db.identity_files.begin(), db.identity_files.end(),
                  kitchen.str() + "/keys/fleet") != db.identity_files.end());
}

TEST_CASE("ssh settings: an ssh-config littlechef.cfg names must exist", "[ssh_settings]") {
  TempDir kitchen;
  kitchen.write("littlechef.cfg", "[userinfo]\nuser = root\nssh-config = missing_config\n");
  auto loaded = load_kitchen(kitchen.path());
  REQUIRE(loaded.ok());
  auto settings = load_ssh_settings(*loaded);
  REQUIRE_FALSE(settings.ok());
  CHECK(settings.error().render() == kitchen.str() + "/littlechef.cfg:3: ssh-config: '" +
                                         kitchen.str() + "/missing_config' does not exist");
  kitchen.write("missing_config/x", "");  // now a directory
  settings = load_ssh_settings(*loaded);
  REQUIRE_FALSE(settings.ok());
  CHECK(settings.error().message == "'" + kitchen.str() + "/missing_config' is not a file");
}

TEST_CASE("ssh settings: a malformed ssh_config stops the load at its line", "[ssh_settings]") {
  TempDir kitchen;
  kitchen.write("littlechef.cfg", "[userinfo]\nuser = root\nssh-config = ssh_config\n");
  kitchen.write("ssh_config", "Host *\n  Port eighty\n");
  auto loaded = load_kitchen(kitchen.path());
  REQUIRE(loaded.ok());
  auto settings = load_ssh_settings(*loaded);
  REQUIRE_FALSE(settings.ok());
  CHECK(settings.error().file == kitchen.str() + "/ssh_config");
  CHECK(settings.error().line == 2);
}
