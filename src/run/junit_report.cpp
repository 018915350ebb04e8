#include <brigade/kitchen/hooks.hpp>
#include <brigade/run/junit_report.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <map>

namespace brigade {

namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Text for an XML attribute or element: UTF-8 checked, characters XML 1.0 forbids replaced,
// markup escaped.
std::string xml_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      switch (byte) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        case '\t':
        case '\n':
        case '\r':
          out += static_cast<char>(byte);
          break;
        default:
          out += byte < 0x20 || byte == 0x7f ? kReplacement : std::string(1, text[i]);
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: its length from the lead byte, each continuation checked.
    const std::size_t length = byte >= 0xF0 && byte <= 0xF4  ? 4
                               : byte >= 0xE0                ? 3
                               : byte >= 0xC2 && byte < 0xE0 ? 2
                                                             : 0;
    bool valid = length > 0 && i + length <= text.size();
    std::uint32_t code = length == 2 ? byte & 0x1F : length == 3 ? byte & 0x0F : byte & 0x07;
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates, beyond U+10FFFF, C1 controls and U+FFFE/U+FFFF are not text.
    valid = valid && !(length == 3 && code < 0x800) && !(length == 4 && code < 0x10000) &&
            !(code >= 0xD800 && code <= 0xDFFF) && code <= 0x10FFFF &&
            !(code >= 0x80 && code <= 0x9F) && code != 0xFFFE && code != 0xFFFF;
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

std::string seconds(double value) {
  return fmt::format("{:.3f}", value);
}

std::string lines(const std::vector<std::string>& tail) {
  std::string text;
  for (const auto& line : tail) {
    text += line + "\n";
  }
  return text;
}

// One hook as a testcase: `classname` its place (the batch, or "hooks" for global ones).
std::string hook_case(const std::string& classname, const std::string& node,
                      const HookRecord& hook) {
  std::string name = std::string(hook_kind(hook.type)) + " '" + hook.name + "'";
  if (!node.empty()) {
    name = node + ": " + name;
  }
  std::string xml = fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"",
                                xml_text(classname), xml_text(name), seconds(hook.duration_s));
  if (!hook.ran) {
    return xml +
           ">\n      <skipped message=\"not run: the run was cancelled first\"/>\n"
           "    </testcase>\n";
  }
  xml += ">\n";
  if (!hook.succeeded()) {
    xml += fmt::format("      <failure message=\"{}\" type=\"hook\">{}</failure>\n",
                       xml_text(hook.outcome()), xml_text(lines(hook.tail)));
  }
  if (!hook.tail.empty()) {
    xml += fmt::format("      <system-out>{}</system-out>\n", xml_text(lines(hook.tail)));
  }
  return xml + "    </testcase>\n";
}

}  // namespace

std::string junit_xml(const RunReport& report) {
  struct Suite {
    std::string cases;
    std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    double time = 0;
  };
  std::map<std::size_t, Suite> batches;  // 0: nodes never placed in a batch
  for (const auto& node : report.nodes) {
    Suite& suite = batches[node.batch];
    const std::string classname =
        node.batch == 0 ? std::string("not in a batch") : fmt::format("batch {}", node.batch);
    for (const auto& hook : node.hooks) {
      suite.cases += hook_case(classname, node.name, hook);
      ++suite.tests;
      suite.failures += hook.ran && !hook.succeeded() ? 1 : 0;
      suite.skipped += hook.ran ? 0 : 1;
    }
    ++suite.tests;
    suite.time += node.duration_s;
    std::string body;
    const std::string reason = node.reason(kConvergeCommandNoun);
    switch (node.status) {
      case NodeStatus::deployed:
        break;
      case NodeStatus::failed:
        ++suite.failures;
        body = fmt::format(
            "      <failure message=\"{}\" type=\"{}\">{}</failure>\n", xml_text(reason),
            node.failure ? failure_kind_name(*node.failure) : "failed", xml_text(lines(node.tail)));
        break;
      case NodeStatus::cancelled:
        ++suite.errors;
        body = fmt::format("      <error message=\"{}\" type=\"cancelled\"/>\n",
                           xml_text(reason.empty() ? "cancelled" : reason));
        break;
      case NodeStatus::skipped:
      case NodeStatus::not_started:
        ++suite.skipped;
        body = fmt::format("      <skipped message=\"{}\"/>\n",
                           xml_text(reason.empty() ? node_status_name(node.status) : reason));
        break;
    }
    if (!node.tail.empty()) {
      body += fmt::format("      <system-out>{}</system-out>\n", xml_text(lines(node.tail)));
    }
    suite.cases +=
        fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"{}", xml_text(classname),
                    xml_text(node.name), seconds(node.duration_s), body.empty() ? "/>\n" : ">\n");
    if (!body.empty()) {
      suite.cases += body + "    </testcase>\n";
    }
  }
  Suite hooks;
  for (const auto& hook : report.hooks) {
    hooks.cases += hook_case("hooks", "", hook);
    ++hooks.tests;
    hooks.failures += hook.ran && !hook.succeeded() ? 1 : 0;
    hooks.skipped += hook.ran ? 0 : 1;
    hooks.time += hook.duration_s;
  }
  const double total = std::chrono::duration<double>(report.finished - report.started).count();
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  std::string suites;
  auto add_suite = [&](const std::string& name, const Suite& suite) {
    tests += suite.tests;
    failures += suite.failures;
    errors += suite.errors;
    skipped += suite.skipped;
    suites += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"{}\" timestamp=\"{}\">\n{}  </testsuite>\n",
        xml_text(name), suite.tests, suite.failures, suite.errors, suite.skipped,
        seconds(suite.time), iso8601_utc(report.started).substr(0, 19), suite.cases);
  };
  if (hooks.tests > 0) {
    add_suite("hooks", hooks);
  }
  for (const auto& [batch, suite] : batches) {
    add_suite(batch == 0 ? std::string("not in a batch") : fmt::format("batch {}", batch), suite);
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"brigade fix {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "skipped=\"{}\" time=\"{}\">\n{}</testsuites>\n",
      xml_text(report.run_id), tests, failures, errors, skipped, seconds(total), suites);
}

}  // namespace brigade
