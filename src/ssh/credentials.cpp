#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/known_hosts.hpp>
#include <brigade/util/json_file.hpp>
#include <brigade/util/secret.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

namespace brigade::ssh {

namespace {

// Reads an SSH wire-format string (uint32 length, bytes) at `pos`; false if out of bounds.
bool read_wire_string(const std::string& data, std::size_t& pos, std::string& out) {
  if (pos + 4 > data.size()) {
    return false;
  }
  std::uint32_t length =
      (static_cast<std::uint32_t>(static_cast<unsigned char>(data[pos])) << 24) |
      (static_cast<std::uint32_t>(static_cast<unsigned char>(data[pos + 1])) << 16) |
      (static_cast<std::uint32_t>(static_cast<unsigned char>(data[pos + 2])) << 8) |
      static_cast<std::uint32_t>(static_cast<unsigned char>(data[pos + 3]));
  pos += 4;
  if (length > data.size() - pos) {
    return false;
  }
  out = data.substr(pos, length);
  pos += length;
  return true;
}

IdentityInfo::Type type_from_name(const std::string& name) {
  if (name == "ssh-ed25519") {
    return IdentityInfo::Type::ed25519;
  }
  if (name.starts_with("ecdsa-sha2-")) {
    return IdentityInfo::Type::ecdsa;
  }
  if (name == "ssh-rsa") {
    return IdentityInfo::Type::rsa;
  }
  if (name == "ssh-dss") {
    return IdentityInfo::Type::dsa;
  }
  return IdentityInfo::Type::unknown;
}

// "openssh-key-v1\0", cipher name, kdf name, kdf options, key count, first public key.
std::optional<IdentityInfo> inspect_openssh_key(const std::string& text) {
  constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----";
  auto begin = text.find(kBegin);
  auto end = text.find(kEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    return std::nullopt;
  }
  std::string body;
  for (char c : text.substr(begin + kBegin.size(), end - begin - kBegin.size())) {
    if (c != '\n' && c != '\r' && c != ' ') {
      body += c;
    }
  }
  auto data = base64_decode(body);
  constexpr std::string_view kMagic{"openssh-key-v1\0", 15};
  if (!data || !std::string_view(*data).starts_with(kMagic)) {
    return std::nullopt;
  }
  std::size_t pos = kMagic.size();
  std::string cipher, kdf, kdf_options, public_key, key_type;
  if (!read_wire_string(*data, pos, cipher) || !read_wire_string(*data, pos, kdf) ||
      !read_wire_string(*data, pos, kdf_options) || pos + 4 > data->size()) {
    return std::nullopt;
  }
  pos += 4;  // number of keys
  IdentityInfo info;
  info.encrypted = cipher != "none";
  std::size_t key_pos = 0;
  if (read_wire_string(*data, pos, public_key) && read_wire_string(public_key, key_pos, key_type)) {
    info.type = type_from_name(key_type);
  }
  return info;
}

}  // namespace

std::optional<IdentityInfo> inspect_identity_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) {
    return std::nullopt;
  }
  if (auto info = inspect_openssh_key(*text)) {
    return info;
  }
  IdentityInfo info;
  info.encrypted = text->find("ENCRYPTED") != std::string::npos;
  if (text->find("BEGIN RSA PRIVATE KEY") != std::string::npos) {
    info.type = IdentityInfo::Type::rsa;
  } else if (text->find("BEGIN EC PRIVATE KEY") != std::string::npos) {
    info.type = IdentityInfo::Type::ecdsa;
  } else if (text->find("BEGIN DSA PRIVATE KEY") != std::string::npos) {
    info.type = IdentityInfo::Type::dsa;
  } else if (text->find("PRIVATE KEY-----") == std::string::npos) {
    return std::nullopt;
  }
  return info;
}

void Credentials::prepare(const std::vector<std::string>& identity_files, const Prompt& prompt) {
  const char* from_environment = std::getenv("BRIGADE_KEY_PASSPHRASE");
  for (const auto& file : identity_files) {
    std::error_code ec;
    if (passphrases_.contains(file) || !std::filesystem::exists(file, ec)) {
      continue;
    }
    auto info = inspect_identity_file(file);
    if (!info || !info->encrypted) {
      continue;
    }
    if (from_environment != nullptr) {
      passphrases_[file] = std::string(from_environment);
    } else if (prompt) {
      passphrases_[file] = prompt("Enter passphrase for key '" + file + "': ");
    } else {
      passphrases_[file] = std::nullopt;
    }
  }
}

void Credentials::connect_agent(const std::string& socket_path) {
  // A local agent answers at once; the bound only matters for a wedged one.
  auto agent = AgentClient::connect(socket_path, std::chrono::seconds(5));
  if (agent) {
    agent_ = std::move(*agent);
  } else {
    agent_problem_ = agent.error().message;
  }
}

std::optional<std::string> read_public_key_blob(const std::string& identity_file) {
  auto text = read_text_file(identity_file + ".pub");
  if (!text) {
    return std::nullopt;
  }
  auto first_space = text->find(' ');
  if (first_space == std::string::npos) {
    return std::nullopt;
  }
  auto end = text->find_first_of(" \n", first_space + 1);
  return base64_decode(text->substr(
      first_space + 1, end == std::string::npos ? std::string::npos : end - first_space - 1));
}

Credentials::~Credentials() {
  for (auto& [_, passphrase] : passphrases_) {
    if (passphrase) {
      wipe(*passphrase);
    }
  }
}

std::optional<std::string> Credentials::passphrase_for(const std::string& path) const {
  auto it = passphrases_.find(path);
  return it == passphrases_.end() ? std::optional<std::string>(std::string()) : it->second;
}

}  // namespace brigade::ssh
