#pragma once

// How `--help` and `brigade help` read: options with a word for their value (`--parallel N`),
// never the CLI library's type annotations (`UINT:INT in [1 - 100000]`), descriptions wrapped
// to the terminal's width under one column, and each command's examples and exit codes after
// its options.

#include <CLI/CLI.hpp>

#include <string>

namespace brigade {

class HelpFormatter : public CLI::Formatter {
 public:
  /// `width`: the line length descriptions are wrapped to.
  explicit HelpFormatter(std::size_t width = 80);

  std::string make_option_opts(const CLI::Option* option) const override;
  std::string make_option_usage(const CLI::Option* option) const override;
  std::string make_option(const CLI::Option* option, bool is_positional) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_usage(const CLI::App* app, std::string name) const override;

 private:
  std::string entry(const std::string& left, const std::string& description) const;
  std::size_t width_;
};

/// Wraps `text` to lines of at most `width` characters (a longer word stays whole), every line
/// after the first indented by `indent` spaces; the first line starts at column `first`.
std::string wrap_text(const std::string& text, std::size_t width, std::size_t indent,
                      std::size_t first);

}  // namespace brigade
