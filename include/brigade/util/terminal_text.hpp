#pragma once

#include <string>
#include <string_view>

namespace brigade {

/// `text` safe to show on a terminal: control characters that a node (or a hook) could use to
/// rewrite the screen, set the title, reach the clipboard or hide a line — ESC, CR, BS, BEL and
/// the rest of C0 and DEL, and C1 in UTF-8 (U+0080–U+009F) or as a raw byte — shown as `\xHH`,
/// a backslash as `\\`. Tabs stay. Logs and reports keep the bytes as they came.
std::string visible(std::string_view text);

}  // namespace brigade
