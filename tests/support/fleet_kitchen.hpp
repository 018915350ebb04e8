#pragma once

#include "support/sshd.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace brigade::test {

/// Writes a kitchen of `nodes` production nodes n01.fleet.test, n02.fleet.test, … reached
/// through `sshd`, whose converge command is `command` and whose node_work_path is under the
/// fixture's directory.
void make_fleet_kitchen(const TempDir& kitchen, const Sshd& sshd, int nodes,
                        const std::string& command);

/// The report of the kitchen's latest run.
nlohmann::json latest_report(const TempDir& kitchen);

/// Writes an executable `#!/bin/sh` script with `body` at `relative` in `dir`; its full path.
std::string write_script(const TempDir& dir, const std::string& relative, const std::string& body);

}  // namespace brigade::test
