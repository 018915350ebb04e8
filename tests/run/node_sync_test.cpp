#include "support/node_deploy.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/run/kitchen_delta.hpp>
#include <brigade/run/node_sync.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace brigade;
using brigade::test::file_text;
using brigade::test::run_shell_ok;
using brigade::test::Sshd;
using brigade::test::TempDir;

namespace {

struct NullSink : brigade::NodeOutput {
  void on_line(brigade::OutputStream, std::string_view) override {}
  void note(const std::string&) override {}
};

ConvergeResult sync(const Sshd& sshd, const std::string& work, const KitchenArchive& kitchen,
                    const std::vector<ArchiveFile>& files, const std::string& converge = "true",
                    DeployExtras extras = {}) {
  NullSink log;
  return brigade::test::deploy_over_ssh(sshd, work, kitchen, files, converge, std::move(extras),
                                        log);
}

KitchenArchive not_gzip_archive() {
  KitchenArchive archive;
  archive.digest = "0123";
  archive.gzip = std::make_shared<const std::string>("this is not gzip");
  return archive;
}

std::string tree_sums(const std::string& dir) {
  // The work path's synced directories are links into .brigade/current.
  return run_shell_ok("cd '" + dir +
                      "' && find -L . -path ./.brigade -prune -o -type f ! -name .brigade-digest "
                      "! -name node.json ! -name solo.rb -print | sort | xargs -r sha256sum");
}

// The digest of the kitchen the node holds (empty: none).
std::string current_digest(const std::string& work) {
  return brigade::test::run_shell("cat '" + work + "/.brigade/current/.brigade-digest' 2>/dev/null")
      .output;
}

// A deploy's own staging left in the work path's private directory: kitchens that are not the
// current one (old ones are removed in the background: waited for, a few seconds at most).
std::string staging_left(const std::string& work) {
  std::string left;
  for (int waited = 0; waited < 10000; waited += 50) {
    // The current kitchen and one complete standby (the base of the next change) stay.
    left = brigade::test::run_shell(
               "cd '" + work +
               "/.brigade' 2>/dev/null && s=; for x in k.* trash.*; do [ -e \"$x\" ] || "
               "continue; [ \"$x\" -ef current ] && continue; if [ -z \"$s\" ] && [ -s "
               "\"$x/.brigade-digest\" ] && [ -f \"$x/.brigade-ref\" ]; then s=$x; else echo "
               "\"$x\"; fi; done")
               .output;
    if (left.empty()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return left;
}

}  // namespace

TEST_CASE("sync: node_work_path, node.json and solo.rb", "[sync]") {
  CHECK(node_work_path("/srv/chef/{node}/work", "web1") == "/srv/chef/web1/work");
  CHECK(node_work_path("/tmp/chef-solo", "web1") == "/tmp/chef-solo");
  Node node;
  node.name = "web1.example.com";
  node.chef_environment = "production";
  node.run_list = {{RunListEntry::Kind::role, "web"}, {RunListEntry::Kind::recipe, "ntp"}};
  node.data = {{"name", "old"}, {"apache", {{"port", 80}}}};
  auto json = nlohmann::json::parse(node_json(node));
  CHECK(json["name"] == "web1.example.com");
  CHECK(json["chef_environment"] == "production");
  CHECK(json["run_list"] == nlohmann::json({"role[web]", "recipe[ntp]"}));
  CHECK(json["apache"]["port"] == 80);
  CHECK(solo_rb("/tmp/chef-solo", "production") ==
        "# Written by brigade for chef-solo.\n"
        "file_cache_path '/tmp/chef-solo/cache'\n"
        "cookbook_path ['/tmp/chef-solo/cookbooks', '/tmp/chef-solo/site-cookbooks']\n"
        "role_path '/tmp/chef-solo/roles'\n"
        "data_bag_path '/tmp/chef-solo/data_bags'\n"
        "environment_path '/tmp/chef-solo/environments'\n"
        "environment 'production'\n");
}

TEST_CASE("sync: the tree arrives intact, stale files go, an unchanged kitchen is not sent",
          "[sshd][sync]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  kitchen.write("cookbooks/nginx/recipes/default.rb", "package 'nginx'\n");
  kitchen.write("roles/web.json", "{}\n");
  std::string big(3 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 97) {
    big[i] = static_cast<char>('a' + i % 26);
  }
  kitchen.write("site-cookbooks/app/files/big.txt", big);
  const std::vector<std::string> synced = {"cookbooks", "site-cookbooks", "roles"};
  const std::vector<ArchiveFile> files = {{"node.json", "{\"name\": \"n1\"}\n"},
                                          {"solo.rb", "# it's quoted\n"}};
  const std::string work = sshd.path("work dir/n1");  // a space, to prove the quoting

  auto first = build_kitchen_archive(kitchen.path(), synced);
  REQUIRE(first.ok());
  CHECK(sync(sshd, work, *first, files).transferred);
  CHECK(tree_sums(work) == tree_sums(kitchen.str()));
  CHECK(run_shell_ok("cat '" + work + "/node.json'") == "{\"name\": \"n1\"}\n");
  CHECK(run_shell_ok("cat '" + work + "/solo.rb'") == "# it's quoted\n");
  CHECK(current_digest(work) == first->digest + "\n");

  // Unchanged: nothing sent, node files still written.
  std::ofstream(work + "/node.json") << "stale";
  CHECK_FALSE(sync(sshd, work, *first, files).transferred);
  CHECK(run_shell_ok("cat '" + work + "/node.json'") == "{\"name\": \"n1\"}\n");

  // Changed: the new tree replaces the old one; a file that is gone from the kitchen goes.
  std::ofstream(work + "/cookbooks/leftover.rb") << "stale";
  std::filesystem::remove(kitchen.path() / "roles/web.json");
  kitchen.write("roles/db.json", "{\"run_list\": []}\n");
  auto second = build_kitchen_archive(kitchen.path(), synced);
  REQUIRE(second.ok());
  CHECK(second->digest != first->digest);
  CHECK(sync(sshd, work, *second, files).transferred);
  CHECK(tree_sums(work) == tree_sums(kitchen.str()));
  CHECK_FALSE(std::filesystem::exists(work + "/cookbooks/leftover.rb"));
  CHECK_FALSE(std::filesystem::exists(work + "/roles/web.json"));
  CHECK_FALSE(std::filesystem::exists(work + ".brigade-new"));
  CHECK(staging_left(work).empty());
  // The work path, the private directory and the node files are no one else's to read.
  CHECK(run_shell_ok("stat -c %a '" + work + "' '" + work + "/.brigade' '" + work +
                     "/node.json' '" + work + "/solo.rb'") == "700\n700\n600\n600\n");
}

TEST_CASE("sync: a remote failure names the step and the tool's message", "[sshd][sync]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  const KitchenArchive broken = not_gzip_archive();
  try {
    sync(sshd, sshd.path("work"), broken, {{"node.json", "{}\n"}});
    FAIL("expected the sync to fail");
  } catch (const ssh::SshError& e) {
    CHECK(e.kind() == FailureKind::sync);
    CHECK(std::string(e.what()).starts_with("failed while unpacking the kitchen: exit 2 ("));
    CHECK(std::string(e.what()).find("gzip: stdin: not in gzip format") != std::string::npos);
  }

  // A whole tar stream without the digest file at its end: the stream was cut between two
  // members, which tar alone does not notice.
  TempDir source;
  source.write("cookbooks/a/recipes/default.rb", "x\n");
  KitchenArchive cut;
  cut.digest = "0123";
  cut.gzip = std::make_shared<const std::string>(
      run_shell_ok("tar -czf - -C '" + source.str() + "' cookbooks"));
  try {
    sync(sshd, sshd.path("cut"), cut, {{"node.json", "{}\n"}});
    FAIL("expected the sync to fail");
  } catch (const ssh::SshError& e) {
    CHECK(std::string(e.what()) ==
          "failed while unpacking the kitchen: exit 1 (brigade: the kitchen arrived "
          "incomplete)");
  }
}

TEST_CASE("sync: a failed transfer keeps the old tree, a failed first one is replaced next time",
          "[sshd][sync]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  kitchen.write("cookbooks/a/recipes/default.rb", "x\n");
  auto good = build_kitchen_archive(kitchen.path(), {"cookbooks"});
  REQUIRE(good.ok());
  const KitchenArchive broken = not_gzip_archive();
  const std::vector<ArchiveFile> files = {{"node.json", "{}\n"}};

  // A first transfer that fails leaves nothing of what it unpacked, and no kitchen...
  const std::string first = sshd.path("first");
  CHECK_THROWS_AS(sync(sshd, first, broken, files), ssh::SshError);
  CHECK(current_digest(first).empty());
  CHECK(staging_left(first).empty());
  CHECK_FALSE(std::filesystem::exists(first + "/cookbooks"));
  // ...so the next deploy sends the kitchen, and the synced directories hold exactly it; what
  // else the work path holds is not the deploy's.
  std::filesystem::create_directories(first + "/.brigade/k.0123/cookbooks");  // interrupted
  std::ofstream(first + "/stray.txt") << "not the kitchen's";
  CHECK(sync(sshd, first, *good, files).transferred);
  CHECK(tree_sums(first) ==
        tree_sums(kitchen.str()) + run_shell_ok("cd '" + first + "' && sha256sum ./stray.txt"));
  CHECK(current_digest(first) == good->digest + "\n");
  CHECK(staging_left(first).empty());

  // Over an existing tree, a failed transfer leaves it as it was, and no staging behind.
  CHECK_THROWS_AS(sync(sshd, first, broken, files), ssh::SshError);
  CHECK(current_digest(first) == good->digest + "\n");
  CHECK(staging_left(first).empty());
  CHECK_FALSE(sync(sshd, first, *good, files).transferred);
}

TEST_CASE("sync: the converge command's status comes back", "[sshd][sync]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  kitchen.write("cookbooks/a/recipes/default.rb", "x\n");
  auto archive = build_kitchen_archive(kitchen.path(), {"cookbooks"});
  REQUIRE(archive.ok());
  auto result = sync(sshd, sshd.path("work"), *archive, {{"node.json", "{}\n"}}, "exit 5");
  CHECK(result.transferred);
  CHECK(result.ended.exit_status == 5);
}

TEST_CASE("sync: a first transfer that tar fails part-way leaves no digest behind",
          "[sshd][sync]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  // An archive whose middle member fails (a hard link to a file the archive does not hold)
  // while tar goes on to extract the digest file at its end.
  TempDir source;
  KitchenArchive archive;
  archive.digest = "feedface";
  source.write("s/cookbooks/a", "x\n");
  source.write("s/.brigade-digest", archive.digest + "\n");
  const std::string s = source.str() + "/s";
  run_shell_ok("cd '" + s + "' && ln cookbooks/a cookbooks/b && tar -cf ../k.tar cookbooks/a " +
               "cookbooks/b .brigade-digest && tar --delete -f ../k.tar cookbooks/a");
  archive.gzip =
      std::make_shared<const std::string>(run_shell_ok("gzip -c '" + source.str() + "/k.tar'"));
  const std::string work = sshd.path("partial");
  CHECK_THROWS_AS(sync(sshd, work, archive, {{"node.json", "{}\n"}}), ssh::SshError);
  CHECK(current_digest(work).empty());
  CHECK(staging_left(work).empty());
  // The next deploy does not take the half tree for the kitchen: it is sent again.
  CHECK_THROWS_AS(sync(sshd, work, archive, {{"node.json", "{}\n"}}), ssh::SshError);
}

TEST_CASE("sync: a node.json too big for a command travels on stdin, kitchen sent or not",
          "[sshd][sync]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  kitchen.write("cookbooks/a/recipes/default.rb", "x\n");
  auto archive = build_kitchen_archive(kitchen.path(), {"cookbooks"});
  REQUIRE(archive.ok());
  // 300 KB of attributes, with every character a shell would care about.
  std::string attributes = "{\"blob\": \"";
  for (int i = 0; attributes.size() < 300 * 1024; ++i) {
    attributes += "it's $(x) `y` \\\\ ; & | \\\" " + std::to_string(i) + " ";
  }
  attributes += "\"}\n";
  const std::string work = sshd.path("big");
  const std::vector<ArchiveFile> files = {{"node.json", attributes}, {"solo.rb", "# solo\n"}};
  auto first = sync(sshd, work, *archive, files);
  CHECK(first.transferred);
  CHECK(first.ended.exit_status == 0);
  CHECK(run_shell_ok("cat '" + work + "/node.json'") == attributes);
  CHECK(run_shell_ok("cat '" + work + "/solo.rb'") == "# solo\n");
  CHECK(tree_sums(work) == tree_sums(kitchen.str()));
  // The kitchen is current now: the node files come alone.
  const std::vector<ArchiveFile> changed = {{"node.json", attributes + " "}, {"solo.rb", ""}};
  auto second = sync(sshd, work, *archive, changed);
  CHECK_FALSE(second.transferred);
  CHECK(second.ended.exit_status == 0);
  CHECK(run_shell_ok("cat '" + work + "/node.json'") == attributes + " ");
  CHECK(run_shell_ok("cat '" + work + "/solo.rb'").empty());
}

TEST_CASE("sync: every kind of change to the kitchen arrives as the kitchen has it",
          "[sshd][sync]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::vector<std::string> synced = {"cookbooks", "roles"};
  const std::string work = sshd.path("work");
  // Names, types, modes, link targets and contents, as the node holds them through its links.
  auto listing = [](const std::string& dir) {
    return run_shell_ok("cd '" + dir +
                        "' && find -L cookbooks roles -path '*/.brigade*' -prune -o -printf "
                        "'%p %y %m\\n' 2>/dev/null | sort; find cookbooks/ roles/ -type l "
                        "-printf '%p -> %l\\n' 2>/dev/null | sort; find -L cookbooks roles "
                        "-type f -exec sha256sum {} + 2>/dev/null | sort");
  };
  auto deploy = [&](const std::string& what) {
    INFO(what);
    auto archive = build_kitchen_archive(kitchen.path(), synced);
    REQUIRE(archive.ok());
    const bool had_one = !current_digest(work).empty();
    const auto synced_now = sync(sshd, work, *archive, {{"node.json", "{}\n"}});
    // After the first, every kitchen comes as a change applied to the node's standby.
    CHECK(synced_now.delta == had_one);
    CHECK(listing(work) == listing(kitchen.str()));
    CHECK(current_digest(work) == archive->digest + "\n");
    CHECK(staging_left(work).empty());
    // The standby holds the same kitchen, ready for the next change.
    CHECK(run_shell_ok("cd '" + work +
                       "/.brigade' && for x in k.*; do [ \"$x\" -ef current ] || cat "
                       "\"$x/.brigade-digest\"; done") == archive->digest + "\n");
  };
  kitchen.write("cookbooks/a/recipes/default.rb", "package 'a'\n");
  kitchen.write("cookbooks/a/files/run.sh", "#!/bin/sh\n");
  kitchen.write("cookbooks/b/recipes/default.rb", "package 'b'\n");
  kitchen.write("roles/web.json", "{}\n");
  std::filesystem::create_symlink("run.sh", kitchen.path() / "cookbooks/a/files/link");
  deploy("the first kitchen");

  kitchen.write("cookbooks/a/recipes/default.rb", "package 'a'\npackage 'a2'\n");
  deploy("one file changed");
  for (int i = 0; i < 50; ++i) {
    kitchen.write("cookbooks/b/templates/t" + std::to_string(i) + ".erb", std::to_string(i));
  }
  kitchen.write("cookbooks/b/recipes/default.rb", "package 'b2'\n");
  deploy("many files added and changed");
  std::filesystem::remove(kitchen.path() / "cookbooks/b/templates/t7.erb");
  deploy("a file removed");
  std::filesystem::rename(kitchen.path() / "cookbooks/b/templates/t8.erb",
                          kitchen.path() / "cookbooks/b/templates/renamed.erb");
  deploy("a file renamed");
  std::filesystem::permissions(kitchen.path() / "cookbooks/a/files/run.sh",
                               std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  deploy("a mode changed, the content not");
  std::filesystem::remove(kitchen.path() / "cookbooks/a/files/link");
  std::filesystem::create_symlink("../recipes/default.rb",
                                  kitchen.path() / "cookbooks/a/files/link");
  deploy("a link's target changed");
  std::filesystem::remove_all(kitchen.path() / "cookbooks/b/templates");
  kitchen.write("cookbooks/b/templates", "now a file\n");
  deploy("a directory replaced by a file");
  std::filesystem::remove(kitchen.path() / "cookbooks/b/templates");
  kitchen.write("cookbooks/b/templates/x/y.erb", "a directory again\n");
  deploy("a file replaced by a directory");
  std::filesystem::remove_all(kitchen.path() / "roles");
  deploy("a synced directory gone");
  CHECK_FALSE(std::filesystem::exists(work + "/roles"));
  CHECK_FALSE(std::filesystem::is_symlink(work + "/roles"));
  std::filesystem::remove_all(kitchen.path() / "cookbooks");
  deploy("an empty kitchen");
  CHECK_FALSE(std::filesystem::exists(work + "/cookbooks"));
}

TEST_CASE("sync: a transfer cut at any point leaves the previous kitchen, the next completes",
          "[sshd][sync]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  kitchen.write("cookbooks/a/recipes/default.rb", "package 'a'\n");
  auto first = build_kitchen_archive(kitchen.path(), {"cookbooks"});
  REQUIRE(first.ok());
  const std::string work = sshd.path("work");
  sync(sshd, work, *first, {{"node.json", "{}\n"}});
  std::string big(2 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>((i * 2654435761u) >> 11);
  }
  kitchen.write("cookbooks/a/files/big.bin", big);
  auto second = build_kitchen_archive(kitchen.path(), {"cookbooks"});
  REQUIRE(second.ok());
  auto whole_delta = local_delta(*first->tree, *second->tree);
  REQUIRE(whole_delta.ok());
  // The stream as the node sees it when the connection goes after `cut` bytes: no more come.
  // Sent whole (an archive without its tree is always sent whole), or as a change from the
  // node's standby (the run's cache already holds the change, cut).
  for (const bool as_change : {false, true}) {
    for (double fraction : {0.0, 0.1, 0.5, 0.9, 0.999}) {
      INFO((as_change ? "a change cut at " : "the whole kitchen cut at ") << fraction);
      KitchenArchive cut = *second;
      DeltaCache cache;
      DeployExtras extras;
      if (as_change) {
        KitchenDelta delta = *whole_delta;
        delta.gzip = std::make_shared<const std::string>(
            delta.gzip->substr(0, static_cast<std::size_t>(delta.gzip->size() * fraction)));
        cache.add(std::make_shared<const KitchenDelta>(std::move(delta)));
        extras.delta_cache = &cache;
      } else {
        cut.tree = nullptr;
        cut.gzip = std::make_shared<const std::string>(
            second->gzip->substr(0, static_cast<std::size_t>(second->gzip->size() * fraction)));
      }
      CHECK_THROWS_AS(sync(sshd, work, cut, {{"node.json", "{}\n"}}, "true", extras), NodeError);
      CHECK(current_digest(work) == first->digest + "\n");
      CHECK(file_text(work + "/cookbooks/a/recipes/default.rb") == "package 'a'\n");
      CHECK_FALSE(std::filesystem::exists(work + "/cookbooks/a/files/big.bin"));
      CHECK(staging_left(work).empty());
    }
  }
  // The next deploy completes, as a change from a linked copy of the current kitchen (the
  // standby went with the change that was cut).
  const auto done = sync(sshd, work, *second, {{"node.json", "{}\n"}});
  CHECK(done.transferred);
  CHECK(done.delta);
  CHECK(current_digest(work) == second->digest + "\n");
  CHECK(file_text(work + "/cookbooks/a/files/big.bin") == big);
  CHECK(staging_left(work).empty());
}

namespace {

struct NoteSink : brigade::NodeOutput {
  void on_line(brigade::OutputStream, std::string_view) override {}
  void note(const std::string& text) override { notes += text + "\n"; }
  std::string notes;
};

}  // namespace

TEST_CASE("sync: a kitchen changed on the node is no base for a change: sent whole, and said",
          "[sshd][sync]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir kitchen;
  const std::string work = sshd.path("work");
  auto deploy = [&](NoteSink& log) {
    auto archive = build_kitchen_archive(kitchen.path(), {"cookbooks"});
    REQUIRE(archive.ok());
    auto result = brigade::test::deploy_over_ssh(sshd, work, *archive, {{"node.json", "{}\n"}},
                                                 "true", {}, log);
    CHECK(current_digest(work) == archive->digest + "\n");
    CHECK(tree_sums(work) == tree_sums(kitchen.str()));
    return result;
  };
  kitchen.write("cookbooks/a/recipes/default.rb", "package 'a'\n");
  kitchen.write("cookbooks/a/recipes/other.rb", "other\n");
  NoteSink first;
  deploy(first);
  kitchen.write("cookbooks/a/recipes/other.rb", "other, changed\n");
  NoteSink second;
  CHECK(deploy(second).delta);
  INFO(second.notes);
  CHECK(second.notes.find("the kitchen's changes were sent to " + work + " (") !=
        std::string::npos);

  SECTION("a file edited in place") {
    run_shell_ok("echo edited >> '" + work + "/cookbooks/a/recipes/default.rb'");
    kitchen.write("cookbooks/a/recipes/third.rb", "third\n");
    NoteSink third;
    const auto result = deploy(third);
    INFO(third.notes);
    CHECK(result.transferred);
    CHECK_FALSE(result.delta);
    CHECK(third.notes.find("the node's kitchen was changed since it was deployed (" + work +
                           "/.brigade/k.") != std::string::npos);
    CHECK(third.notes.find("/cookbooks/a/recipes/default.rb): a change is not applied to it") !=
          std::string::npos);
    CHECK(third.notes.find("the kitchen was sent whole to " + work) != std::string::npos);
    CHECK(file_text(work + "/cookbooks/a/recipes/default.rb") == "package 'a'\n");
    // The next change is a change again.
    kitchen.write("cookbooks/a/recipes/fourth.rb", "fourth\n");
    NoteSink fourth;
    CHECK(deploy(fourth).delta);
  }
  SECTION("a file replaced in the current kitchen, as editors save") {
    run_shell_ok("cd '" + work + "/cookbooks/a/recipes' && echo edited > x && mv x default.rb");
    kitchen.write("cookbooks/a/recipes/third.rb", "third\n");
    NoteSink third;
    const auto result = deploy(third);
    INFO(third.notes);
    CHECK_FALSE(result.delta);
    CHECK(third.notes.find("/cookbooks/a/recipes): a change is not applied to it") !=
          std::string::npos);
    CHECK(file_text(work + "/cookbooks/a/recipes/default.rb") == "package 'a'\n");
  }
  SECTION("a listing damaged without a trace in the times: found by its hash") {
    const std::string tree = work + "/.brigade/current";
    const std::string root =
        tree + "/.brigade-tree/" + file_text(tree + "/.brigade-digest").substr(0, 32);
    run_shell_ok("cp '" + root + "' /tmp/x.$$ && echo 'd 0755 " + std::string(32, '0') +
                 " zz' >> /tmp/x.$$ && cat /tmp/x.$$ > '" + root +
                 "' && rm /tmp/x.$$ && touch -r '" + tree + "/.brigade-ref' '" + root + "'");
    kitchen.write("cookbooks/a/recipes/third.rb", "third\n");
    NoteSink third;
    const auto result = deploy(third);
    INFO(third.notes);
    CHECK_FALSE(result.delta);
    CHECK(third.notes.find("does not match its name") != std::string::npos);
  }
}

TEST_CASE("sync: a node that cannot link its kitchen's files gets it whole, and says why",
          "[sshd][sync]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd::Options options;
  options.private_dirs = {"/usr/local/bin"};
  Sshd sshd(options);
  // cp as a file system without hard links answers it (ahead of the real one on PATH).
  const std::string cp = sshd.private_dir("/usr/local/bin") + "/cp";
  std::ofstream(cp) << "#!/bin/sh\necho \"cp: cannot create hard link: Operation not "
                       "permitted\" >&2\nexit 1\n";
  std::filesystem::permissions(cp, std::filesystem::perms::owner_all);
  TempDir kitchen;
  const std::string work = sshd.path("work");
  kitchen.write("cookbooks/a/recipes/default.rb", "a\n");
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    kitchen.write("cookbooks/a/recipes/round.rb", std::to_string(round) + "\n");
    auto archive = build_kitchen_archive(kitchen.path(), {"cookbooks"});
    REQUIRE(archive.ok());
    NoteSink log;
    auto result = brigade::test::deploy_over_ssh(sshd, work, *archive, {{"node.json", "{}\n"}},
                                                 "true", {}, log);
    INFO(log.notes);
    CHECK(result.transferred);
    CHECK_FALSE(result.delta);
    CHECK(tree_sums(work) == tree_sums(kitchen.str()));
    // Said every time, never a silent whole send.
    CHECK((log.notes.find("the node cannot copy its kitchen with links to its files (cp -al: cp: "
                          "cannot create hard link: Operation not permitted)") !=
           std::string::npos) == (round > 0));
  }
}
