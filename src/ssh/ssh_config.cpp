#include <brigade/ssh/host_patterns.hpp>
#include <brigade/ssh/jump_hosts.hpp>
#include <brigade/ssh/ssh_config.hpp>
#include <brigade/util/json_file.hpp>
#include <brigade/util/spellcheck.hpp>
#include <brigade/util/strings.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <arpa/inet.h>
#include <glob.h>
#include <openssl/sha.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <unordered_map>

namespace brigade::ssh {

namespace fs = std::filesystem;

struct ConfigLine;

namespace {

// OpenSSH stops at this include depth too (READCONF_MAX_DEPTH).
constexpr int kMaxIncludeDepth = 16;

// What Brigade does with each keyword OpenSSH 9.2 (Debian) knows, one row each (readconf.c's
// keywords[]). A keyword not listed is an error, as for ssh ("Bad configuration option").
enum class Use {
  used,     // Brigade acts on it
  ignored,  // known to OpenSSH, no bearing on what Brigade does: silently ignored
  route,    // changes where or how the connection goes, or the host-key decision: a host with
            // a value other than its default is refused (checked in resolve)
};

// The values Brigade accepts for a keyword it acts on, checked when the file loads so that a
// typo stops the run up front; the words are OpenSSH's own (readconf.c).
enum class Value {
  any,             ///< Not checked (paths, names, patterns, lists).
  port,            ///< 1-65535.
  time,            ///< 30, 1m30s, 2h.
  time_or_none,    ///< A time, or none.
  count,           ///< A non-negative number.
  strict,          ///< StrictHostKeyChecking's words.
  flag,            ///< yes/no/true/false.
  flag_or_always,  ///< CanonicalizeHostname.
  family,          ///< any, inet, inet6.
  jump,            ///< ProxyJump hops, or none.
};

struct Resolving;

// How a keyword's setting becomes the host's: called for each row that has one, in the table's
// order (a row may use what rows above it resolved: tokens in IdentityFile need HostName, User,
// Port), with the line that gave the first value, or nullptr when none did (the default).
using ResolveSetting = void (*)(Resolving&, const ConfigLine*);
// How `brigade ssh-config` prints the resolved setting, in the table's order, as ssh -G does.
using RenderSetting = void (*)(const HostConfig&, std::string&);

void resolve_user(Resolving&, const ConfigLine*);
void resolve_hostname(Resolving&, const ConfigLine*);
void resolve_port(Resolving&, const ConfigLine*);
void resolve_address_family(Resolving&, const ConfigLine*);
void resolve_hash_known_hosts(Resolving&, const ConfigLine*);
void resolve_identities_only(Resolving&, const ConfigLine*);
void resolve_strict(Resolving&, const ConfigLine*);
void resolve_alive_count(Resolving&, const ConfigLine*);
void resolve_alive_interval(Resolving&, const ConfigLine*);
void resolve_host_key_algorithms(Resolving&, const ConfigLine*);
void resolve_host_key_alias(Resolving&, const ConfigLine*);
void resolve_identity_files(Resolving&, const ConfigLine*);
void resolve_global_known_hosts(Resolving&, const ConfigLine*);
void resolve_user_known_hosts(Resolving&, const ConfigLine*);
void resolve_connect_timeout(Resolving&, const ConfigLine*);
void resolve_route(Resolving&, const ConfigLine*);
void refuse_bind_address(Resolving&, const ConfigLine*);
void refuse_bind_interface(Resolving&, const ConfigLine*);
void refuse_canonicalize(Resolving&, const ConfigLine*);
void refuse_check_host_ip(Resolving&, const ConfigLine*);
void refuse_known_hosts_command(Resolving&, const ConfigLine*);
void refuse_revoked_host_keys(Resolving&, const ConfigLine*);

void render_host(const HostConfig&, std::string&);
void render_user(const HostConfig&, std::string&);
void render_hostname(const HostConfig&, std::string&);
void render_port(const HostConfig&, std::string&);
void render_address_family(const HostConfig&, std::string&);
void render_hash_known_hosts(const HostConfig&, std::string&);
void render_identities_only(const HostConfig&, std::string&);
void render_strict(const HostConfig&, std::string&);
void render_alive_count(const HostConfig&, std::string&);
void render_alive_interval(const HostConfig&, std::string&);
void render_host_key_algorithms(const HostConfig&, std::string&);
void render_host_key_alias(const HostConfig&, std::string&);
void render_identity_files(const HostConfig&, std::string&);
void render_global_known_hosts(const HostConfig&, std::string&);
void render_user_known_hosts(const HostConfig&, std::string&);
void render_connect_timeout(const HostConfig&, std::string&);
void render_proxy_command(const HostConfig&, std::string&);
void render_proxy_jump(const HostConfig&, std::string&);

// One row per keyword ssh knows, as readconf.c's keywords[]: whether Brigade uses it, ignores
// it or refuses the host (a route it does not follow); whether it decides the route or the
// trust (inside a Match block, which is not evaluated, such a setting is an error rather than
// ignored); what values it takes (checked as the file loads); how it is resolved for a host and
// how ssh-config prints it.
struct Keyword {
  std::string_view name;
  Use use;
  bool decides_route = false;
  Value value = Value::any;
  ResolveSetting resolve = nullptr;
  RenderSetting render = nullptr;
};

constexpr Keyword kKeywords[] = {
    {"host", Use::used, false, Value::any, nullptr, render_host},
    {"match", Use::used},
    {"include", Use::used},
    {"ignoreunknown", Use::used},
    {"user", Use::used, false, Value::any, resolve_user, render_user},
    {"hostname", Use::used, true, Value::any, resolve_hostname, render_hostname},
    {"port", Use::used, true, Value::port, resolve_port, render_port},
    {"addressfamily", Use::used, true, Value::family, resolve_address_family,
     render_address_family},
    {"hashknownhosts", Use::used, false, Value::flag, resolve_hash_known_hosts,
     render_hash_known_hosts},
    {"identitiesonly", Use::used, false, Value::flag, resolve_identities_only,
     render_identities_only},
    {"stricthostkeychecking", Use::used, true, Value::strict, resolve_strict, render_strict},
    {"serveralivecountmax", Use::used, false, Value::count, resolve_alive_count,
     render_alive_count},
    {"serveraliveinterval", Use::used, false, Value::time, resolve_alive_interval,
     render_alive_interval},
    {"hostkeyalgorithms", Use::used, true, Value::any, resolve_host_key_algorithms,
     render_host_key_algorithms},
    {"hostkeyalias", Use::used, true, Value::any, resolve_host_key_alias, render_host_key_alias},
    {"identityfile", Use::used, false, Value::any, resolve_identity_files, render_identity_files},
    {"globalknownhostsfile", Use::used, true, Value::any, resolve_global_known_hosts,
     render_global_known_hosts},
    {"userknownhostsfile", Use::used, true, Value::any, resolve_user_known_hosts,
     render_user_known_hosts},
    {"connecttimeout", Use::used, false, Value::time_or_none, resolve_connect_timeout,
     render_connect_timeout},
    // The route row resolves ProxyCommand and ProxyJump together: whichever comes first wins.
    {"proxycommand", Use::route, true, Value::any, resolve_route, render_proxy_command},
    {"proxyjump", Use::used, true, Value::jump, nullptr, render_proxy_jump},
    {"bindaddress", Use::route, true, Value::any, refuse_bind_address},
    {"bindinterface", Use::route, true, Value::any, refuse_bind_interface},
    {"canonicalizehostname", Use::route, true, Value::flag_or_always, refuse_canonicalize},
    {"checkhostip", Use::route, true, Value::flag, refuse_check_host_ip},
    {"knownhostscommand", Use::route, true, Value::any, refuse_known_hosts_command},
    {"revokedhostkeys", Use::route, true, Value::any, refuse_revoked_host_keys},
    // Known, and without effect on where Brigade connects or which host key it trusts.
    // VerifyHostKeyDNS only ever adds trust (an SSHFP mismatch is a warning in OpenSSH), and
    // UpdateHostKeys and NoHostAuthenticationForLocalhost too: ignoring them is stricter.
    {"addkeystoagent", Use::ignored},
    {"batchmode", Use::ignored},
    {"canonicaldomains", Use::ignored},
    {"canonicalizefallbacklocal", Use::ignored},
    {"canonicalizemaxdots", Use::ignored},
    {"canonicalizepermittedcnames", Use::ignored},
    {"casignaturealgorithms", Use::ignored},
    {"certificatefile", Use::ignored},
    {"challengeresponseauthentication", Use::ignored},
    {"ciphers", Use::ignored},
    {"clearallforwardings", Use::ignored},
    {"compression", Use::ignored},
    {"connectionattempts", Use::ignored},
    {"controlmaster", Use::ignored},
    {"controlpath", Use::ignored},
    {"controlpersist", Use::ignored},
    {"dsaauthentication", Use::ignored},
    {"dynamicforward", Use::ignored},
    {"enableescapecommandline", Use::ignored},
    {"enablesshkeysign", Use::ignored},
    {"escapechar", Use::ignored},
    {"exitonforwardfailure", Use::ignored},
    {"fingerprinthash", Use::ignored},
    {"forkafterauthentication", Use::ignored},
    {"forwardagent", Use::ignored},
    {"forwardx11", Use::ignored},
    {"forwardx11timeout", Use::ignored},
    {"forwardx11trusted", Use::ignored},
    {"gatewayports", Use::ignored},
    {"gssapiauthentication", Use::ignored},
    {"gssapiclientidentity", Use::ignored},
    {"gssapidelegatecredentials", Use::ignored},
    {"gssapikexalgorithms", Use::ignored},
    {"gssapikeyexchange", Use::ignored},
    {"gssapirenewalforcesrekey", Use::ignored},
    {"gssapiserveridentity", Use::ignored},
    {"gssapitrustdns", Use::ignored},
    {"hostbasedacceptedalgorithms", Use::ignored},
    {"hostbasedauthentication", Use::ignored},
    {"hostbasedkeytypes", Use::ignored},
    {"identityagent", Use::ignored},
    {"identityfile2", Use::ignored},
    {"ipqos", Use::ignored},
    {"kbdinteractiveauthentication", Use::ignored},
    {"kbdinteractivedevices", Use::ignored},
    {"keepalive", Use::ignored},
    {"kexalgorithms", Use::ignored},
    {"localcommand", Use::ignored},
    {"localforward", Use::ignored},
    {"loglevel", Use::ignored},
    {"logverbose", Use::ignored},
    {"macs", Use::ignored},
    {"nohostauthenticationforlocalhost", Use::ignored},
    {"numberofpasswordprompts", Use::ignored},
    {"passwordauthentication", Use::ignored},
    {"permitlocalcommand", Use::ignored},
    {"permitremoteopen", Use::ignored},
    {"pkcs11provider", Use::ignored},
    {"preferredauthentications", Use::ignored},
    {"proxyusefdpass", Use::ignored},
    {"pubkeyacceptedalgorithms", Use::ignored},
    {"pubkeyacceptedkeytypes", Use::ignored},
    {"pubkeyauthentication", Use::ignored},
    {"rekeylimit", Use::ignored},
    {"remotecommand", Use::ignored},
    {"remoteforward", Use::ignored},
    {"requesttty", Use::ignored},
    {"requiredrsasize", Use::ignored},
    {"securitykeyprovider", Use::ignored},
    {"sendenv", Use::ignored},
    {"sessiontype", Use::ignored},
    {"setenv", Use::ignored},
    {"skeyauthentication", Use::ignored},
    {"smartcarddevice", Use::ignored},
    {"stdinnull", Use::ignored},
    {"streamlocalbindmask", Use::ignored},
    {"streamlocalbindunlink", Use::ignored},
    {"syslogfacility", Use::ignored},
    {"tcpkeepalive", Use::ignored},
    {"tisauthentication", Use::ignored},
    {"tunnel", Use::ignored},
    {"tunneldevice", Use::ignored},
    {"updatehostkeys", Use::ignored},
    {"verifyhostkeydns", Use::ignored},
    {"visualhostkey", Use::ignored},
    {"xauthlocation", Use::ignored},
    // Deprecated or removed: ssh warns and goes on.
    {"afstokenpassing", Use::ignored},
    {"cipher", Use::ignored},
    {"compressionlevel", Use::ignored},
    {"fallbacktorsh", Use::ignored},
    {"globalknownhostsfile2", Use::ignored},
    {"kerberosauthentication", Use::ignored},
    {"kerberostgtpassing", Use::ignored},
    {"protocol", Use::ignored},
    {"rhostsauthentication", Use::ignored},
    {"rhostsrsaauthentication", Use::ignored},
    {"rsaauthentication", Use::ignored},
    {"useprivilegedport", Use::ignored},
    {"userknownhostsfile2", Use::ignored},
    {"useroaming", Use::ignored},
    {"usersh", Use::ignored},
};

const Keyword* find_keyword(std::string_view name) {
  for (const auto& keyword : kKeywords) {
    if (keyword.name == name) {
      return &keyword;
    }
  }
  return nullptr;
}

std::vector<std::string> keyword_names() {
  std::vector<std::string> names;
  for (const auto& keyword : kKeywords) {
    names.emplace_back(keyword.name);
  }
  return names;
}

// OpenSSH's convtime(): "90", "1m30s", "1h", units s m h d w in either case.
std::optional<long long> parse_time(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  long long total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    long long value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      value = value * 10 + (text[i] - '0');
      if (value > 0x7fffffff) {
        return std::nullopt;
      }
      ++i;
    }
    if (i == start) {
      return std::nullopt;
    }
    long long unit = 1;
    if (i < text.size()) {
      switch (std::tolower(static_cast<unsigned char>(text[i]))) {
        case 's':
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'd':
          unit = 86400;
          break;
        case 'w':
          unit = 604800;
          break;
        default:
          return std::nullopt;
      }
      ++i;
    }
    total += value * unit;
    if (total > 0x7fffffff) {
      return std::nullopt;
    }
  }
  return total;
}

