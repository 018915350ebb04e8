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

/// A kitchen of one node n01.fleet.test whose littlechef.cfg sets no converge command: the
/// default, chef-solo.
void make_chef_solo_kitchen(const TempDir& kitchen, const Sshd& sshd);

/// Installs a fake chef-solo in `sshd`'s private /usr/local/bin (Options::private_dirs) that
/// records its arguments in dir()/chef-solo-args, prints `output` and exits `status`.
void install_chef_solo(const Sshd& sshd, const std::string& output, int status);

/// The report of the kitchen's latest run.
nlohmann::json latest_report(const TempDir& kitchen);

/// Writes an executable `#!/bin/sh` script with `body` at `relative` in `dir`; its full path.
std::string write_script(const TempDir& dir, const std::string& relative, const std::string& body);

}  // namespace brigade::test
