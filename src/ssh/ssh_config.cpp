#include <brigade/json_file.hpp>
#include <brigade/ssh/ssh_config.hpp>

#include <glob.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>

namespace brigade::ssh {

namespace fs = std::filesystem;

namespace {

// OpenSSH stops at this include depth too (READCONF_MAX_DEPTH).
constexpr int kMaxIncludeDepth = 16;

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// `*` and `?` only, case-insensitive: ssh_config's host patterns (match.c).
bool wildcard_match(const char* pattern, const char* text) {
  for (;;) {
    if (*pattern == '\0') {
      return *text == '\0';
    }
    if (*pattern == '*') {
      while (*pattern == '*') {
        ++pattern;
      }
      if (*pattern == '\0') {
        return true;
      }
      for (; *text != '\0'; ++text) {
        if (wildcard_match(pattern, text)) {
          return true;
        }
      }
      return false;
    }
    if (*text == '\0') {
      return false;
    }
    if (*pattern != '?' && std::tolower(static_cast<unsigned char>(*pattern)) !=
                               std::tolower(static_cast<unsigned char>(*text))) {
      return false;
    }
    ++pattern;
    ++text;
  }
}

}  // namespace

bool host_patterns_match(const std::string& patterns, const std::string& host) {
  bool matched = false;
  std::size_t start = 0;
  while (start < patterns.size()) {
    std::size_t end = patterns.find_first_of(" \t,", start);
    if (end == std::string::npos) {
      end = patterns.size();
    }
    std::string pattern = patterns.substr(start, end - start);
    start = end + 1;
    if (pattern.empty()) {
      continue;
    }
    // A matching negation rejects the host whatever else matches (ssh_config(5) PATTERNS).
    if (pattern.front() == '!') {
      if (wildcard_match(pattern.c_str() + 1, host.c_str())) {
        return false;
      }
    } else if (wildcard_match(pattern.c_str(), host.c_str())) {
      matched = true;
    }
  }
  return matched;
}

struct ConfigLine {
  std::string keyword;  // lowercase
  std::vector<std::string> args;
  std::string file;
  int line = 0;
  std::vector<std::unique_ptr<SshConfig::Block>> included;
};

struct SshConfig::Block {
  std::vector<ConfigLine> lines;
};

namespace {

// Splits the arguments as OpenSSH's argv_split does: whitespace separates, double or single
// quotes group, a backslash escapes the next character.
Result<std::vector<std::string>> split_arguments(const std::string& text, const Diagnostic& where) {
  std::vector<std::string> args;
  std::string current;
  bool in_word = false;
  char quote = '\0';
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote != '\0') {
      if (c == quote) {
        quote = '\0';
      } else if (c == '\\' && i + 1 < text.size() && text[i + 1] == quote) {
        current += text[++i];
      } else {
        current += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (in_word) {
        args.push_back(current);
        current.clear();
        in_word = false;
      }
      continue;
    }
    in_word = true;
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '\\' && i + 1 < text.size()) {
      current += text[++i];
    } else {
      current += c;
    }
  }
  if (quote != '\0') {
    Diagnostic d = where;
    d.message = "unterminated quote";
    return d;
  }
  if (in_word) {
    args.push_back(current);
  }
  return args;
}

struct Parser {
  std::string home;
  bool user_file = true;  // relative Includes: ~/.ssh for user files, /etc/ssh for system files
  std::vector<Diagnostic>* warnings;

  std::string expand_tilde(const std::string& path) const {
    if (path == "~" || path.starts_with("~/")) {
      return home + path.substr(1);
    }
    return path;
  }

  Result<std::unique_ptr<SshConfig::Block>> parse_file(const std::string& path, int depth) {
    std::error_code ec;
    auto block = std::make_unique<SshConfig::Block>();
    if (path.empty() || !fs::exists(path, ec)) {
      return block;  // a missing config file is no config, as for ssh
    }
    auto text = read_text_file(path);
    if (!text) {
      return text.error();
    }
    return parse_text(display_path(path), *text, depth);
  }