std::optional<bool> parse_flag(const std::string& text) {
  std::string v = lowercase(text);
  if (v == "yes" || v == "true") {
    return true;
  }
  if (v == "no" || v == "false") {
    return false;
  }
  return std::nullopt;
}

}  // namespace

struct ConfigLine {
  std::string keyword;  // lowercase
  std::vector<std::string> args;
  std::string file;
  int line = 0;
  std::vector<std::unique_ptr<SshConfig::Block>> included;
};

struct SshConfig::Block {
  std::vector<ConfigLine> lines;

  // The file cut into sections — a Host or Match line and the lines up to the next — so that
  // resolve() reads only the sections that apply to a host: with one `Host name` section per
  // node, a fleet of 10,000 costs a lookup a host, not 10,000 pattern matches.
  std::size_t preamble_end = 0;             ///< lines before the first Host or Match
  std::vector<std::size_t> section_starts;  ///< the Host and Match lines
  /// Sections whose Host line holds only literal names: name → section numbers, in order.
  std::unordered_map<std::string, std::vector<std::size_t>> literal_sections;
  std::vector<std::size_t> pattern_sections;  ///< Host lines with a wildcard or a negation

  void index() {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].keyword == "host" || lines[i].keyword == "match") {
        section_starts.push_back(i);
      }
    }
    preamble_end = section_starts.empty() ? lines.size() : section_starts.front();
    for (std::size_t section = 0; section < section_starts.size(); ++section) {
      const ConfigLine& start = lines[section_starts[section]];
      if (start.keyword == "match") {
        continue;  // Match is not supported: its lines never apply (see resolve)
      }
      const bool literal = std::none_of(start.args.begin(), start.args.end(), [](const auto& a) {
        return a.starts_with('!') || a.find_first_of("*?") != std::string::npos;
      });
      if (!literal) {
        pattern_sections.push_back(section);
        continue;
      }
      for (const auto& name : start.args) {
        auto& sections = literal_sections[name];
        if (sections.empty() || sections.back() != section) {  // "Host a a" is one section
          sections.push_back(section);
        }
      }
    }
  }
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
  // The first IgnoreUnknown read, in the order ssh reads the files.
  std::optional<std::string> ignore_unknown{};

  std::string expand_tilde(const std::string& path) const {
    if (path == "~" || path.starts_with("~/")) {
      return home + path.substr(1);
    }
    return path;
  }

  // `under_match`: the file is included inside a Match block, which is not evaluated: all of
  // it may apply to any host, or none of it, whatever Host lines it has (ssh reads it only
  // when the Match matches). Nothing in it is taken; a setting that would change the route,
  // the trust or the identity is an error, as in the Match block itself.
  Result<std::unique_ptr<SshConfig::Block>> parse_file(const std::string& path, int depth,
                                                       bool under_match = false) {
    std::error_code ec;
    auto block = std::make_unique<SshConfig::Block>();
    if (path.empty() || !fs::exists(path, ec)) {
      return block;  // a missing config file is no config, as for ssh
    }
    auto text = read_text_file(path);
    if (!text) {
      return text.error();
    }
    return parse_text(display_path(path), *text, depth, under_match);
  }

  Result<std::unique_ptr<SshConfig::Block>> parse_text(const std::string& shown,
                                                       const std::string& text, int depth,
                                                       bool under_match = false) {
    auto block = std::make_unique<SshConfig::Block>();
    std::size_t pos = 0;
    int number = 0;
    bool in_match = under_match;
    while (pos <= text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) {
        end = text.size();
      }
      std::string raw = text.substr(pos, end - pos);
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
      Diagnostic where = diagnostic_on_line(shown, number, raw, first, keyword, {});
      // Commands are taken as the rest of the line, unsplit, as readconf.c takes them.
      const bool command = keyword == "proxycommand" || keyword == "knownhostscommand" ||
                           keyword == "localcommand" || keyword == "remotecommand";
      auto args = command ? Result<std::vector<std::string>>(std::vector<std::string>{rest})
                          : split_arguments(rest, where);
      if (command && rest.empty()) {
        args = std::vector<std::string>{};
      }
      if (!args) {
        return args.error();
      }
      if (args->empty()) {
        where.message = "missing argument";
        return where;
      }

      const Keyword* known = find_keyword(keyword);
      if (known == nullptr) {
        // As ssh: an unknown keyword is an error unless IgnoreUnknown lists it.
        if (ignore_unknown && known_hosts_patterns_match(lowercase(*ignore_unknown), keyword)) {
          continue;
        }
        where.message = "Bad configuration option (OpenSSH 9.2 does not know it)";
        where.hint = did_you_mean(closest_matches(keyword, keyword_names()));
        if (where.hint.empty()) {
          where.hint = "list it in IgnoreUnknown if another ssh client needs it";
        }
        return where;
      }
      if (keyword == "ignoreunknown" && !ignore_unknown) {
        ignore_unknown = args->front();
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
        in_match = under_match;
      }
      if (in_match) {
        // Match is not evaluated, so a route, trust or identity setting inside one might apply
        // to any host: never connect as if it were not there.
        const bool identity =
            keyword == "user" || keyword == "identityfile" || keyword == "identitiesonly";
        if (known->decides_route || identity) {
          where.message =
              "Match is not supported, and " +
              std::string(under_match ? "this file, included inside a Match block, "
                                      : "this Match block ") +
              "sets " + keyword +
              (identity ? ", which changes who Brigade logs in as or with which key"
                        : ", which changes where Brigade connects or which host key it trusts");
          where.hint = "move the setting into a Host block";
          return where;
        }
        if (keyword == "include") {
          // Read, never skipped: the files it names are checked as the Match block is.
          auto included =
              include(ConfigLine{keyword, *args, shown, number, {}}, where, depth, true);
          if (!included) {
            return included.error();
          }
          if (!under_match) {
            Diagnostic warning = where;
            warning.field.clear();
            warning.message =
                "this Include is inside a Match block, which is not supported: the files it "
                "names are not applied (none of them changes the route, the trust or the "
                "identity)";
            warnings->push_back(warning);
          }
        }
        block->lines.push_back(ConfigLine{"ignored", std::move(*args), shown, number, {}});
        continue;
      }
      if (known->use == Use::ignored) {
        continue;
      }
      ConfigLine line{keyword, std::move(*args), shown, number, {}};
      if (keyword == "include") {
        auto included = include(std::move(line), where, depth, false);
        if (!included) {
          return included.error();
        }
        line = std::move(*included);
      }
      if (!validate(line, where)) {
        return where;
      }
      block->lines.push_back(std::move(line));
    }
    block->index();
    return block;
  }

  // The files an Include line names (globs, relative to ~/.ssh or /etc/ssh), parsed.
  Result<ConfigLine> include(ConfigLine line, Diagnostic& where, int depth, bool under_match) {
    if (depth >= kMaxIncludeDepth) {
      where.message =
          "Include nested too deeply (more than " + std::to_string(kMaxIncludeDepth) + " levels)";
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
          auto included = parse_file(matches.gl_pathv[i], depth + 1, under_match);
          if (!included) {
            globfree(&matches);
            return included.error();
          }
          line.included.push_back(std::move(*included));
        }
      }
      globfree(&matches);
    }
    return line;
  }

  // The value of a keyword Brigade acts on, as its row in kKeywords says it must be.
  static bool validate(const ConfigLine& line, Diagnostic& where) {
    const Keyword* keyword = find_keyword(line.keyword);
    if (keyword == nullptr) {
      return true;  // unknown keywords were judged already (IgnoreUnknown)
    }
    const std::string& value = line.args.front();
    const std::string v = lowercase(value);
    auto one_of = [&](std::initializer_list<const char*> words) {
      return std::any_of(words.begin(), words.end(), [&](const char* w) { return v == w; });
    };
    auto digits = [&](std::size_t most) {
      return !value.empty() && value.size() <= most &&
             std::all_of(value.begin(), value.end(),
                         [](unsigned char c) { return std::isdigit(c) != 0; });
    };
    auto fail = [&](std::string message) {
      where.message = std::move(message) + ", got '" + value + "'";
      return false;
    };
    switch (keyword->value) {
      case Value::any:
        return true;
      case Value::port:
        return (digits(5) && std::stoul(value) >= 1 && std::stoul(value) <= 65535) ||
               fail("expected a port number (1-65535)");
      case Value::time:
        return parse_time(value).has_value() || fail("expected a time (30, 1m30s, 2h)");
      case Value::time_or_none:
        return v == "none" || parse_time(value).has_value() ||
               fail("expected a time (30, 1m30s, 2h)");
      case Value::count:
        return digits(9) || fail("expected a number");
      case Value::strict:
        return one_of({"yes", "true", "no", "false", "off", "ask", "accept-new"}) ||
               fail("expected yes, accept-new, no or ask");
      case Value::flag:
        return parse_flag(value).has_value() || fail("expected yes or no");
      case Value::flag_or_always:
        return parse_flag(value).has_value() || one_of({"always"}) ||
               fail("expected yes, no or always");
      case Value::family:
        return one_of({"any", "inet", "inet6"}) || fail("expected any, inet or inet6");
      case Value::jump:
        return parse_proxy_jump(value).ok() ||
               fail(
                   "expected none or hops [user@]host[:port] or ssh://[user@]host[:port], "
                   "separated by commas");
    }
    return true;
  }
};

