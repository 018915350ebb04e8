#pragma once

#include <iostream>

/// Ends a test that cannot run on this machine (no root, a tool missing), printing the marker
/// ctest reads as "skipped" (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt): it is never
/// counted as passed, and scripts/test fails on any skipped test under CI.
#define BRIGADE_SKIP(reason)                                        \
  do {                                                              \
    std::cout << "BRIGADE-TEST-SKIPPED: " << (reason) << std::endl; \
    return;                                                         \
  } while (false)
