#pragma once

#include "support/sshd.hpp"

#include <brigade/run/node_sync.hpp>

#include <string>
#include <vector>

namespace brigade::test {

/// One deploy's node side (sync_and_converge) over a real session to `sshd` as root: the
/// kitchen to `work`, then `converge`; the node's lines and notes go to `log`. Throws as
/// sync_and_converge does; bounded by 120 s.
ConvergeResult deploy_over_ssh(const Sshd& sshd, const std::string& work,
                               const KitchenArchive& kitchen, const std::vector<ArchiveFile>& files,
                               const std::string& converge, DeployExtras extras, NodeOutput& log);

}  // namespace brigade::test
