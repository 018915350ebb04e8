#include <brigade/kitchen/littlechef_config.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>

using brigade::parse_littlechef_config;

TEST_CASE("littlechef.cfg: every known key is read, local paths resolved", "[config]") {
  setenv("HOME", "/home/chef", 1);
  auto config = parse_littlechef_config("littlechef.cfg",
                                        "[userinfo]\n"
                                        "user = deploy\n"
                                        "password = s3cret\n"
                                        "keypair-file = keys/id_ed25519\n"
                                        "ssh-config = ~/.ssh/fleet_config\n"
                                        "[kitchen]\n"
                                        "node_work_path = /srv/chef-{node}\n"
                                        "[connection]\n"
                                        "gateway = bastion.example.com\n"
                                        "[deploy]\n"
                                        "command = sudo chef-solo -c {work_path}/solo.rb\n"
                                        "sync = cookbooks , roles,,data_bags\n",
                                        "/kitchen");
  REQUIRE(config.ok());
  CHECK(config->user == "deploy");
  CHECK(config->password == "s3cret");
  CHECK(config->keypair_file == "/kitchen/keys/id_ed25519");
  CHECK(config->ssh_config == "/home/chef/.ssh/fleet_config");
  CHECK(config->node_work_path == "/srv/chef-{node}");
  CHECK(config->gateway == "bastion.example.com");
  CHECK(config->deploy_command == "sudo chef-solo -c {work_path}/solo.rb");
  CHECK(config->deploy_sync == std::vector<std::string>{"cookbooks", "roles", "data_bags"});
  CHECK(config->warnings.empty());
}

TEST_CASE("littlechef.cfg: defaults when keys are missing", "[config]") {
  auto config = parse_littlechef_config("littlechef.cfg", "[userinfo]\nuser = root\n", "/k");
  REQUIRE(config.ok());
  CHECK(config->node_work_path == "/tmp/chef-solo");
  CHECK_FALSE(config->password.has_value());
  CHECK_FALSE(config->keypair_file.has_value());
  CHECK_FALSE(config->deploy_command.has_value());
  CHECK(config->deploy_sync == brigade::default_sync_directories());
}

TEST_CASE("littlechef.cfg: unknown sections and keys are warnings with their line", "[config]") {
  auto config = parse_littlechef_config("littlechef.cfg",
                                        "# comment\n"
                                        "[userinfo]\n"
                                        "user = root\n"
                                        "usr = typo\n"
                                        "\n"
                                        "[sync-packages]\n"
                                        "dest-dir = /srv/repo\n"
                                        "local-dir = ./repo\n"
                                        "[kichen]\n"
                                        "node_work_path = /x\n",
                                        "/k");
  REQUIRE(config.ok());
  REQUIRE(config->warnings.size() == 3);
  CHECK(config->warnings[0].render() ==
        "littlechef.cfg:4: unknown key 'usr' in [userinfo], ignored, did you mean 'user'?");
  CHECK(config->warnings[1].render() ==
        "littlechef.cfg:7: unknown section [sync-packages], ignored");
  CHECK(config->warnings[2].render() ==
        "littlechef.cfg:10: unknown section [kichen], ignored, did you mean 'kitchen'?");
  CHECK(config->user == "root");
  CHECK(config->node_work_path == "/tmp/chef-solo");
}

TEST_CASE("littlechef.cfg: a file that is not INI is an error at its first bad line", "[config]") {
  auto config = parse_littlechef_config("littlechef.cfg",
                                        "[userinfo]\n"
                                        "user = root\n"
                                        "this is not ini\n",
                                        "/k");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().render() ==
        "littlechef.cfg:3:1: not an INI line: expected '[section]' or 'key = value'\n"
        "    this is not ini\n"
        "    ^");
  auto section = parse_littlechef_config("littlechef.cfg", "[userinfo]\n  [kitchen\n", "/k");
  REQUIRE_FALSE(section.ok());
  CHECK(section.error().render() ==
        "littlechef.cfg:2:3: not an INI line: expected '[section]' or 'key = value'\n"
        "      [kitchen\n"
        "      ^");
}