// The first value obtained for each keyword, with the line it came from; IdentityFile
// accumulates, each path once (ssh_config(5), readconf.c add_identity_file).
struct Obtained {
  std::map<std::string, const ConfigLine*> first;
  std::map<std::string, std::size_t> rank;  // the order in which the first values came
  std::vector<std::string> identity_files;

  void take(const ConfigLine& line) {
    if (line.keyword == "identityfile") {
      if (std::find(identity_files.begin(), identity_files.end(), line.args.front()) ==
          identity_files.end()) {
        identity_files.push_back(line.args.front());
      }
    } else if (first.try_emplace(line.keyword, &line).second) {
      rank.emplace(line.keyword, rank.size());
    }
  }
  // Whether `keyword` got its value before `other` did (or `other` got none).
  bool before(const std::string& keyword, const std::string& other) const {
    auto a = rank.find(keyword);
    auto b = rank.find(other);
    return a != rank.end() && (b == rank.end() || a->second < b->second);
  }
  const ConfigLine* get(const std::string& keyword) const {
    auto it = first.find(keyword);
    return it == first.end() ? nullptr : it->second;
  }
  std::optional<std::string> value(const std::string& keyword) const {
    const ConfigLine* line = get(keyword);
    return line != nullptr ? std::optional<std::string>(line->args.front()) : std::nullopt;
  }
};