  Result<std::unique_ptr<SshConfig::Block>> parse_text(const std::string& shown,
                                                       const std::string& text, int depth) {
    auto block = std::make_unique<SshConfig::Block>();
    std::size_t pos = 0;
    int number = 0;
    bool in_match = false;
    while (pos <= text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) {
        end = text.size();
      }
      std::string raw = text.substr(pos, end - pos);
      const std::size_t line_offset = pos;
      pos = end + 1;
      ++number;
      if (!raw.empty() && raw.back() == '\r') {
        raw.pop_back();
      }
      std::size_t first = raw.find_first_not_of(" \t");
      if (first == std::string::npos || raw[first] == '#') {
        if (pos > text.size()) {
          break;
        }
        continue;
      }
      // "Keyword value", "Keyword=value" or "Keyword = value".
      std::size_t key_end = raw.find_first_of(" \t=", first);
      std::string keyword = lowercase(
          raw.substr(first, key_end == std::string::npos ? std::string::npos : key_end - first));
      std::string rest = key_end == std::string::npos ? std::string() : raw.substr(key_end);
      std::size_t value_start = rest.find_first_not_of(" \t");
      if (value_start != std::string::npos && rest[value_start] == '=') {
        value_start = rest.find_first_not_of(" \t", value_start + 1);
      }
      rest = value_start == std::string::npos ? std::string() : rest.substr(value_start);
      Diagnostic where = diagnostic_at(shown, text, line_offset + first, keyword, {});
      auto args = split_arguments(rest, where);
      if (!args) {
        return args.error();
      }
      if (args->empty()) {
        where.message = "missing argument";
        return where;
      }

      if (keyword == "match") {
        in_match = true;
        Diagnostic warning = where;
        warning.field.clear();
        warning.message = "Match is not supported; the lines up to the next Host line are ignored";
        warnings->push_back(warning);
        block->lines.push_back(ConfigLine{keyword, std::move(*args), shown, number, {}});
        continue;
      }
      if (keyword == "host") {
        in_match = false;
      }
      if (in_match) {
        block->lines.push_back(ConfigLine{"ignored", std::move(*args), shown, number, {}});
        continue;
      }
      ConfigLine line{keyword, std::move(*args), shown, number, {}};
      if (keyword == "include") {
        if (depth >= kMaxIncludeDepth) {
          where.message = "Include nested too deeply (more than " +
                          std::to_string(kMaxIncludeDepth) + " levels)";
          return where;
        }
        for (const auto& pattern : line.args) {
          std::string expanded = expand_tilde(pattern);
          if (!fs::path(expanded).is_absolute()) {
            expanded = (user_file ? home + "/.ssh/" : std::string("/etc/ssh/")) + expanded;
          }
          glob_t matches{};
          if (glob(expanded.c_str(), 0, nullptr, &matches) == 0) {
            for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
              auto included = parse_file(matches.gl_pathv[i], depth + 1);
              if (!included) {
                globfree(&matches);
                return included.error();
              }
              line.included.push_back(std::move(*included));
            }
          }
          globfree(&matches);
        }
      }
      if (!validate(line, where)) {
        return where;
      }
      block->lines.push_back(std::move(line));
    }
    return block;
  }

  // Values Brigade acts on are checked when the file loads, so a typo stops the run up front.
  static bool validate(const ConfigLine& line, Diagnostic& where) {
    const std::string& value = line.args.front();
    auto is_number = [](const std::string& s) {
      return !s.empty() && s.size() < 10 &&
             std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
    };
    auto one_of = [&](std::initializer_list<const char*> words) {
      std::string v = lowercase(value);
      return std::any_of(words.begin(), words.end(), [&](const char* w) { return v == w; });
    };
    if (line.keyword == "port") {
      if (!is_number(value) || std::stoul(value) == 0 || std::stoul(value) > 65535) {
        where.message = "expected a port number (1-65535), got '" + value + "'";
        return false;
      }
    } else if (line.keyword == "connecttimeout" || line.keyword == "serveraliveinterval" ||
               line.keyword == "serveralivecountmax") {
      if (!is_number(value) && !(line.keyword == "connecttimeout" && lowercase(value) == "none")) {
        where.message = "expected a number of seconds, got '" + value + "'";
        if (line.keyword == "serveralivecountmax") {
          where.message = "expected a number, got '" + value + "'";
        }
        return false;
      }
    } else if (line.keyword == "stricthostkeychecking") {
      if (!one_of({"yes", "no", "ask", "accept-new", "off"})) {
        where.message = "expected yes, accept-new, no or ask, got '" + value + "'";
        return false;
      }
    } else if (line.keyword == "identitiesonly" || line.keyword == "hashknownhosts") {
      if (!one_of({"yes", "no"})) {
        where.message = "expected yes or no, got '" + value + "'";
        return false;
      }
    }
    return true;
  }
};

