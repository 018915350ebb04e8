#include "gzip_tar.hpp"

#include <brigade/run/kitchen_archive.hpp>
#include <brigade/run/kitchen_delta.hpp>

#include <fmt/format.h>

namespace brigade {

namespace {

std::string object_path(const std::string& hash) {
  return std::string(kTreeObjectsDir) + "/" + hash;
}

void write_entry(TarWriter& tar, const std::string& path, const TreeEntry& entry) {
  switch (entry.type) {
    case 'd':
      tar.add(path + "/", '5', entry.mode, {});
      break;
    case 'l':
      tar.add(path, '2', entry.mode, {}, *entry.data);
      break;
    default:
      tar.add(path, '0', entry.mode, *entry.data);
  }
}

// The objects, then the digest: the last member, whose arrival proves the whole stream did.
Result<std::string> finish_stream(GzipStream& stream, TarWriter& tar, const KitchenTree& next,
                                  const std::vector<std::string>& objects) {
  for (const auto& hash : objects) {
    tar.add(object_path(hash), '0', 0644, *next.object(hash));
  }
  tar.add(kKitchenDigestFile, '0', 0644, next.digest() + "\n");
  tar.finish();
  return stream.finish();
}

}  // namespace

Result<std::string> whole_kitchen_stream(const KitchenTree& tree, std::size_t& tar_bytes) {
  GzipStream stream;
  TarWriter tar(stream);
  for (const auto& [path, entry] : tree.entries()) {
    if (!path.empty()) {
      write_entry(tar, path, entry);
    }
  }
  tar.add(std::string(kTreeObjectsDir) + "/", '5', 0755, {});
  std::vector<std::string> objects;
  for (const auto& [hash, _] : tree.objects()) {
    objects.push_back(hash);
  }
  auto gzip = finish_stream(stream, tar, tree, objects);
  tar_bytes = stream.bytes_in();
  return gzip;
}

TreeWalk::TreeWalk(const KitchenTree& next, std::string base_digest)
    : next_(next), base_digest_(std::move(base_digest)) {
  want(base_digest_.substr(0, 32), Visit{"", false});
  wanted_.push_back(base_digest_.substr(0, 32));
}

void TreeWalk::want(const std::string& hash, Visit visit) {
  pending_[hash].push_back(std::move(visit));
}

Result<Ok> TreeWalk::receive(const std::map<std::string, std::string>& objects) {
  if (++rounds_ > kMaxRounds) {
    return Diagnostic{.message =
                          fmt::format("its kitchen is more than {} directories deep", kMaxRounds)};
  }
  auto pending = std::move(pending_);
  pending_.clear();
  for (const auto& [hash, visits] : pending) {
    auto it = objects.find(hash);
    if (it == objects.end()) {
      return Diagnostic{.message = "it has no listing " + hash + " of its kitchen"};
    }
    bytes_ += it->second.size();
    if (bytes_ > kMaxBytes) {
      return Diagnostic{.message = fmt::format("its listings exceed {} MiB", kMaxBytes >> 20)};
    }
    const std::string full = sha256_hex(it->second);
    const bool root = visits.front().path.empty() && !visits.front().removed;
    if (full.substr(0, 32) != hash || (root && full != base_digest_)) {
      return Diagnostic{.message = "its listing " + hash +
                                   " of its kitchen does not match its "
                                   "name (the kitchen's objects are damaged)"};
    }
    auto lines = parse_listing(it->second);
    if (!lines) {
      return Diagnostic{.message = "its listing " + hash + " of its kitchen is not one"};
    }
    if (next_.object(hash) == nullptr) {
      removed_objects_.insert(hash);
    }
    for (const auto& visit : visits) {
      this->visit(visit, *lines);
    }
  }
  wanted_.clear();
  for (const auto& [hash, _] : pending_) {
    wanted_.push_back(hash);
  }
  return Ok{};
}

void TreeWalk::visit(const Visit& visit, const std::vector<ListingLine>& base) {
  const std::string prefix = visit.path.empty() ? std::string() : visit.path + "/";
  if (visit.removed) {
    for (const auto& line : base) {
      if (line.type == 'd') {
        want(line.hash, Visit{prefix + line.name, true});
      }
    }
    return;
  }
  const TreeEntry* dir = next_.find(visit.path);
  written_objects_[dir->hash] = true;
  const auto next = *parse_listing(*dir->data);
  std::size_t b = 0;
  std::size_t n = 0;
  while (b < base.size() || n < next.size()) {
    const bool base_only = n == next.size() || (b < base.size() && base[b].name < next[n].name);
    const bool next_only = b == base.size() || (n < next.size() && next[n].name < base[b].name);
    if (base_only) {
      const std::string path = prefix + base[b].name;
      removed_.push_back(path);
      ++deleted_;
      if (base[b].type == 'd') {
        want(base[b].hash, Visit{path, true});
      }
      ++b;
      continue;
    }
    if (next_only) {
      add_whole(prefix + next[n].name);
      ++n;
      continue;
    }
    const ListingLine& old = base[b++];
    const ListingLine& now = next[n++];
    const std::string path = prefix + now.name;
    if (old.type == now.type && old.hash == now.hash && old.mode == now.mode) {
      continue;
    }
    if (old.type == 'd' && now.type == 'd') {
      if (old.mode != now.mode) {
        written_[path] = true;  // the directory's own mode; its entries as they are
      }
      if (old.hash != now.hash) {
        want(old.hash, Visit{path, false});
      }
      continue;
    }
    // Written anew: removed first, so nothing is ever written through a link it shares.
    removed_.push_back(path);
    if (old.type == 'd') {
      want(old.hash, Visit{path, true});
    }
    add_whole(path);
  }
}

void TreeWalk::add_whole(const std::string& path) {
  const std::string inside = path + "/";
  for (auto it = next_.entries().find(path);
       it != next_.entries().end() && (it->first == path || it->first.starts_with(inside)); ++it) {
    written_[it->first] = false;
    if (it->second.type == 'd') {
      written_objects_[it->second.hash] = true;
    }
  }
}

Result<KitchenDelta> TreeWalk::delta() const {
  if (!wanted_.empty()) {
    return Diagnostic{.message = "the walk of the node's kitchen is not over"};
  }
  KitchenDelta delta;
  delta.base_digest = base_digest_;
  delta.removed = removed_;
  for (const auto& hash : removed_objects_) {
    delta.removed.push_back(object_path(hash));
  }
  delta.deleted = deleted_;
  GzipStream stream;
  TarWriter tar(stream);
  for (const auto& [path, _] : written_) {
    const TreeEntry& entry = *next_.find(path);
    write_entry(tar, path, entry);
    delta.written += entry.type == 'd' ? 0 : 1;
  }
  std::vector<std::string> objects;
  for (const auto& [hash, _] : written_objects_) {
    objects.push_back(hash);
  }
  auto gzip = finish_stream(stream, tar, next_, objects);
  if (!gzip) {
    return gzip.error();
  }
  delta.gzip = std::make_shared<const std::string>(std::move(*gzip));
  return delta;
}

Result<KitchenDelta> local_delta(const KitchenTree& base, const KitchenTree& next) {
  TreeWalk walk(next, base.digest());
  while (!walk.wanted().empty()) {
    std::map<std::string, std::string> objects;
    for (const auto& hash : walk.wanted()) {
      if (const std::string* object = base.object(hash)) {
        objects[hash] = *object;
      }
    }
    auto received = walk.receive(objects);
    if (!received) {
      return received.error();
    }
  }
  return walk.delta();
}

std::shared_ptr<const KitchenDelta> DeltaCache::find(const std::string& base_digest) const {
  std::lock_guard lock(mutex_);
  auto it = deltas_.find(base_digest);
  return it == deltas_.end() ? nullptr : it->second;
}

void DeltaCache::add(std::shared_ptr<const KitchenDelta> delta) {
  std::lock_guard lock(mutex_);
  deltas_.try_emplace(delta->base_digest, std::move(delta));
}

}  // namespace brigade
