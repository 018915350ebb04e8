#include <brigade/kitchen/littlechef_config.hpp>
#include <brigade/util/json_file.hpp>
#include <brigade/util/spellcheck.hpp>

#include <fmt/format.h>
#include <ini.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <utility>

namespace brigade {

namespace {

// The keys each section may hold. LittleChef's own keys that Brigade does not use yet are
// listed too, so a LittleChef kitchen loads without noise.
const std::map<std::string, std::vector<std::string>>& known_keys() {
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"userinfo", {"user", "password", "keypair-file", "ssh-config", "encrypted_data_bag_secret"}},
      {"kitchen", {"node_work_path", "encrypted_data_bag_secret"}},
      {"connection",
       {"gateway", "http_proxy", "https_proxy", "jump_max_channels", "jump_max_sessions",
        "max_startups"}},
      {"deploy", {"command", "sync", "sudo", "follow_symlinks", "log_limit"}},
  };
  return keys;
}

// inih reports no line numbers to its handler in Debian's build, so the reader counts them:
// inih asks for one line at a time and calls the handler before asking for the next.
struct IniStream {
  std::string_view text;
  std::size_t pos = 0;
  int newlines_read = 0;
  int current_line = 0;           // the line of the chunk handed out last
  bool current_indented = false;  // that line starts with blanks: inih continues a value
  // Values of lines longer than inih's line buffer (INI_MAX_LINE, 200 in Debian's build): the
  // reader hands inih `key = \x01N` and keeps the value here, so a long converge command is
  // read whole instead of being cut into lines that are not INI.
  std::vector<std::string> long_values{};
};

std::string trim(std::string s);

char* read_ini_line(char* buffer, int size, void* stream_ptr) {
  auto* stream = static_cast<IniStream*>(stream_ptr);
  if (stream->pos >= stream->text.size() || size <= 1) {
    return nullptr;
  }
  stream->current_line = stream->newlines_read + 1;
  std::size_t end = stream->text.find('\n', stream->pos);
  const std::size_t line_end = end == std::string_view::npos ? stream->text.size() : end;
  std::string_view line = stream->text.substr(stream->pos, line_end - stream->pos);
  stream->current_indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
  const std::size_t delimiter = line.find_first_of("=:");
  const std::size_t first = line.find_first_not_of(" \t");
  const bool key_value = first != std::string_view::npos && line[first] != ';' &&
                         line[first] != '#' && line[first] != '[' &&
                         delimiter != std::string_view::npos && delimiter < 100;
  if (line.size() + 2 > static_cast<std::size_t>(size) && key_value) {
    std::string value(line.substr(delimiter + 1));
    // inih's inline comments: ';' after whitespace.
    for (std::size_t i = 1; i < value.size(); ++i) {
      if (value[i] == ';' && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
        value.resize(i);
        break;
      }
    }
    stream->long_values.push_back(trim(value));
    const std::string shortened = std::string(line.substr(0, delimiter)) + "= \x01" +
                                  std::to_string(stream->long_values.size() - 1) + "\n";
    std::snprintf(buffer, static_cast<std::size_t>(size), "%s", shortened.c_str());
    stream->pos = end == std::string_view::npos ? stream->text.size() : end + 1;
    if (end != std::string_view::npos) {
      ++stream->newlines_read;
    }
    return buffer;
  }
  std::size_t n = 0;
  while (n + 1 < static_cast<std::size_t>(size) && stream->pos < stream->text.size()) {
    char c = stream->text[stream->pos++];
    buffer[n++] = c;
    if (c == '\n') {
      ++stream->newlines_read;
      break;
    }
  }
  buffer[n] = '\0';
  return buffer;
}

struct ParseState {
  LittleChefConfig* config;
  IniStream* stream;
  const std::filesystem::path* kitchen_root;
  std::string last_unknown_section;
  std::map<std::pair<std::string, std::string>, int> seen;  // section and key: first line
  std::optional<Diagnostic> error;                          // the first value that is wrong
};

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t end = value.find(',', start);
    if (end == std::string::npos) {
      end = value.size();
    }
    std::string item = trim(value.substr(start, end - start));
    if (!item.empty()) {
      out.push_back(item);
    }
    start = end + 1;
  }
  return out;
}

Diagnostic warning_at_line(const ParseState& state, std::string message, std::string hint = {}) {
  int line = state.stream->current_line;
  return Diagnostic{.file = state.config->file,
                    .line = line,
                    .message = std::move(message),
                    .hint = std::move(hint)};
}

