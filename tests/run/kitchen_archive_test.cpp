#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <brigade/run/kitchen_archive.hpp>
#include <brigade/util/diagnostic.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using brigade::build_kitchen_archive;
using brigade::test::run_shell_ok;
using brigade::test::TempDir;

namespace {

void write_archive(const brigade::KitchenArchive& archive, const std::string& path) {
  std::ofstream(path, std::ios::binary) << *archive.gzip;
}

}  // namespace

TEST_CASE("kitchen archive: GNU tar extracts the synced directories intact", "[archive]") {
  TempDir kitchen;
  kitchen.write("cookbooks/nginx/recipes/default.rb", "package 'nginx'\n");
  kitchen.write("cookbooks/nginx/metadata.json", "{\"name\": \"nginx\"}\n");
  kitchen.write("roles/web/front.json", "{}");
  kitchen.write("nodes/secret-not-synced.json", "{}");
  // Left out as LittleChef's rsync leaves them out.
  kitchen.write("cookbooks/nginx/.git/config", "[core]\n");
  kitchen.write("cookbooks/nginx/.gitignore", "*.swp\n");
  kitchen.write("cookbooks/nginx/.hgtags", "\n");
  kitchen.write("cookbooks/old/.svn/entries", "\n");
  kitchen.write("roles/.bzrignore", "\n");
  const std::string long_dir(120, 'd');
  kitchen.write("site-cookbooks/" + long_dir + "/" + std::string(130, 'f') + ".rb", "long\n");
  kitchen.write("data_bags/users/" + std::string(90, 'u') + "/" + std::string(90, 'v'), "mid\n");
  kitchen.write("site-cookbooks/app/files/run.sh", "#!/bin/sh\necho hi\n");
  std::filesystem::permissions(kitchen.path() / "site-cookbooks/app/files/run.sh",
                               std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  std::filesystem::create_symlink("run.sh", kitchen.path() / "site-cookbooks/app/files/link");
  std::string binary(70000, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) {
    binary[i] = static_cast<char>(i * 7 % 251);
  }
  kitchen.write("cookbooks/nginx/files/blob.bin", binary);

  auto archive = build_kitchen_archive(
      kitchen.path(), {"cookbooks", "site-cookbooks", "roles", "environments", "data_bags"});
  REQUIRE(archive.ok());
  CHECK(archive->files == 7);
  TempDir out;
  write_archive(*archive, out.str() + "/kitchen.tar.gz");
  run_shell_ok("mkdir " + out.str() + "/x && tar -xzf " + out.str() + "/kitchen.tar.gz -C " +
               out.str() + "/x");
  // Every synced file arrives byte for byte; nothing else does.
  auto sums = [](const std::string& dir) {
    return run_shell_ok("cd " + dir +
                        " && find cookbooks site-cookbooks roles data_bags \\( -name '.git*' -o "
                        "-name '.hg*' -o -name '*.svn' -o -name '.bzr*' \\) -prune -o \\( "
                        "-type f -o -type l \\) -print | sort | xargs sha256sum");
  };
  CHECK(sums(out.str() + "/x") == sums(kitchen.str()));
  CHECK_FALSE(std::filesystem::exists(out.str() + "/x/nodes"));
  CHECK(run_shell_ok("cd " + out.str() +
                     "/x && find . -name '.git*' -o -name '.hg*' -o -name "
                     "'*.svn' -o -name '.bzr*'") == "");
  CHECK(std::filesystem::is_directory(out.str() + "/x/cookbooks/old"));
  CHECK(std::filesystem::is_symlink(out.str() + "/x/site-cookbooks/app/files/link"));
  CHECK((std::filesystem::status(out.str() + "/x/site-cookbooks/app/files/run.sh").permissions() &
         std::filesystem::perms::owner_exec) != std::filesystem::perms::none);
}

TEST_CASE("kitchen archive: its last member is the digest file, a proof the stream is whole",
          "[archive]") {
  TempDir kitchen;
  kitchen.write("cookbooks/a/recipes/default.rb", "one\n");
  kitchen.write("roles/web.json", "{}\n");
  auto archive = build_kitchen_archive(kitchen.path(), {"cookbooks", "roles"});
  REQUIRE(archive.ok());
  TempDir out;
  write_archive(*archive, out.str() + "/kitchen.tar.gz");
  CHECK(run_shell_ok("tar -tzf " + out.str() + "/kitchen.tar.gz | tail -n 1") ==
        std::string(brigade::kKitchenDigestFile) + "\n");
  CHECK(run_shell_ok("tar -xzOf " + out.str() + "/kitchen.tar.gz " + brigade::kKitchenDigestFile) ==
        archive->digest + "\n");
}

TEST_CASE("kitchen archive: the digest follows the content, not the time", "[archive]") {
  TempDir kitchen;
  kitchen.write("cookbooks/a/recipes/default.rb", "one\n");
  auto first = build_kitchen_archive(kitchen.path(), {"cookbooks"});
  run_shell_ok("touch -d '2001-01-01' " + kitchen.str() + "/cookbooks/a/recipes/default.rb");
  auto touched = build_kitchen_archive(kitchen.path(), {"cookbooks"});
  REQUIRE(first.ok());
  REQUIRE(touched.ok());
  CHECK(first->digest == touched->digest);
  CHECK(*first->gzip == *touched->gzip);
  kitchen.write("cookbooks/a/recipes/default.rb", "two\n");
  auto changed = build_kitchen_archive(kitchen.path(), {"cookbooks"});
  REQUIRE(changed.ok());
  CHECK(changed->digest != first->digest);
  CHECK(first->digest.size() == 64);
}

TEST_CASE("kitchen archive: a synced directory that is a link is packed as its directory",
          "[archive]") {
  TempDir kitchen;
  // Berkshelf's vendored cookbooks behind a link, and a file big enough to be compressed in
  // several pieces (the stream is compressed as it is written).
  std::string big(5 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>((i * 2654435761u) >> 13);
  }
  kitchen.write("vendor/cookbooks/nginx/recipes/default.rb", "package 'nginx'\n");
  kitchen.write("vendor/cookbooks/nginx/files/big.bin", big);
  std::filesystem::create_directory_symlink("vendor/cookbooks", kitchen.path() / "cookbooks");
  auto archive = build_kitchen_archive(kitchen.path(), {"cookbooks"});
  REQUIRE(archive.ok());
  CHECK(archive->files == 2);
  CHECK(archive->tar_bytes > big.size());
  TempDir out;
  write_archive(*archive, out.str() + "/kitchen.tar.gz");
  const std::string listing = run_shell_ok("tar -tvzf " + out.str() + "/kitchen.tar.gz");
  INFO(listing);
  CHECK(listing.find(" cookbooks -> ") == std::string::npos);  // no link member
  run_shell_ok("mkdir " + out.str() + "/x && tar -xzf " + out.str() + "/kitchen.tar.gz -C " +
               out.str() + "/x");
  CHECK(std::filesystem::is_directory(out.str() + "/x/cookbooks"));
  CHECK_FALSE(std::filesystem::is_symlink(out.str() + "/x/cookbooks"));
  CHECK(run_shell_ok("cmp " + out.str() + "/x/cookbooks/nginx/files/big.bin " + kitchen.str() +
                     "/vendor/cookbooks/nginx/files/big.bin && echo same") == "same\n");
  // The digest is the SHA-256 of the root's listing, which the kitchen carries among its
  // objects, named by the digest's first half; the digest member is the stream's last.
  CHECK(run_shell_ok("sha256sum " + out.str() + "/x/.brigade-tree/" +
                     archive->digest.substr(0, 32) + " | cut -c1-64") == archive->digest + "\n");
  CHECK(listing.substr(listing.rfind('\n', listing.size() - 2) + 1).find(".brigade-digest") !=
        std::string::npos);

  // A link out of the kitchen: refused, unless littlechef.cfg says to follow it.
  TempDir elsewhere;
  elsewhere.write("nginx/recipes/default.rb", "package 'nginx'\n");
  std::filesystem::create_directory_symlink(elsewhere.path(), kitchen.path() / "site-cookbooks");
  auto refused = build_kitchen_archive(kitchen.path(), {"cookbooks", "site-cookbooks"});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().render() ==
        brigade::display_path((kitchen.path() / "site-cookbooks").string()) +
            ": a link out of the kitchen (to " +
            std::filesystem::canonical(elsewhere.path()).string() +
            "): a synced directory is packed from inside the kitchen only, set [deploy] "
            "follow_symlinks = true in littlechef.cfg to sync it anyway");
  auto followed = build_kitchen_archive(kitchen.path(), {"cookbooks", "site-cookbooks"}, true);
  REQUIRE(followed.ok());
  CHECK(followed->files == 3);
}