void apply_block(const SshConfig::Block& block, const std::string& host, Obtained& obtained);

// Lines [begin, end) of a section that applies: settings taken, Includes followed.
void apply_lines(const SshConfig::Block& block, std::size_t begin, std::size_t end,
                 const std::string& host, Obtained& obtained) {
  for (std::size_t i = begin; i < end; ++i) {
    const ConfigLine& line = block.lines[i];
    if (line.keyword == "include") {
      // An Include inside a section that does not apply contributes nothing (it is never
      // reached here); after it, the including file goes on as it was (readconf.c).
      for (const auto& included : line.included) {
        apply_block(*included, host, obtained);
      }
    } else if (line.keyword != "ignored") {
      obtained.take(line);
    }
  }
}

// A file's lines that apply to `host`, in file order: the lines before its first Host or Match,
// then each section whose Host line matches (Match sections never do).
void apply_block(const SshConfig::Block& block, const std::string& host, Obtained& obtained) {
  apply_lines(block, 0, block.preamble_end, host, obtained);
  std::vector<std::size_t> sections;
  if (auto literal = block.literal_sections.find(host); literal != block.literal_sections.end()) {
    sections = literal->second;
  }
  for (std::size_t section : block.pattern_sections) {
    if (host_line_matches(block.lines[block.section_starts[section]].args, host)) {
      sections.push_back(section);
    }
  }
  std::sort(sections.begin(), sections.end());
  for (std::size_t section : sections) {
    const std::size_t start = block.section_starts[section];
    const std::size_t end = section + 1 < block.section_starts.size()
                                ? block.section_starts[section + 1]
                                : block.lines.size();
    apply_lines(block, start + 1, end, host, obtained);
  }
}