// The first value obtained for each keyword; IdentityFile accumulates (ssh_config(5)).
struct Obtained {
  std::map<std::string, std::vector<std::string>> first;
  std::vector<std::string> identity_files;

  void take(const ConfigLine& line) {
    if (line.keyword == "identityfile") {
      identity_files.push_back(line.args.front());
    } else {
      first.try_emplace(line.keyword, line.args);
    }
  }
  const std::vector<std::string>* get(const std::string& keyword) const {
    auto it = first.find(keyword);
    return it == first.end() ? nullptr : &it->second;
  }
};

void apply_block(const SshConfig::Block& block, const std::string& host, bool& active,
                 Obtained& obtained) {
  for (const auto& line : block.lines) {
    if (line.keyword == "host") {
      std::string patterns;
      for (const auto& arg : line.args) {
        patterns += arg + " ";
      }
      active = host_patterns_match(patterns, host);
    } else if (line.keyword == "match") {
      active = false;
    } else if (line.keyword == "include") {
      // An Include inside a block that does not apply contributes nothing; after it, the
      // including file's state is what it was (readconf.c).
      if (!active) {
        continue;
      }
      for (const auto& included : line.included) {
        bool included_active = true;
        apply_block(*included, host, included_active, obtained);
      }
    } else if (active && line.keyword != "ignored") {
      obtained.take(line);
    }
  }
}

// %-tokens of ssh_config(5) TOKENS, those that make sense here.
std::string expand_tokens(const std::string& text, const std::map<char, std::string>& tokens) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 1 < text.size()) {
      char t = text[i + 1];
      if (t == '%') {
        out += '%';
        ++i;
        continue;
      }
      if (auto it = tokens.find(t); it != tokens.end()) {
        out += it->second;
        ++i;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string local_host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) {
    return "localhost";
  }
  return buffer;
}

}  // namespace

SshConfig::SshConfig() = default;
SshConfig::~SshConfig() = default;
SshConfig::SshConfig(SshConfig&&) noexcept = default;
SshConfig& SshConfig::operator=(SshConfig&&) noexcept = default;

HostDefaults HostDefaults::from_environment() {
  HostDefaults defaults;
  const passwd* pw = getpwuid(getuid());
  defaults.local_user = pw != nullptr ? pw->pw_name : std::to_string(getuid());
  const char* home = std::getenv("HOME");
  defaults.home = home != nullptr && *home != '\0' ? home : (pw != nullptr ? pw->pw_dir : "/");
  return defaults;
}

Result<SshConfig> SshConfig::load(const std::string& user_file, const std::string& system_file,
                                  const std::string& home, std::vector<Diagnostic>& warnings) {
  SshConfig config;
  Parser parser{home, true, &warnings};
  auto user = parser.parse_file(user_file, 0);
  if (!user) {
    return user.error();
  }
  config.files_.push_back(std::move(*user));
  parser.user_file = false;
  auto system = parser.parse_file(system_file, 0);
  if (!system) {
    return system.error();
  }
  config.files_.push_back(std::move(*system));
  return config;
}

Result<SshConfig> SshConfig::parse(const std::string& shown_path, const std::string& text,
                                   const std::string& home, std::vector<Diagnostic>& warnings) {
  SshConfig config;
  Parser parser{home, true, &warnings};
  auto block = parser.parse_text(shown_path, text, 0);
  if (!block) {
    return block.error();
  }
  config.files_.push_back(std::move(*block));
  return config;
}

