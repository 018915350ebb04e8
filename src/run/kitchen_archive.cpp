#include <brigade/run/kitchen_archive.hpp>
#include <brigade/run/kitchen_delta.hpp>
#include <brigade/util/json_file.hpp>

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

namespace brigade {

namespace fs = std::filesystem;

namespace {

// What LittleChef's rsync leaves out (`--exclude` '*.svn', '.bzr*', '.git*', '.hg*'), at any
// depth: version control metadata, never part of the kitchen a node converges.
bool is_version_control_name(std::string_view name) {
  return name.ends_with(".svn") || name.starts_with(".bzr") || name.starts_with(".git") ||
         name.starts_with(".hg");
}

}  // namespace

Result<KitchenArchive> build_kitchen_archive(const fs::path& root,
                                             const std::vector<std::string>& directories,
                                             bool follow_symlinks) {
  std::vector<KitchenTree::Input> inputs;
  for (const auto& directory : directories) {
    std::error_code ec;
    const fs::path top = root / directory;
    if (!fs::is_directory(top, ec)) {
      continue;
    }
    // A synced directory may be a link (cookbooks -> vendor/cookbooks, as Berkshelf vendoring
    // leaves it): it is packed as the directory it leads to, under its own name. One that leads
    // out of the kitchen is packed only when littlechef.cfg says so.
    if (!follow_symlinks) {
      const fs::path real = fs::canonical(top, ec);
      const fs::path real_root = fs::canonical(root, ec);
      const auto [end, _] =
          std::mismatch(real_root.begin(), real_root.end(), real.begin(), real.end());
      if (!ec && end != real_root.end()) {
        return Diagnostic{
            .file = display_path(top.string()),
            .message = "a link out of the kitchen (to " + real.string() +
                       "): a synced directory is packed from inside the kitchen only",
            .hint = "set [deploy] follow_symlinks = true in littlechef.cfg to sync it anyway"};
      }
    }
    std::vector<fs::path> entries{top};
    for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (is_version_control_name(it->path().filename().string())) {
        it.disable_recursion_pending();
        continue;
      }
      entries.push_back(it->path());
    }
    if (ec) {
      return Diagnostic{.file = display_path(top.string()),
                        .message = "cannot list directory: " + ec.message()};
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& path : entries) {
      const std::string name = path.lexically_relative(root).generic_string();
      struct stat st {};
      // The synced directory itself as what it leads to, when it is a link.
      if ((path == top ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0) {
        return Diagnostic{.file = display_path(path.string()),
                          .message = std::string("cannot read: ") + std::strerror(errno)};
      }
      if (S_ISDIR(st.st_mode)) {
        inputs.push_back({name, 'd', st.st_mode, nullptr});
      } else if (S_ISLNK(st.st_mode)) {
        auto target = fs::read_symlink(path, ec);
        if (ec) {
          return Diagnostic{.file = display_path(path.string()),
                            .message = "cannot read the link: " + ec.message()};
        }
        inputs.push_back(
            {name, 'l', st.st_mode, std::make_shared<const std::string>(target.string())});
      } else if (S_ISREG(st.st_mode)) {
        auto content = read_text_file(path);
        if (!content) {
          return content.error();
        }
        inputs.push_back(
            {name, 'f', st.st_mode, std::make_shared<const std::string>(std::move(*content))});
      }
      // Sockets, fifos and devices have no place in a kitchen; they are left out.
    }
  }
  KitchenArchive archive;
  auto tree = std::make_shared<const KitchenTree>(std::move(inputs));
  auto gzip = whole_kitchen_stream(*tree, archive.tar_bytes);
  if (!gzip) {
    return gzip.error();
  }
  archive.gzip = std::make_shared<const std::string>(std::move(*gzip));
  archive.digest = tree->digest();
  archive.files = tree->files();
  archive.tree = std::move(tree);
  for (const auto& directory : directories) {
    std::string top = fs::path(directory).lexically_normal().begin()->string();
    if (std::find(archive.synced_names.begin(), archive.synced_names.end(), top) ==
        archive.synced_names.end()) {
      archive.synced_names.push_back(std::move(top));
    }
  }
  return archive;
}

}  // namespace brigade