// Expands %-tokens and ${VAR} as OpenSSH's percent_dollar_expand(); an unknown token or an
// unset variable is an error, as for ssh.
Result<std::string> expand_tokens(const std::string& text,
                                  const std::map<char, std::string>& tokens, bool environment) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 1 >= text.size()) {
        return Diagnostic{.message = "'%' at the end of '" + text + "'"};
      }
      char t = text[++i];
      if (t == '%') {
        out += '%';
      } else if (auto it = tokens.find(t); it != tokens.end()) {
        out += it->second;
      } else {
        return Diagnostic{.message = std::string("unknown token %") + t + " in '" + text + "'"};
      }
      continue;
    }
    if (environment && text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      std::size_t close = text.find('}', i + 2);
      if (close == std::string::npos) {
        return Diagnostic{.message = "unterminated ${ in '" + text + "'"};
      }
      std::string name = text.substr(i + 2, close - i - 2);
      const char* value = std::getenv(name.c_str());
      if (value == nullptr) {
        return Diagnostic{.message = "environment variable ${" + name + "} is not set"};
      }
      out += value;
      i = close;
      continue;
    }
    out += text[i];
  }
  return out;
}

std::string sha1_hex(const std::string& text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

// ProxyJump as ssh -G prints it: the last hop parsed (`ssh://` dropped, `[user@]host[:port]`),
// the hops before it kept as written (readconf.c parse_jump).
std::string normalise_jump(const std::string& value) {
  const std::size_t comma = value.rfind(',');
  std::string hop = comma == std::string::npos ? value : value.substr(comma + 1);
  if (hop.starts_with("ssh://")) {
    hop.erase(0, 6);
    if (!hop.empty() && hop.back() == '/') {
      hop.pop_back();
    }
  }
  return comma == std::string::npos ? hop : value.substr(0, comma + 1) + hop;
}

// The host-key algorithms libssh2 1.10 can verify, best first: ed25519 before ECDSA (libssh2's
// own order picks ECDSA first), RSA last since it only speaks ssh-rsa (SHA-1). The ECDSA
// certificate methods it lists have no verify function: host certificates cannot be checked.
const std::vector<std::string> kHostKeyAlgorithms = {
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
};

// HostKeyAlgorithms as OpenSSH reads it (a list replaces the default; `+` appends, `-` removes,
// `^` puts first; wildcards allowed), applied to what Brigade can verify.
std::vector<std::string> host_key_algorithms(const std::string& setting) {
  std::string list = setting;
  char op = '\0';
  if (!list.empty() && (list[0] == '+' || list[0] == '-' || list[0] == '^')) {
    op = list[0];
    list.erase(0, 1);
  }
  std::vector<std::string> listed;  // in the order written
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) {
      end = list.size();
    }
    std::string item = lowercase(list.substr(start, end - start));
    for (const auto& algorithm : kHostKeyAlgorithms) {
      if (wildcard_match(item, algorithm) &&
          std::find(listed.begin(), listed.end(), algorithm) == listed.end()) {
        listed.push_back(algorithm);
      }
    }
    start = end + 1;
  }
  auto is_listed = [&](const std::string& algorithm) {
    return std::find(listed.begin(), listed.end(), algorithm) != listed.end();
  };
  std::vector<std::string> out;
  switch (op) {
    case '\0':
      return listed;
    case '^':
      out = listed;
      [[fallthrough]];
    case '+':
      for (const auto& algorithm : kHostKeyAlgorithms) {
        if (std::find(out.begin(), out.end(), algorithm) == out.end()) {
          out.push_back(algorithm);
        }
      }
      return out;
    default:  // '-'
      for (const auto& algorithm : kHostKeyAlgorithms) {
        if (!is_listed(algorithm)) {
          out.push_back(algorithm);
        }
      }
      return out;
  }
}