int on_ini_value(void* user, const char* section_c, const char* name_c, const char* value_c) {
  auto& state = *static_cast<ParseState*>(user);
  auto& config = *state.config;
  const std::string section = section_c;
  const std::string name = name_c;
  std::string value = value_c;
  if (value.starts_with('\x01')) {
    value = state.stream->long_values.at(std::stoul(value.substr(1)));
  }

  const auto& keys = known_keys();
  auto known = keys.find(section);
  if (known == keys.end()) {
    // One warning per unknown section, at its first key.
    if (section != state.last_unknown_section) {
      state.last_unknown_section = section;
      std::vector<std::string> sections;
      for (const auto& [s, _] : keys) {
        sections.push_back(s);
      }
      if (section.empty()) {
        config.warnings.push_back(
            warning_at_line(state, "key '" + name + "' outside any section, ignored"));
      } else {
        config.warnings.push_back(
            warning_at_line(state, "unknown section [" + section + "], ignored",
                            did_you_mean(closest_matches(section, sections, 1))));
      }
    }
    return 1;
  }
  if (std::find(known->second.begin(), known->second.end(), name) == known->second.end()) {
    config.warnings.push_back(
        warning_at_line(state, "unknown key '" + name + "' in [" + section + "], ignored",
                        did_you_mean(closest_matches(name, known->second, 1))));
    return 1;
  }

  if (auto [first, fresh] = state.seen.try_emplace({section, name}, state.stream->current_line);
      !fresh) {
    config.warnings.push_back(warning_at_line(
        state, fmt::format("key '{}' in [{}] is given again (first at line {}); this later value "
                           "is used",
                           name, section, first->second)));
  }
  auto fail = [&](std::string message) {
    if (!state.error) {
      Diagnostic error = warning_at_line(state, std::move(message));
      error.field = name;
      state.error = std::move(error);
    }
    return 1;
  };
  if (state.stream->current_indented) {
    // inih hands an indented line to the key before it as another value; configparser would
    // join it to that value with a newline. Neither reading is safe to guess at (a password
    // would reach sudo cut at the line break): the value must be on one line.
    const std::string message =
        name == "password"
            ? "password must be one line"
            : "the value of " + name + " goes on over an indented line; write it on one line";
    return fail(message);
  }
  const auto& root = *state.kitchen_root;
  if (section == "userinfo") {
    if (name == "user") {
      config.user = value;
    } else if (name == "password") {
      // Fed to sudo -S as one line: a line break would end it early and send the rest on.
      if (value.find_first_of("\r\n") != std::string::npos) {
        return fail("password must be one line");
      }
      config.password = value;
    } else if (name == "keypair-file") {
      config.keypair_file = resolve_local_path(value, root);
    } else if (name == "ssh-config") {
      config.ssh_config = resolve_local_path(value, root);
      config.ssh_config_line = state.stream->current_line;
    } else if (name == "encrypted_data_bag_secret" && !value.empty()) {
      config.data_bag_secret = resolve_local_path(value, root);
      config.data_bag_secret_line = state.stream->current_line;
    }
  } else if (section == "kitchen") {
    if (name == "node_work_path" && !value.empty()) {
      std::string path = value;
      if (auto problem = normalise_work_path(path)) {
        return fail("node_work_path " + *problem);
      }
      config.node_work_path = path;
    } else if (name == "encrypted_data_bag_secret" && !value.empty()) {
      config.data_bag_secret = resolve_local_path(value, root);
      config.data_bag_secret_line = state.stream->current_line;
    }
  } else if (section == "connection") {
    if (name == "gateway" && !value.empty()) {
      config.gateway = value;
    } else if (name == "jump_max_channels" || name == "jump_max_sessions" ||
               name == "max_startups") {
      const std::size_t limit = name == "jump_max_sessions" ? 1000 : 10000;
      const bool digits =
          !value.empty() && value.size() <= 5 &&
          std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
      const std::size_t number = digits ? std::stoul(value) : 0;
      if (number < 1 || number > limit) {
        return fail(
            fmt::format("{} must be a whole number from 1 to {}, not '{}'", name, limit, value));
      }
      (name == "jump_max_channels"   ? config.jump_max_channels
       : name == "jump_max_sessions" ? config.jump_max_sessions
                                     : config.max_startups) = number;
    }
  } else if (section == "deploy") {
    if (name == "sudo" || name == "follow_symlinks") {
      // As configparser's getboolean reads it, since littlechef.cfg is LittleChef's file.
      std::string word = value;
      std::transform(word.begin(), word.end(), word.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      bool& flag = name == "sudo" ? config.deploy_sudo : config.follow_symlinks;
      if (word == "true" || word == "yes" || word == "on" || word == "1") {
        flag = true;
      } else if (word == "false" || word == "no" || word == "off" || word == "0") {
        flag = false;
      } else {
        return fail(name + " must be true or false, not '" + value + "'");
      }
    } else if (name == "log_limit") {
      // A size as --json-max-output takes one: digits, then K, M or G (1024-based).
      std::size_t digits = 0;
      while (digits < value.size() && std::isdigit(static_cast<unsigned char>(value[digits]))) {
        ++digits;
      }
      const std::string unit = value.substr(digits);
      const int shift = unit.empty()                 ? 0
                        : unit == "K" || unit == "k" ? 10
                        : unit == "M" || unit == "m" ? 20
                        : unit == "G" || unit == "g" ? 30
                                                     : -1;
      if (digits == 0 || digits > 6 || shift < 0) {
        return fail("log_limit must be a size such as 32M (K, M or G; 0: no limit), not '" + value +
                    "'");
      }
      config.log_limit = std::stoull(value.substr(0, digits)) << shift;
    } else if (name == "command") {
      config.deploy_command = value;
    } else if (name == "sync") {
      config.deploy_sync = split_list(value);
      // Only the kitchen's own directories are packed and sent to every node.
      for (const auto& entry : config.deploy_sync) {
        const std::filesystem::path path(entry);
        const auto normal = path.lexically_normal();
        if (path.is_absolute() || normal.empty() || *normal.begin() == ".." || normal == ".") {
          return fail("'" + entry +
                      "' is not a directory inside the kitchen (sync names "
                      "kitchen directories such as cookbooks, roles)");
        }
        // On a node the work path holds these beside the synced directories.
        const std::string top = normal.begin()->string();
        if (top == ".brigade" || top == "node.json" || top == "solo.rb" || top == "cache") {
          return fail("'" + entry + "' is a name the work path on a node keeps for its own (" +
                      top + "); sync names kitchen directories such as cookbooks, roles");
        }
      }
    }
  }
  return 1;
}

}  // namespace

