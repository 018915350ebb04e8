#include <brigade/util/json_file.hpp>

#include <catch2/catch.hpp>

using brigade::locate_json;
using brigade::parse_json;

namespace {
std::string error_of(const std::string& text) {
  auto parsed = parse_json("f.json", text);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().render();
}
}  // namespace

TEST_CASE("json: a trailing comma in an object is named and pointed at", "[json]") {
  CHECK(error_of("{\n  \"a\": 1,\n}\n") ==
        "f.json:2:9: invalid JSON: trailing comma before '}', remove the comma\n"
        "      \"a\": 1,\n"
        "            ^");
}

TEST_CASE("json: a trailing comma in an array is named and pointed at", "[json]") {
  CHECK(error_of("{\"run_list\": [\"a\",\n  ]}") ==
        "f.json:1:18: invalid JSON: trailing comma before ']', remove the comma\n"
        "    {\"run_list\": [\"a\",\n"
        "                     ^");
}

TEST_CASE("json: other syntax errors keep nlohmann's reason at our position", "[json]") {
  CHECK(error_of("{\"a\" 1}") ==
        "f.json:1:6: invalid JSON: unexpected number literal; expected ':' (in object "
        "separator)\n"
        "    {\"a\" 1}\n"
        "         ^");
  CHECK(error_of("") == "f.json: invalid JSON: the file is empty");
  CHECK(error_of(" \n") == "f.json: invalid JSON: the file is empty");
  CHECK(error_of("{\"a\": tru}") ==
        "f.json:1:7: invalid JSON: invalid literal (in value)\n"
        "    {\"a\": tru}\n"
        "          ^");
}

TEST_CASE("json: values and keys are located by path", "[json]") {
  const std::string text = R"({"name": "x", "a": {"b": [1, {"c": "here"}], "d": 2}})";
  CHECK(text.substr(locate_json(text, {"a", "b", std::size_t{1}, "c"}), 6) == "\"here\"");
  CHECK(text.substr(locate_json(text, {"a", "d"}), 1) == "2");
  CHECK(text.substr(locate_json(text, {"a", "d"}, true), 3) == "\"d\"");
  CHECK(text.substr(locate_json(text, {"name"}), 3) == "\"x\"");
  // A missing step falls back to the deepest value found.
  CHECK(text.substr(locate_json(text, {"a", "zzz"}), 5) == "{\"b\":");
}

TEST_CASE("json: error_at names the path and the type found", "[json]") {
  auto file = parse_json("n.json", "{\n  \"tags\": [\"a\", 3]\n}");
  REQUIRE(file.ok());
  CHECK(brigade::json_kind(file->value["tags"][1]) == "a number");
  CHECK(file->error_at({"tags", std::size_t{1}}, "expected a string, got a number").render() ==
        "n.json:2:17: tags[1]: expected a string, got a number\n"
        "      \"tags\": [\"a\", 3]\n"
        "                    ^");
}