bool is_ip_literal(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// A host's settings as they are being resolved: what the files gave, and what the rows above
// have made of it so far.
struct Resolving {
  Resolving(const std::string& host, const HostDefaults& defaults, const Obtained& obtained,
            const CommandLine& given)
      : host(host), defaults(defaults), obtained(obtained), given(given) {}

  const std::string& host;
  const HostDefaults& defaults;
  const Obtained& obtained;
  const CommandLine& given;
  HostConfig config;

  bool flag(const char* keyword) const {
    return parse_flag(obtained.value(keyword).value_or("no")).value_or(false);
  }

  // The first reason this host cannot be reached as configured, at the line that says so.
  void refuse(const char* keyword, std::string message) {
    if (config.unusable) {
      return;
    }
    const ConfigLine* line = obtained.get(keyword);
    config.unusable = Diagnostic{.file = line ? line->file : std::string(),
                                 .line = line ? line->line : 0,
                                 .field = keyword,
                                 .message = std::move(message)};
  }

  // The %-tokens of ssh_config(5) TOKENS, made once per host, on first use: by then the rows
  // they come from (HostName, Port, User, HostKeyAlias) are resolved, and a host whose settings
  // expand no path pays neither the gethostname nor the SHA-1 of %C.
  const std::map<char, std::string>& tokens() {
    if (!tokens_) {
      const std::string local = local_host_name();
      tokens_ = std::map<char, std::string>{
          {'C', sha1_hex(local + config.host_name + std::to_string(config.port) + config.user)},
          {'d', defaults.home},
          {'h', config.host_name},
          {'i', std::to_string(getuid())},
          {'k', config.host_key_alias.value_or(host)},
          {'L', local.substr(0, local.find('.'))},
          {'l', local},
          {'n', host},
          {'p', std::to_string(config.port)},
          {'r', config.user},
          {'u', defaults.local_user},
      };
    }
    return *tokens_;
  }

  // %-tokens and ${VAR}, then a leading ~, in a path setting.
  std::string expand_path(const char* keyword, const std::string& path) {
    auto expanded = expand_tokens(path, tokens(), true);
    if (!expanded) {
      refuse(keyword, expanded.error().message);
      return path;
    }
    if (*expanded == "~" || expanded->starts_with("~/")) {
      return defaults.home + expanded->substr(1);
    }
    return *expanded;
  }

 private:
  std::optional<std::map<char, std::string>> tokens_;
};

bool is_none(const ConfigLine* line) {
  return line != nullptr && line->args.size() == 1 && lowercase(line->args.front()) == "none";
}

const char* yes_no(bool value) {
  return value ? "yes" : "no";
}

void resolve_user(Resolving& r, const ConfigLine* line) {
  if (r.given.user) {
    r.config.user = *r.given.user;
    return;
  }
  r.config.user = line ? line->args.front() : r.defaults.user.value_or(r.defaults.local_user);
}

void resolve_hostname(Resolving& r, const ConfigLine* line) {
  r.config.host = r.host;
  r.config.host_name = lowercase(r.host);
  if (line != nullptr) {
    auto expanded = expand_tokens(line->args.front(), {{'h', r.host}}, false);
    if (expanded) {
      r.config.host_name = lowercase(*expanded);
    } else {
      r.refuse("hostname", expanded.error().message);
    }
  }
}

void resolve_port(Resolving& r, const ConfigLine* line) {
  if (r.given.port) {
    r.config.port = *r.given.port;
  } else if (line != nullptr) {
    r.config.port = static_cast<std::uint16_t>(std::stoul(line->args.front()));
  }
}

void resolve_address_family(Resolving& r, const ConfigLine* line) {
  const std::string f = line ? lowercase(line->args.front()) : "any";
  r.config.address_family = f == "inet"    ? AddressFamily::inet
                            : f == "inet6" ? AddressFamily::inet6
                                           : AddressFamily::any;
}

void resolve_hash_known_hosts(Resolving& r, const ConfigLine*) {
  r.config.hash_known_hosts = r.flag("hashknownhosts");
}

void resolve_identities_only(Resolving& r, const ConfigLine*) {
  r.config.identities_only = r.flag("identitiesonly");
}

void resolve_strict(Resolving& r, const ConfigLine* line) {
  const std::string strict = line ? lowercase(line->args.front()) : "ask";
  r.config.strict_host_key_checking =
      strict == "accept-new"                                     ? StrictHostKeyChecking::accept_new
      : (strict == "no" || strict == "false" || strict == "off") ? StrictHostKeyChecking::no
      : (strict == "yes" || strict == "true")                    ? StrictHostKeyChecking::yes
                                                                 : StrictHostKeyChecking::ask;
}

void resolve_alive_count(Resolving& r, const ConfigLine* line) {
  if (line != nullptr) {
    r.config.server_alive_count_max = std::stoi(line->args.front());
  }
}

void resolve_alive_interval(Resolving& r, const ConfigLine* line) {
  if (line != nullptr) {
    r.config.server_alive_interval = static_cast<int>(parse_time(line->args.front()).value_or(0));
  }
}

void resolve_host_key_algorithms(Resolving& r, const ConfigLine* line) {
  if (line == nullptr) {
    return;
  }
  const std::string& algorithms = line->args.front();
  r.config.host_key_algorithms_setting = algorithms;
  r.config.host_key_algorithms = host_key_algorithms(algorithms);
  if (r.config.host_key_algorithms.empty()) {
    r.refuse("hostkeyalgorithms",
             "HostKeyAlgorithms " + algorithms +
                 " leaves no host-key algorithm Brigade can verify (libssh2 1.10 verifies " +
                 fmt::format("{}", fmt::join(kHostKeyAlgorithms, ", ")) + ")");
  }
}

void resolve_host_key_alias(Resolving& r, const ConfigLine* line) {
  if (line != nullptr) {
    r.config.host_key_alias = lowercase(line->args.front());
  }
}

// IdentityFile accumulates (Obtained keeps every path once); littlechef.cfg's keypair-file comes
// after them; with none at all, ssh's defaults.
void resolve_identity_files(Resolving& r, const ConfigLine*) {
  r.config.identity_file_settings = r.obtained.identity_files;
  for (const auto& file : r.obtained.identity_files) {
    r.config.identity_files.push_back(r.expand_path("identityfile", file));
  }
  auto& files = r.config.identity_files;
  if (r.defaults.keypair_file &&
      std::find(files.begin(), files.end(), *r.defaults.keypair_file) == files.end()) {
    files.push_back(*r.defaults.keypair_file);
  }
  if (files.empty()) {
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
      files.push_back(r.defaults.home + "/.ssh/" + name);
    }
  }
}