HostConfig SshConfig::resolve(const std::string& host, const HostDefaults& defaults) const {
  Obtained obtained;
  for (const auto& file : files_) {
    bool active = true;  // lines before the first Host apply to every host
    apply_block(*file, host, active, obtained);
  }
  auto value = [&](const char* keyword) -> std::optional<std::string> {
    if (const auto* args = obtained.get(keyword)) {
      return args->front();
    }
    return std::nullopt;
  };
  auto yes = [&](const char* keyword) { return lowercase(value(keyword).value_or("no")) == "yes"; };

  HostConfig config;
  config.host = host;
  config.host_name = expand_tokens(value("hostname").value_or(host), {{'h', host}});
  config.user = value("user").value_or(defaults.user.value_or(defaults.local_user));
  if (auto port = value("port")) {
    config.port = static_cast<std::uint16_t>(std::stoul(*port));
  }
  config.identities_only = yes("identitiesonly");
  config.hash_known_hosts = yes("hashknownhosts");
  config.host_key_alias = value("hostkeyalias");
  config.proxy_jump = value("proxyjump");
  config.password = defaults.password;
  if (auto timeout = value("connecttimeout"); timeout && lowercase(*timeout) != "none") {
    config.connect_timeout = std::chrono::seconds(std::stoul(*timeout));
  }
  if (auto interval = value("serveraliveinterval")) {
    config.server_alive_interval = std::stoi(*interval);
  }
  if (auto count = value("serveralivecountmax")) {
    config.server_alive_count_max = std::stoi(*count);
  }
  std::string strict = lowercase(value("stricthostkeychecking").value_or("ask"));
  config.strict_host_key_checking = strict == "accept-new" ? StrictHostKeyChecking::accept_new
                                    : (strict == "no" || strict == "off")
                                        ? StrictHostKeyChecking::no
                                        : StrictHostKeyChecking::yes;

  const std::map<char, std::string> tokens = {
      {'d', defaults.home},
      {'u', defaults.local_user},
      {'h', config.host_name},
      {'r', config.user},
      {'n', host},
      {'p', std::to_string(config.port)},
      {'l', local_host_name()},
      {'i', std::to_string(getuid())},
  };
  auto expand_path = [&](const std::string& path) {
    std::string expanded = expand_tokens(path, tokens);
    if (expanded == "~" || expanded.starts_with("~/")) {
      expanded = defaults.home + expanded.substr(1);
    }
    return expanded;
  };
  for (const auto& file : obtained.identity_files) {
    config.identity_files.push_back(expand_path(file));
  }
  if (defaults.keypair_file && std::find(config.identity_files.begin(), config.identity_files.end(),
                                         *defaults.keypair_file) == config.identity_files.end()) {
    config.identity_files.push_back(*defaults.keypair_file);
  }
  if (config.identity_files.empty()) {
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
      config.identity_files.push_back(defaults.home + "/.ssh/" + name);
    }
  }
  if (const auto* files = obtained.get("userknownhostsfile")) {
    for (const auto& file : *files) {
      config.user_known_hosts_files.push_back(expand_path(file));
    }
  } else {
    config.user_known_hosts_files = {defaults.home + "/.ssh/known_hosts",
                                     defaults.home + "/.ssh/known_hosts2"};
  }
  if (const auto* files = obtained.get("globalknownhostsfile")) {
    for (const auto& file : *files) {
      config.global_known_hosts_files.push_back(expand_path(file));
    }
  } else {
    config.global_known_hosts_files = {"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"};
  }
  return config;
}

std::string HostConfig::render() const {
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
      out += (out.empty() ? "" : " ") + item;
    }
    return out;
  };
  std::string out;
  out += "host " + host + "\n";
  out += "hostname " + host_name + "\n";
  out += "user " + user + "\n";
  out += "port " + std::to_string(port) + "\n";
  for (const auto& file : identity_files) {
    out += "identityfile " + file + "\n";
  }
  out += std::string("identitiesonly ") + (identities_only ? "yes" : "no") + "\n";
  out += "userknownhostsfile " + join(user_known_hosts_files) + "\n";
  out += "globalknownhostsfile " + join(global_known_hosts_files) + "\n";
  out += "stricthostkeychecking ";
  switch (strict_host_key_checking) {
    case StrictHostKeyChecking::yes:
      out += "yes\n";
      break;
    case StrictHostKeyChecking::accept_new:
      out += "accept-new\n";
      break;
    case StrictHostKeyChecking::no:
      out += "no\n";
      break;
  }
  if (host_key_alias) {
    out += "hostkeyalias " + *host_key_alias + "\n";
  }
  out += std::string("hashknownhosts ") + (hash_known_hosts ? "yes" : "no") + "\n";
  out += "connecttimeout " + std::to_string(connect_timeout.count()) + "\n";
  out += "serveraliveinterval " + std::to_string(server_alive_interval) + "\n";
  out += "serveralivecountmax " + std::to_string(server_alive_count_max) + "\n";
  if (proxy_jump) {
    out += "proxyjump " + *proxy_jump + "\n";
  }
  if (password) {
    out += "password (set in littlechef.cfg, not shown)\n";
  }
  return out;
}

}  // namespace brigade::ssh
