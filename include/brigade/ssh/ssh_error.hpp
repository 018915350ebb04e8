#pragma once

// The transport's failures are node failures with a kind (util/failure.hpp): the SSH layer
// throws them, the node's action turns them into data.

#include <brigade/util/failure.hpp>

namespace brigade::ssh {

using brigade::failure_kind_name;
using brigade::FailureKind;
using SshError = brigade::NodeError;

}  // namespace brigade::ssh