TEST_CASE("littlechef.cfg: a missing file is an error naming it", "[config]") {
  auto config = brigade::load_littlechef_config("/nonexistent/littlechef.cfg", "/nonexistent");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().render() ==
        "/nonexistent/littlechef.cfg: cannot read file: No such file or directory");
}

TEST_CASE("littlechef.cfg: ~ alone and absolute paths", "[config]") {
  setenv("HOME", "/home/chef", 1);
  CHECK(brigade::resolve_local_path("~", "/k") == "/home/chef");
  CHECK(brigade::resolve_local_path("/etc/ssh/ssh_config", "/k") == "/etc/ssh/ssh_config");
  CHECK(brigade::resolve_local_path("../shared/key", "/k/kitchen") == "/k/shared/key");
}

TEST_CASE("littlechef.cfg: a key given twice is a warning naming both lines", "[config]") {
  auto config = parse_littlechef_config("littlechef.cfg",
                                        "[userinfo]\n"
                                        "user = first\n"
                                        "user = second\n",
                                        "/k");
  REQUIRE(config.ok());
  CHECK(config->user == "second");
  REQUIRE(config->warnings.size() == 1);
  CHECK(config->warnings[0].render() ==
        "littlechef.cfg:3: key 'user' in [userinfo] is given again (first at line 2); this later "
        "value is used");
}

TEST_CASE("littlechef.cfg: sync names directories inside the kitchen only", "[config]") {
  for (const char* entry : {"../secrets", "/etc", "cookbooks/../../x", "."}) {
    INFO(entry);
    auto config = parse_littlechef_config(
        "littlechef.cfg", std::string("[deploy]\nsync = cookbooks, ") + entry + "\n", "/k");
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().render() == std::string("littlechef.cfg:2: sync: '") + entry +
                                         "' is not a directory inside the kitchen (sync names "
                                         "kitchen directories such as cookbooks, roles)");
  }
  CHECK(
      parse_littlechef_config("littlechef.cfg", "[deploy]\nsync = cookbooks/../roles, a/b\n", "/k")
          .ok());
  for (const char* entry : {".brigade", "cache/x", "node.json"}) {
    INFO(entry);
    auto reserved = parse_littlechef_config(
        "littlechef.cfg", std::string("[deploy]\nsync = cookbooks, ") + entry + "\n", "/k");
    REQUIRE_FALSE(reserved.ok());
    CHECK(reserved.error().message.find("is a name the work path on a node keeps for its own") !=
          std::string::npos);
  }
}

TEST_CASE("littlechef.cfg: node_work_path is made canonical, or refused with its line",
          "[config]") {
  // LittleChef's own generator writes a trailing slash.
  for (const char* path : {"/tmp/chef-solo/", "/tmp/chef-solo//", "/tmp/chef-solo"}) {
    auto config = parse_littlechef_config(
        "littlechef.cfg", std::string("[kitchen]\nnode_work_path = ") + path + "\n", "/k");
    REQUIRE(config.ok());
    CHECK(config->node_work_path == "/tmp/chef-solo");
  }
  for (const auto& [path, problem] : std::vector<std::pair<std::string, std::string>>{
           {"chef-solo", "must be an absolute path on the node, not 'chef-solo'"},
           {"~/chef", "must be an absolute path on the node, not '~/chef'"},
           {"/", "cannot be / itself (the synced directories would replace the node's own)"},
           {"//", "cannot be / itself (the synced directories would replace the node's own)"},
           {"/tmp/../etc",
            "must name its directory plainly, without '.', '..' or '//' "
            "('/tmp/../etc')"},
           {"/tmp/./x", "must name its directory plainly, without '.', '..' or '//' ('/tmp/./x')"},
           {"/tmp//x", "must name its directory plainly, without '.', '..' or '//' ('/tmp//x')"}}) {
    INFO(path);
    auto config = parse_littlechef_config(
        "littlechef.cfg", "[userinfo]\nuser = root\n[kitchen]\nnode_work_path = " + path + "\n",
        "/k");
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().render() == "littlechef.cfg:4: node_work_path: node_work_path " + problem);
  }
}

