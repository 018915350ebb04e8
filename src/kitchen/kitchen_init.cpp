#include <brigade/kitchen/kitchen.hpp>
#include <brigade/kitchen/kitchen_init.hpp>
#include <brigade/util/log_file.hpp>

#include <system_error>

namespace brigade {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSkeletonConfig =
    R"(# littlechef.cfg: the kitchen's settings, read by LittleChef and by Brigade.

[userinfo]
# Remote user; ssh_config's User wins where it sets one. Not root: deploys go through sudo.
user = root
# Password for SSH and sudo (sent to sudo on stdin when it asks); or fix --ask-sudo-pass.
# password =
# keypair-file = ~/.ssh/id_ed25519
# ssh-config = ~/.ssh/config

[kitchen]
# Where the kitchen is synced to on each node ({node} is replaced by the node's name).
node_work_path = /tmp/chef-solo

[connection]
# gateway = bastion.example.com

[deploy]
# The converge command, run on each node ({node}, {work_path}, {environment}).
# command = chef-solo -c {work_path}/solo.rb -j {work_path}/node.json
# Kitchen directories synced to each node (those that exist).
# sync = cookbooks, site-cookbooks, roles, environments, data_bags
# Through sudo when the user is not root; false: as the user itself.
# sudo = true
)";

constexpr const char* kSkeletonDirectories[] = {
    "nodes", "roles", "environments", "cookbooks", "site-cookbooks", "data_bags", "hooks",
};

}  // namespace

namespace {

// Writes a new file (O_EXCL, never through a symlink, not even a dangling one).
Result<Ok> write_new_file(const fs::path& path, std::string_view content, mode_t mode) {
  auto file = LogFile::create(path.string(), mode);
  if (!file) {
    return file.error();
  }
  file->write(content);
  file->close();
  if (file->error()) {
    return Diagnostic{.file = display_path(path.string()),
                      .message = "cannot write file: " + *file->error()};
  }
  return Ok{};
}

}  // namespace

Result<std::vector<std::string>> init_kitchen(const fs::path& dir) {
  std::error_code ec;
  const fs::path config = dir / kKitchenMarker;
  // A littlechef.cfg there in any form — a dangling symlink included — is an existing kitchen.
  if (fs::symlink_status(config, ec).type() != fs::file_type::not_found) {
    return Diagnostic{.file = display_path(config.string()),
                      .message = "already exists; not touching an existing kitchen"};
  }
  fs::create_directories(dir, ec);
  if (ec) {
    return Diagnostic{.file = display_path(dir.string()),
                      .message = "cannot create directory: " + ec.message()};
  }
  std::vector<std::string> created;
  for (const char* name : kSkeletonDirectories) {
    const fs::path sub = dir / name;
    if (fs::create_directory(sub, ec)) {
      created.push_back(display_path(sub.string()) + "/");
    } else if (ec) {
      return Diagnostic{.file = display_path(sub.string()),
                        .message = "cannot create directory: " + ec.message()};
    }
  }
  // 0600: littlechef.cfg is where LittleChef keeps [userinfo] password.
  if (auto written = write_new_file(config, kSkeletonConfig, 0600); !written) {
    return written.error();
  }
  created.push_back(display_path(config.string()));
  // Run logs and reports go to logs/ in the kitchen: never part of its checkout. Anything
  // already named .gitignore — a file, a symlink, even a dangling one — is the user's and left
  // alone.
  const fs::path ignore = dir / ".gitignore";
  if (fs::symlink_status(ignore, ec).type() == fs::file_type::not_found) {
    if (auto written = write_new_file(
            ignore, "# Brigade's run logs and reports (brigade fix writes them here)\nlogs/\n",
            0644);
        !written) {
      return written.error();
    }
    created.push_back(display_path(ignore.string()));
  }
  return created;
}

}  // namespace brigade
