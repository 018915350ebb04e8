#pragma once

// A run's report as JUnit XML, the format Jenkins and GitLab read for test results: each node
// is a testcase of its batch's testsuite, each hook a testcase of its own.

#include <brigade/run/run_report.hpp>

#include <string>

namespace brigade {

/// The report as one JUnit XML document. Node output and names are escaped, and what XML 1.0
/// cannot hold (control characters, bytes that are not UTF-8) becomes U+FFFD.
std::string junit_xml(const RunReport& report);

}  // namespace brigade