// GlobalKnownHostsFile is used as written: ssh expands neither ~ nor tokens in it.
void resolve_global_known_hosts(Resolving& r, const ConfigLine* line) {
  if (line == nullptr) {
    r.config.global_known_hosts_files = {"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"};
  } else if (!is_none(line)) {
    r.config.global_known_hosts_files = line->args;
  }
}

void resolve_user_known_hosts(Resolving& r, const ConfigLine* line) {
  if (line == nullptr) {
    r.config.user_known_hosts_files = {r.defaults.home + "/.ssh/known_hosts",
                                       r.defaults.home + "/.ssh/known_hosts2"};
  } else if (!is_none(line)) {
    for (const auto& file : line->args) {
      r.config.user_known_hosts_files.push_back(r.expand_path("userknownhostsfile", file));
    }
  }
}

void resolve_connect_timeout(Resolving& r, const ConfigLine* line) {
  if (line != nullptr && !is_none(line)) {
    r.config.connect_timeout_set = true;
    r.config.connect_timeout = std::chrono::seconds(parse_time(line->args.front()).value_or(10));
  }
}

// ProxyCommand and ProxyJump as ssh decides between them (measured with ssh -G, OpenSSH 9.2):
// the one obtained first wins and the other is ignored — except that `ProxyJump none` gives way
// to a later ProxyCommand, while `ProxyCommand none` keeps a later ProxyJump out (a direct
// connection). A route given as if on the command line (the later hops
// of a ProxyJump) keeps both out.
void resolve_route(Resolving& r, const ConfigLine*) {
  if (r.given.route_given) {
    r.config.route_configured = true;
    return;
  }
  const ConfigLine* command = r.obtained.get("proxycommand");
  const ConfigLine* jump = r.obtained.get("proxyjump");
  r.config.route_configured = command != nullptr || jump != nullptr;
  const bool command_wins =
      command != nullptr && (r.obtained.before("proxycommand", "proxyjump") || is_none(jump));
  if (command_wins) {
    if (!is_none(command)) {
      r.config.proxy_command = command->args.front();
    }
  } else if (jump != nullptr && !is_none(jump)) {
    r.config.proxy_jump = normalise_jump(jump->args.front());
  }
}

void refuse_bind_address(Resolving& r, const ConfigLine* line) {
  if (line != nullptr) {
    r.refuse("bindaddress",
             "BindAddress is not supported; Brigade would connect from another address");
  }
}

void refuse_bind_interface(Resolving& r, const ConfigLine* line) {
  if (line != nullptr) {
    r.refuse("bindinterface",
             "BindInterface is not supported; Brigade would connect from another address");
  }
}

void refuse_canonicalize(Resolving& r, const ConfigLine* line) {
  if (line != nullptr && parse_flag(line->args.front()) != false) {
    r.refuse("canonicalizehostname",
             "CanonicalizeHostname is not supported; Brigade would connect to, and check the "
             "host key of, another name than ssh");
  }
}

void refuse_check_host_ip(Resolving& r, const ConfigLine*) {
  if (r.flag("checkhostip") && !is_ip_literal(r.config.host_name)) {
    r.refuse("checkhostip",
             "CheckHostIP yes is not supported; Brigade would not check the host's address "
             "against known_hosts as ssh does (set CheckHostIP no for this host)");
  }
}

void refuse_known_hosts_command(Resolving& r, const ConfigLine* line) {
  if (line != nullptr && !is_none(line)) {
    r.refuse("knownhostscommand",
             "KnownHostsCommand is not supported; Brigade would decide on the host key without "
             "the keys it provides");
  }
}

void refuse_revoked_host_keys(Resolving& r, const ConfigLine* line) {
  if (line != nullptr && !is_none(line)) {
    r.refuse("revokedhostkeys",
             "RevokedHostKeys is not supported; Brigade would trust a key that file revokes "
             "(put the keys in known_hosts as @revoked lines instead)");
  }
}

void render_host(const HostConfig& c, std::string& out) {
  out += "host " + c.host + "\n";
}

void render_user(const HostConfig& c, std::string& out) {
  out += "user " + c.user + "\n";
}

