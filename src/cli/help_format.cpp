#include <brigade/cli/help_format.hpp>

#include <sstream>
#include <vector>

namespace brigade {

namespace {

// Where descriptions start: options and their values fit left of it.
constexpr std::size_t kColumn = 26;

// Characters as the terminal counts them: UTF-8 continuation bytes take no column.
std::size_t columns(const std::string& text) {
  std::size_t count = 0;
  for (unsigned char c : text) {
    count += (c & 0xC0) != 0x80 ? 1 : 0;
  }
  return count;
}

}  // namespace

std::string wrap_text(const std::string& text, std::size_t width, std::size_t indent,
                      std::size_t first) {
  std::string out;
  std::size_t column = first;
  bool line_empty = true;
  std::istringstream paragraphs(text);
  bool first_paragraph = true;
  for (std::string paragraph; std::getline(paragraphs, paragraph);) {
    if (!first_paragraph) {
      out += '\n' + std::string(indent, ' ');
      column = indent;
      line_empty = true;
    }
    first_paragraph = false;
    std::istringstream words(paragraph);
    for (std::string word; words >> word;) {
      const std::size_t length = columns(word);
      if (!line_empty && column + 1 + length > width) {
        out += '\n' + std::string(indent, ' ');
        column = indent;
        line_empty = true;
      }
      if (!line_empty) {
        out += ' ';
        ++column;
      }
      out += word;
      column += length;
      line_empty = false;
    }
  }
  return out;
}

HelpFormatter::HelpFormatter(std::size_t width) : width_(width) {
  column_width(kColumn);
}

std::string HelpFormatter::make_option_opts(const CLI::Option* option) const {
  if (option->get_items_expected_max() == 0) {
    return {};  // a flag
  }
  return " " +
         (option->get_option_text().empty() ? std::string("VALUE") : option->get_option_text());
}

std::string HelpFormatter::make_option_usage(const CLI::Option* option) const {
  const std::string name =
      option->get_option_text().empty() ? option->get_name(true, false) : option->get_option_text();
  return option->get_required() ? name : "[" + name + "]";
}

std::string HelpFormatter::entry(const std::string& left, const std::string& description) const {
  std::string out = "  " + left;
  std::size_t column = 2 + columns(left);
  if (description.empty()) {
    return out + '\n';
  }
  if (column + 2 > kColumn) {
    out += '\n';
    column = 0;
  }
  out += std::string(kColumn - column, ' ');
  return out + wrap_text(description, width_, kColumn, kColumn) + '\n';
}

std::string HelpFormatter::make_option(const CLI::Option* option, bool is_positional) const {
  const std::string left = is_positional
                               ? make_option_usage(option)
                               : make_option_name(option, false) + make_option_opts(option);
  return entry(left, make_option_desc(option));
}

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const {
  return entry(sub->get_display_name(), sub->get_description());
}

std::string HelpFormatter::make_usage(const CLI::App* app, std::string name) const {
  std::string usage = "Usage: " + name;
  std::vector<const CLI::Option*> options =
      app->get_options([](const CLI::Option* option) { return option->nonpositional(); });
  if (!options.empty()) {
    usage += " [OPTIONS]";
  }
  for (const CLI::Option* positional :
       app->get_options([](const CLI::Option* option) { return option->get_positional(); })) {
    usage += " " + make_option_usage(positional);
  }
  if (!app->get_subcommands({}).empty()) {
    usage += app->get_require_subcommand_min() > 0 ? " COMMAND" : " [COMMAND]";
  }
  return usage + '\n';
}

}  // namespace brigade
