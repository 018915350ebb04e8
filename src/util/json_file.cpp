#include <brigade/util/file_reader.hpp>
#include <brigade/util/json_file.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

namespace brigade {

std::string json_path_name(const JsonPath& path) {
  std::string out;
  for (const auto& step : path) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      if (!out.empty()) {
        out += '.';
      }
      out += *key;
    } else {
      out += '[' + std::to_string(std::get<std::size_t>(step)) + ']';
    }
  }
  return out;
}

std::string json_kind(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return "a number";
    default:
      return "a binary value";
  }
}

namespace {

// Walks text that nlohmann::json has already accepted, so it can skip without validating.
// nlohmann keeps no source positions; this recovers them only on the error path.
class JsonLocator {
 public:
  explicit JsonLocator(std::string_view text) : text_(text) {}

  std::size_t locate(const JsonPath& path, bool want_key) {
    skip_space();
    for (std::size_t depth = 0; depth < path.size(); ++depth) {
      const bool last = depth + 1 == path.size();
      std::size_t here = pos_;
      bool found = false;
      if (const auto* key = std::get_if<std::string>(&path[depth])) {
        found = enter_member(*key);
        if (found && last && want_key) {
          return key_pos_;
        }
      } else {
        found = enter_element(std::get<std::size_t>(path[depth]));
      }
      if (!found) {
        return here;
      }
    }
    return pos_;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // At a '"': returns the decoded string (simple escapes only; keys rarely hold others).
  std::string read_string() {
    std::string out;
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
        ++pos_;
        switch (text_[pos_]) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          default:
            out += text_[pos_];
        }
      } else {
        out += text_[pos_];
      }
      ++pos_;
    }
    ++pos_;
    return out;
  }

  void skip_value() {
    char c = peek();
    if (c == '"') {
      read_string();
    } else if (c == '{' || c == '[') {
      int nesting = 0;
      do {
        char d = peek();
        if (d == '"') {
          read_string();
          continue;
        }
        if (d == '{' || d == '[') {
          ++nesting;
        } else if (d == '}' || d == ']') {
          --nesting;
        }
        ++pos_;
      } while (nesting > 0 && pos_ < text_.size());
    } else {
      while (pos_ < text_.size() && std::strchr(",}] \t\r\n", text_[pos_]) == nullptr) {
        ++pos_;
      }
    }
    skip_space();
  }

  bool enter_member(const std::string& wanted) {
    if (peek() != '{') {
      return false;
    }
    ++pos_;
    skip_space();
    while (peek() == '"') {
      key_pos_ = pos_;
      std::string key = read_string();
      skip_space();
      ++pos_;  // ':'
      skip_space();
      if (key == wanted) {
        return true;  // pos_ is at the value; key_pos_ at the key
      }
      skip_value();
      if (peek() == ',') {
        ++pos_;
        skip_space();
      }
    }
    return false;
  }

  bool enter_element(std::size_t wanted) {
    if (peek() != '[') {
      return false;
    }
    ++pos_;
    skip_space();
    for (std::size_t i = 0; peek() != ']' && pos_ < text_.size(); ++i) {
      if (i == wanted) {
        return true;
      }
      skip_value();
      if (peek() == ',') {
        ++pos_;
        skip_space();
      }
    }
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t key_pos_ = 0;
};

// nlohmann's texts read "[json.exception.parse_error.101] parse error at line 1, column 9:
// syntax error while parsing object key - unexpected '}'; expected string literal"; we give
// the position ourselves, so keep what follows it.
std::string parse_error_reason(const std::string& what) {
  std::string reason = what;
  if (auto colon = reason.find(": "); colon != std::string::npos) {
    reason = reason.substr(colon + 2);
  }
  // "last read: '…'" quotes lexer internals that confuse more than they show.
  if (auto last_read = reason.find("; last read: "); last_read != std::string::npos) {
    auto end = reason.find(" - ", last_read);
    reason.erase(last_read, end == std::string::npos ? std::string::npos : end - last_read);
  }
  if (reason.starts_with("syntax error while parsing ")) {
    reason = reason.substr(std::strlen("syntax error while parsing "));
    if (auto dash = reason.find(" - "); dash != std::string::npos) {
      reason = reason.substr(dash + 3) + " (in " + reason.substr(0, dash) + ")";
    }
  }
  return reason;
}

}  // namespace

std::size_t locate_json(std::string_view text, const JsonPath& path, bool want_key) {
  return JsonLocator(text).locate(path, want_key);
}

Diagnostic JsonFile::error_at(const JsonPath& where, std::string message, std::string hint,
                              bool at_key) const {
  return diagnostic_at(path, text, locate_json(text, where, at_key), json_path_name(where),
                       std::move(message), std::move(hint));
}

Result<std::string> read_text_file(const std::filesystem::path& file) {
  std::string text;
  auto read = read_file_pieces(file.string(), "file", kMaxConfigFileBytes,
                               [&](std::string_view piece) { text.append(piece); });
  if (!read) {
    return read.error();
  }
  return text;
}

Result<JsonFile> read_json_file(const std::filesystem::path& file) {
  auto text = read_text_file(file);
  if (!text) {
    return text.error();
  }
  return parse_json(display_path(file.string()), std::move(*text));
}