void render_hostname(const HostConfig& c, std::string& out) {
  out += "hostname " + c.host_name + "\n";
}

void render_port(const HostConfig& c, std::string& out) {
  out += "port " + std::to_string(c.port) + "\n";
}

void render_address_family(const HostConfig& c, std::string& out) {
  out += std::string("addressfamily ") +
         (c.address_family == AddressFamily::inet    ? "inet"
          : c.address_family == AddressFamily::inet6 ? "inet6"
                                                     : "any") +
         "\n";
}

void render_hash_known_hosts(const HostConfig& c, std::string& out) {
  out += std::string("hashknownhosts ") + yes_no(c.hash_known_hosts) + "\n";
}

void render_identities_only(const HostConfig& c, std::string& out) {
  out += std::string("identitiesonly ") + yes_no(c.identities_only) + "\n";
}

void render_strict(const HostConfig& c, std::string& out) {
  switch (c.strict_host_key_checking) {
    case StrictHostKeyChecking::yes:
      out += "stricthostkeychecking true\n";
      break;
    case StrictHostKeyChecking::ask:
      out +=
          "stricthostkeychecking ask\n"
          "# brigade: never asks mid-run: a new host key is refused as under 'yes'\n";
      break;
    case StrictHostKeyChecking::accept_new:
      out += "stricthostkeychecking accept-new\n";
      break;
    case StrictHostKeyChecking::no:
      out +=
          "stricthostkeychecking false\n"
          "# brigade: a changed or revoked host key is refused all the same\n";
      break;
  }
}

void render_alive_count(const HostConfig& c, std::string& out) {
  out += "serveralivecountmax " + std::to_string(c.server_alive_count_max) + "\n";
}

void render_alive_interval(const HostConfig& c, std::string& out) {
  out += "serveraliveinterval " + std::to_string(c.server_alive_interval) + "\n";
}

void render_host_key_algorithms(const HostConfig& c, std::string& out) {
  out += "# brigade: host-key algorithms offered: " + join(c.host_key_algorithms, ",") + "\n";
}

void render_host_key_alias(const HostConfig& c, std::string& out) {
  if (c.host_key_alias) {
    out += "hostkeyalias " + *c.host_key_alias + "\n";
  }
}

void render_identity_files(const HostConfig& c, std::string& out) {
  for (const auto& file : c.identity_file_settings) {
    out += "identityfile " + file + "\n";
  }
  out += "# brigade: identity files tried: " + join(c.identity_files, " ") + "\n";
}

void render_global_known_hosts(const HostConfig& c, std::string& out) {
  out += "globalknownhostsfile " +
         (c.global_known_hosts_files.empty() ? std::string("none")
                                             : join(c.global_known_hosts_files, " ")) +
         "\n";
}

void render_user_known_hosts(const HostConfig& c, std::string& out) {
  out += "userknownhostsfile " +
         (c.user_known_hosts_files.empty() ? std::string("none")
                                           : join(c.user_known_hosts_files, " ")) +
         "\n";
}

void render_connect_timeout(const HostConfig& c, std::string& out) {
  if (c.connect_timeout_set) {
    out += "connecttimeout " + std::to_string(c.connect_timeout.count()) + "\n";
  } else {
    out +=
        "connecttimeout none\n# brigade: ConnectTimeout not set: connect, handshake and "
        "authentication wait at most " +
        std::to_string(c.connect_timeout.count()) + " s each\n";
  }
}

void render_proxy_command(const HostConfig& c, std::string& out) {
  if (c.proxy_command) {
    out += "proxycommand " + *c.proxy_command + "\n";
  }
}

void render_proxy_jump(const HostConfig& c, std::string& out) {
  if (c.proxy_jump) {
    out += "proxyjump " + *c.proxy_jump + "\n";
  }
}

}  // namespace

const std::vector<std::string>& verifiable_host_key_algorithms() {
  return kHostKeyAlgorithms;
}

SshConfig::SshConfig() = default;
SshConfig::~SshConfig() = default;
SshConfig::SshConfig(SshConfig&&) noexcept = default;
SshConfig& SshConfig::operator=(SshConfig&&) noexcept = default;

std::string local_host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) {
    return "localhost";
  }
  return buffer;
}

HostDefaults HostDefaults::from_environment() {
  HostDefaults defaults;
  const passwd* pw = getpwuid(getuid());
  defaults.local_user = pw != nullptr ? pw->pw_name : std::to_string(getuid());
  // The passwd entry's home, as ssh uses for ~ and %d whatever HOME says; HOME only without one.
  const char* home = std::getenv("HOME");
  defaults.home = pw != nullptr && pw->pw_dir != nullptr && *pw->pw_dir != '\0' ? pw->pw_dir
                  : home != nullptr && *home != '\0'                            ? home
                                                                                : "/";
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

HostConfig SshConfig::resolve(const std::string& host, const HostDefaults& defaults,
                              const CommandLine& given) const {
  Obtained obtained;
  for (const auto& file : files_) {
    apply_block(*file, host, obtained);  // lines before the first Host apply to every host
  }
  Resolving resolving(host, defaults, obtained, given);
  resolving.config.password = defaults.password;  // littlechef.cfg's; ssh_config has none
  for (const auto& keyword : kKeywords) {
    if (keyword.resolve != nullptr) {
      keyword.resolve(resolving, obtained.get(std::string(keyword.name)));
    }
  }
  return std::move(resolving.config);
}

std::string HostConfig::render() const {
  std::string out;
  for (const auto& keyword : kKeywords) {
    if (keyword.render != nullptr) {
      keyword.render(*this, out);
    }
  }
  if (!jump_hosts.empty()) {
    out += "# brigade: route " + describe_route(*this) + "\n";
  }
  if (password) {
    out += "# brigade: password set in littlechef.cfg (not shown)\n";
  }
  if (unusable) {
    out += "# brigade: refused: " + unusable->render() + "\n";
  }
  return out;
}

}  // namespace brigade::ssh
