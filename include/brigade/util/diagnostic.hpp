#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace brigade {

/// A problem in the user's input, located as precisely as we can: file, line, column, field.
struct Diagnostic {
  std::string file{};     ///< Path as shown to the user; empty when the problem has no file.
  int line = 0;           ///< 1-based; 0 when unknown.
  int column = 0;         ///< 1-based, in characters; 0 when unknown.
  std::string field{};    ///< The field or key at fault (`run_list`, `run_list[2]`), may be empty.
  std::string message{};  ///< What is wrong and what was expected.
  std::string hint{};     ///< A suggestion ("did you mean 'web'?"), appended after a comma.
  std::string source_line{};  ///< The offending source line, shown with a caret under `column`.
  std::vector<Diagnostic> also{};  ///< Further problems found in the same pass, reported together.

  /// `file:line:col: field: message, hint` followed by the source line and a caret, if known.
  std::string render() const;
};

/// Builds a diagnostic for a byte `offset` into `text`, filling line, column and source line.
/// It counts lines from the start of `text`: for one error, not for every line of a file.
Diagnostic diagnostic_at(std::string file, std::string_view text, std::size_t offset,
                         std::string field, std::string message, std::string hint = {});

/// The same for a byte `offset` into `source`, line `line` of `file`, when the caller already
/// knows the line: as cheap for the 20,000th line as for the first.
Diagnostic diagnostic_on_line(std::string file, int line, std::string_view source,
                              std::size_t offset, std::string field, std::string message,
                              std::string hint = {});

/// Every problem of one pass as one diagnostic: the first, with the others in `also`. Past
/// `shown` problems the rest are counted in a last line instead of listed (a kitchen of 10,000
/// broken files is not 10,000 lines). `problems` must not be empty.
Diagnostic all_problems(std::vector<Diagnostic> problems, std::size_t shown = 20);

/// A path as the user should see it: relative to the working directory when below it.
std::string display_path(const std::string& path);

}  // namespace brigade
