#include <brigade/util/terminal_text.hpp>

#include <catch2/catch.hpp>

using brigade::visible;

TEST_CASE("terminal text: control sequences are shown, never obeyed", "[terminal]") {
  CHECK(visible("plain text\twith a tab, caf\xc3\xa9") == "plain text\twith a tab, caf\xc3\xa9");
  CHECK(visible("\x1b[2J\x1b]0;pwned\x07") == "\\x1b[2J\\x1b]0;pwned\\x07");
  CHECK(visible("ok\rFAILED") == "ok\\x0dFAILED");
  CHECK(visible("back\x08\x7f") == "back\\x08\\x7f");
  CHECK(visible("c1 \xc2\x9b"
                "31m and raw \x9b") == "c1 \\u009b31m and raw \\x9b");
  CHECK(visible("a\\x1b") == "a\\\\x1b");  // a backslash cannot fake an escape
}
