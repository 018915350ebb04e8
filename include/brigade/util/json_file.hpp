#pragma once

#include <brigade/util/result.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace brigade {

/// One step into a JSON document: an object key or an array index.
using JsonPathStep = std::variant<std::string, std::size_t>;
/// Where a value sits in a JSON document, from the root.
using JsonPath = std::vector<JsonPathStep>;

/// `run_list[2]`, `filters.roles`: a path as a user reads it.
std::string json_path_name(const JsonPath& path);

/// "a string", "an array", "a number", "true": the type of a value as an error message names it.
std::string json_kind(const nlohmann::json& value);

/// Byte offset of the value at `path` in valid JSON `text`; with `want_key`, of the last key
/// instead. Falls back to the deepest enclosing value found.
std::size_t locate_json(std::string_view text, const JsonPath& path, bool want_key = false);

/// A parsed JSON file, its text kept so that errors can point into it.
struct JsonFile {
  std::string path;  ///< As shown to the user.
  std::string text;
  nlohmann::json value;
  /// Keys given twice in one object ("the later value is used"), each naming both places.
  std::vector<Diagnostic> warnings{};

  /// A diagnostic pointing at the value at `where` (or at its key with `at_key`).
  Diagnostic error_at(const JsonPath& where, std::string message, std::string hint = {},
                      bool at_key = false) const;
};

/// Reads a whole regular file of at most kMaxConfigFileBytes (see read_file_pieces); the error
/// names the file and the reason.
Result<std::string> read_text_file(const std::filesystem::path& file);

/// Reads and parses a JSON file; a syntax error is located at its line and column.
Result<JsonFile> read_json_file(const std::filesystem::path& file);

/// The *.json files directly in (or, with `recursive`, below) `dir`, sorted; hidden files are
/// skipped. A .json name that is not a regular file (a FIFO, a device, a symlink loop) is an
/// error at it: reading it would hang or fail. A missing `dir` holds none.
Result<std::vector<std::filesystem::path>> json_files_in(const std::filesystem::path& dir,
                                                         bool recursive);

/// How deep JSON values may nest in kitchen and report files (documented in the README).
inline constexpr int kMaxJsonDepth = 256;

/// Parses JSON `text` that came from `shown_path`.
Result<JsonFile> parse_json(std::string shown_path, std::string text);

}  // namespace brigade
