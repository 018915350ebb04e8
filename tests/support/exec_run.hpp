#pragma once

#include <brigade/run/fleet_run.hpp>
#include <brigade/ssh/session.hpp>

#include <string>
#include <vector>

namespace brigade::test {

/// Runs `command` on every host through FleetRun and SshExec, as `brigade exec` does, with
/// fresh host keys and credentials; bounded by 180 s. Results come back in host order.
std::vector<NodeResult> exec_on_hosts(const std::vector<ssh::HostConfig>& hosts,
                                      const std::string& command, std::size_t parallel);

}  // namespace brigade::test