TEST_CASE("littlechef.cfg: lines longer than inih's buffer are read whole", "[config]") {
  const std::string command =
      "sudo chef-solo -c {work_path}/solo.rb -j {work_path}/node.json " + std::string(3000, 'x');
  auto config = parse_littlechef_config("littlechef.cfg",
                                        "[deploy]\n"
                                        "command = " +
                                            command +
                                            "   ; an inline comment\n"
                                            "sync = roles\n"
                                            "bogus\n",
                                        "/k");
  REQUIRE_FALSE(config.ok());  // line numbers still right after the long line
  CHECK(config.error().render().starts_with("littlechef.cfg:4:1: not an INI line"));
  auto good = parse_littlechef_config("littlechef.cfg",
                                      "[deploy]\ncommand: " + command + "\nsync = roles\n", "/k");
  REQUIRE(good.ok());
  CHECK(good->deploy_command == command);
  CHECK(good->deploy_sync == std::vector<std::string>{"roles"});
}

TEST_CASE("littlechef.cfg: [deploy] sudo reads as configparser's booleans, true by default",
          "[config]") {
  CHECK(parse_littlechef_config("littlechef.cfg", "[deploy]\ncommand = x\n", "/k")->deploy_sudo);
  for (const char* word : {"false", "No", "off", "0"}) {
    INFO(word);
    auto config = parse_littlechef_config("littlechef.cfg",
                                          std::string("[deploy]\nsudo = ") + word + "\n", "/k");
    REQUIRE(config.ok());
    CHECK_FALSE(config->deploy_sudo);
  }
  CHECK(parse_littlechef_config("littlechef.cfg", "[deploy]\nsudo = YES\n", "/k")->deploy_sudo);
  auto bad = parse_littlechef_config("littlechef.cfg", "[deploy]\nsudo = sometimes\n", "/k");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().render().starts_with(
      "littlechef.cfg:2: sudo: sudo must be true or false, not 'sometimes'"));
  auto follow =
      parse_littlechef_config("littlechef.cfg", "[deploy]\nfollow_symlinks = yes\n", "/k");
  REQUIRE(follow.ok());
  CHECK(follow->follow_symlinks);
  CHECK_FALSE(parse_littlechef_config("littlechef.cfg", "", "/k")->follow_symlinks);
  auto maybe =
      parse_littlechef_config("littlechef.cfg", "[deploy]\nfollow_symlinks = maybe\n", "/k");
  REQUIRE_FALSE(maybe.ok());
  CHECK(maybe.error().render() ==
        "littlechef.cfg:2: follow_symlinks: follow_symlinks must be true or false, not 'maybe'");
  // The node log's limit: a size, 32M by default, 0 for none.
  CHECK(parse_littlechef_config("littlechef.cfg", "", "/k")->log_limit == 32u << 20);
  CHECK(parse_littlechef_config("littlechef.cfg", "[deploy]\nlog_limit = 2G\n", "/k")->log_limit ==
        std::uint64_t{2} << 30);
  CHECK(parse_littlechef_config("littlechef.cfg", "[deploy]\nlog_limit = 0\n", "/k")->log_limit ==
        0);
  CHECK(parse_littlechef_config("littlechef.cfg", "[deploy]\nlog_limit = 64k\n", "/k")->log_limit ==
        64u << 10);
  for (const char* value : {"lots", "12T", "M", "1234567M", "-1"}) {
    INFO(value);
    auto wrong = parse_littlechef_config(
        "littlechef.cfg", std::string("[deploy]\nlog_limit = ") + value + "\n", "/k");
    REQUIRE_FALSE(wrong.ok());
    CHECK(
        wrong.error().render().starts_with("littlechef.cfg:2: log_limit: log_limit must be a "
                                           "size such as 32M"));
  }
}

TEST_CASE("littlechef.cfg: a password of more than one line is refused, not cut", "[config]") {
  // inih joins an indented continuation line to the value with a newline: sent to sudo -S, the
  // first line would be the password and the rest would reach the deploy's stdin.
  auto config =
      parse_littlechef_config("littlechef.cfg", "[userinfo]\npassword = one\n  two\n", "/k");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().message == "password must be one line");
  CHECK(config.error().render().find("two") == std::string::npos);
}
