#include <brigade/run/kitchen_tree.hpp>

#include <fmt/format.h>

#include <openssl/evp.h>

#include <algorithm>

namespace brigade {

namespace {

bool plain_name_byte(unsigned char c) {
  return c >= '!' && c <= '~' && c != '%';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool is_hash(std::string_view text) {
  return text.size() == 32 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string parent_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

std::string name_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

bool TreeOrder::operator()(std::string_view a, std::string_view b) const {
  // '/' sorts before every byte a name may hold.
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) {
      const auto x = a[i] == '/' ? 0 : static_cast<unsigned char>(a[i]);
      const auto y = b[i] == '/' ? 0 : static_cast<unsigned char>(b[i]);
      return x < y;
    }
  }
  return a.size() < b.size();
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned i = 0; i < length; ++i) {
    hex += fmt::format("{:02x}", digest[i]);
  }
  return hex;
}

std::string listing_line(const ListingLine& line) {
  std::string name;
  for (unsigned char c : line.name) {
    if (plain_name_byte(c)) {
      name += static_cast<char>(c);
    } else {
      name += fmt::format("%{:02X}", c);
    }
  }
  return fmt::format("{} {:04o} {} {}\n", line.type, line.mode & 07777, line.hash, name);
}

std::optional<std::vector<ListingLine>> parse_listing(std::string_view text) {
  std::vector<ListingLine> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    if (end == std::string_view::npos) {
      return std::nullopt;  // every line ends in a newline
    }
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    // "t mmmm <32 hex> name"
    if (line.size() < 41 || line[1] != ' ' || line[6] != ' ' || line[39] != ' ') {
      return std::nullopt;
    }
    ListingLine parsed;
    parsed.type = line[0];
    if (parsed.type != 'f' && parsed.type != 'd' && parsed.type != 'l') {
      return std::nullopt;
    }
    for (std::size_t i = 2; i < 6; ++i) {
      if (line[i] < '0' || line[i] > '7') {
        return std::nullopt;
      }
      parsed.mode = parsed.mode * 8 + static_cast<unsigned>(line[i] - '0');
    }
    parsed.hash = std::string(line.substr(7, 32));
    if (!is_hash(parsed.hash)) {
      return std::nullopt;
    }
    std::string_view encoded = line.substr(40);
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      const auto c = static_cast<unsigned char>(encoded[i]);
      if (c == '%') {
        if (i + 2 >= encoded.size()) {
          return std::nullopt;
        }
        const int high = hex_value(encoded[i + 1]);
        const int low = hex_value(encoded[i + 2]);
        if (high < 0 || low < 0) {
          return std::nullopt;
        }
        parsed.name += static_cast<char>(high * 16 + low);
        i += 2;
      } else if (plain_name_byte(c)) {
        parsed.name += static_cast<char>(c);
      } else {
        return std::nullopt;
      }
    }
    if (parsed.name.empty() || parsed.name == "." || parsed.name == ".." ||
        parsed.name.find('/') != std::string::npos || parsed.name.find('\0') != std::string::npos ||
        (!lines.empty() && lines.back().name >= parsed.name)) {
      return std::nullopt;
    }
    lines.push_back(std::move(parsed));
  }
  return lines;
}

KitchenTree::KitchenTree(std::vector<Input> inputs) {
  entries_[""] = TreeEntry{.type = 'd', .mode = 0755, .hash = {}, .data = {}};
  for (auto& input : inputs) {
    // Parents first, as directories, where the input has none.
    for (std::string parent = parent_of(input.path); !parent.empty(); parent = parent_of(parent)) {
      entries_.try_emplace(parent, TreeEntry{.type = 'd', .mode = 0755, .hash = {}, .data = {}});
    }
    TreeEntry& entry = entries_[input.path];
    entry.type = input.type;
    entry.mode = input.mode & 07777;
    entry.data = input.type == 'd' ? nullptr : std::move(input.data);
    if (entry.type == 'f') {
      ++files_;
    }
  }
  // Children before their directory: the reverse of the walk's order. Each directory's listing
  // is the lines of its children, gathered as they are hashed, in the order of their names.
  std::map<std::string, std::vector<ListingLine>> children;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    const std::string& path = it->first;
    TreeEntry& entry = it->second;
    if (entry.type == 'd') {
      auto& lines = children[path];
      std::sort(lines.begin(), lines.end(),
                [](const ListingLine& a, const ListingLine& b) { return a.name < b.name; });
      std::string listing;
      for (const auto& line : lines) {
        listing += listing_line(line);
      }
      children.erase(path);
      const std::string full = sha256_hex(listing);
      entry.hash = full.substr(0, 32);
      if (path.empty()) {
        digest_ = full;
      }
      entry.data = std::make_shared<const std::string>(std::move(listing));
      objects_.try_emplace(entry.hash, entry.data);
    } else {
      entry.hash = sha256_hex(entry.data ? *entry.data : std::string()).substr(0, 32);
    }
    if (!path.empty()) {
      children[parent_of(path)].push_back(ListingLine{
          .type = entry.type, .mode = entry.mode, .hash = entry.hash, .name = name_of(path)});
    }
  }
}

const TreeEntry* KitchenTree::find(std::string_view path) const {
  auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : &it->second;
}

const std::string* KitchenTree::object(const std::string& hash) const {
  auto it = objects_.find(hash);
  return it == objects_.end() ? nullptr : it->second.get();
}

}  // namespace brigade