std::vector<std::string> default_sync_directories() {
  return {"cookbooks", "site-cookbooks", "roles", "environments", "data_bags"};
}

std::optional<std::string> normalise_work_path(std::string& path) {
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  if (path.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) {
    return "must be one line";
  }
  if (path.empty() || path.front() != '/') {
    return "must be an absolute path on the node, not '" + path + "'";
  }
  if (path == "/") {
    return "cannot be / itself (the synced directories would replace the node's own)";
  }
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view component(path.data() + start, end - start);
    if (component.empty() || component == "." || component == "..") {
      return "must name its directory plainly, without '.', '..' or '//' ('" + path + "')";
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::string resolve_local_path(const std::string& path, const std::filesystem::path& base) {
  std::string expanded = path;
  if (expanded == "~" || expanded.starts_with("~/")) {
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
      expanded = std::string(home) + expanded.substr(1);
    }
  }
  std::filesystem::path p(expanded);
  if (p.is_relative()) {
    p = std::filesystem::absolute(base) / p;
  }
  return p.lexically_normal().string();
}

Result<LittleChefConfig> parse_littlechef_config(std::string shown_path, const std::string& text,
                                                 const std::filesystem::path& kitchen_root) {
  LittleChefConfig config;
  config.file = std::move(shown_path);
  IniStream stream{text};
  ParseState state{&config, &stream, &kitchen_root, {}, {}, {}};
  int rc = ini_parse_stream(read_ini_line, &stream, on_ini_value, &state);
  if (rc > 0) {
    // Point at the first column that is not blank on the offending line.
    std::size_t line_start = 0;
    for (int line = 1; line < rc && line_start != std::string::npos; ++line) {
      line_start = text.find('\n', line_start);
      if (line_start != std::string::npos) {
        ++line_start;
      }
    }
    if (line_start == std::string::npos) {
      line_start = text.size();
    }
    std::size_t first = text.find_first_not_of(" \t", line_start);
    return diagnostic_at(config.file, text, first == std::string::npos ? line_start : first, {},
                         "not an INI line: expected '[section]' or 'key = value'");
  }
  if (rc < 0) {
    return Diagnostic{.file = config.file, .message = "cannot parse: out of memory"};
  }
  if (state.error) {
    return *state.error;
  }
  return config;
}

Result<LittleChefConfig> load_littlechef_config(const std::filesystem::path& file,
                                                const std::filesystem::path& kitchen_root) {
  auto text = read_text_file(file);
  if (!text) {
    return text.error();
  }
  return parse_littlechef_config(display_path(file.string()), *text, kitchen_root);
}

}  // namespace brigade