Result<JsonFile> parse_json(std::string shown_path, std::string text) {
  JsonFile file{std::move(shown_path), std::move(text), {}};
  if (file.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Diagnostic{.file = file.path, .message = "invalid JSON: the file is empty"};
  }
  // One pass before parsing: nesting is bounded (whatever walks the value later recurses, and
  // a file of 100,000 brackets must not end in a stack overflow), and a key given twice in one
  // object is a warning naming both places (nlohmann keeps the later value silently).
  struct Level {
    bool object;
    bool expect_key;
    std::map<std::string, std::size_t> keys;  // key as written: its first offset
  };
  std::vector<Level> levels;
  for (std::size_t i = 0; i < file.text.size(); ++i) {
    const char c = file.text[i];
    if (c == '"') {
      const std::size_t start = i;
      for (++i; i < file.text.size() && file.text[i] != '"'; ++i) {
        if (file.text[i] == '\\') {
          ++i;
        }
      }
      if (!levels.empty() && levels.back().object && levels.back().expect_key) {
        levels.back().expect_key = false;
        const std::string key = file.text.substr(start + 1, i - start - 1);
        auto [first, fresh] = levels.back().keys.try_emplace(key, start);
        if (!fresh) {
          const Diagnostic earlier = diagnostic_at(file.path, file.text, first->second, {}, {});
          file.warnings.push_back(diagnostic_at(
              file.path, file.text, start, {},
              fmt::format("key \"{}\" given again in this object (first at line {}, column {}); "
                          "the later value is used",
                          key, earlier.line, earlier.column)));
        }
      }
    } else if (c == '[' || c == '{') {
      if (levels.size() >= static_cast<std::size_t>(kMaxJsonDepth)) {
        return diagnostic_at(file.path, file.text, i, {},
                             fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
      }
      levels.push_back(Level{c == '{', c == '{', {}});
    } else if ((c == ']' || c == '}') && !levels.empty()) {
      levels.pop_back();
    } else if (c == ',' && !levels.empty() && levels.back().object) {
      levels.back().expect_key = true;
    }
  }
  try {
    file.value = nlohmann::json::parse(file.text);
  } catch (const nlohmann::json::out_of_range& e) {
    // A number too large for a double (1e400): nlohmann names it but not where it is.
    std::string what = e.what();
    std::size_t offset = 0;
    if (auto open = what.find('\''); open != std::string::npos) {
      const std::string literal = what.substr(open + 1, what.rfind('\'') - open - 1);
      offset = file.text.find(literal);
      offset = offset == std::string::npos ? 0 : offset;
    }
    return diagnostic_at(file.path, file.text, offset, {},
                         "invalid JSON: a number out of range (beyond what a double holds)");
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts the characters read, so the offending character is the one before it.
    std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    if (offset >= file.text.size() && !file.text.empty()) {
      offset = file.text.size() - 1;
    }
    // A trailing comma is the most common hand-edit mistake in JSON; name it and point at it.
    if (offset < file.text.size() && (file.text[offset] == '}' || file.text[offset] == ']')) {
      std::size_t before = file.text.find_last_not_of(" \t\r\n", offset == 0 ? 0 : offset - 1);
      if (offset > 0 && before != std::string::npos && file.text[before] == ',') {
        return diagnostic_at(
            file.path, file.text, before, {},
            std::string("invalid JSON: trailing comma before '") + file.text[offset] + "'",
            "remove the comma");
      }
    }
    std::string reason = parse_error_reason(e.what());
    // The lexer stops after a bad literal (`tru}`); point at where the literal starts.
    if (reason.starts_with("invalid literal")) {
      while (offset > 0 && std::isalnum(static_cast<unsigned char>(file.text[offset - 1]))) {
        --offset;
      }
    }
    return diagnostic_at(file.path, file.text, offset, {}, "invalid JSON: " + reason);
  }
  return file;
}

// The *.json files directly in (or, with `recursive`, below) `dir`, sorted so that the first
// error reported is the same on every run. Hidden files (editor droppings) are skipped.
Result<std::vector<std::filesystem::path>> json_files_in(const std::filesystem::path& dir,
                                                         bool recursive) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    return files;
  }
  // A .json name is read only when it is (or links to) a regular file: a FIFO or /dev/zero
  // would hang or never end, a symlink loop cannot be read. Those are errors at the file.
  std::optional<Diagnostic> unreadable;
  auto consider = [&](const fs::directory_entry& entry) {
    const fs::path& p = entry.path();
    if (p.extension() != ".json" || p.filename().string().starts_with(".") || unreadable) {
      return;
    }
    std::error_code status_ec;
    const auto status = fs::status(p, status_ec);
    if (status_ec) {
      unreadable = Diagnostic{.file = display_path(p.string()),
                              .message = "cannot read file: " + status_ec.message()};
    } else if (fs::is_regular_file(status)) {
      files.push_back(p);
    } else if (!fs::is_directory(status)) {
      unreadable = Diagnostic{.file = display_path(p.string()),
                              .message = "not a regular file (a FIFO, device or socket)"};
    }
  };
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      std::error_code type_ec;
      if (it->path().filename().string().starts_with(".") && it->is_directory(type_ec)) {
        it.disable_recursion_pending();
        continue;
      }
      consider(*it);
    }
  } else {
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::end(it); it.increment(ec)) {
      consider(*it);
    }
  }
  if (ec) {
    return Diagnostic{.file = display_path(dir.string()),
                      .message = "cannot list directory: " + ec.message()};
  }
  if (unreadable) {
    return *unreadable;
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace brigade
