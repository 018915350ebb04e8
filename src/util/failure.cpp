#include <brigade/util/failure.hpp>

namespace brigade {

const char* failure_kind_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::config:
      return "config";
    case FailureKind::resolve:
    case FailureKind::connect:
      return "unreachable";
    case FailureKind::timeout:
      return "timeout";
    case FailureKind::handshake:
      return "handshake";
    case FailureKind::host_key:
      return "host key";
    case FailureKind::auth:
      return "auth";
    case FailureKind::channel:
      return "channel";
    case FailureKind::protocol:
      return "connection lost";
    case FailureKind::sync:
      return "sync";
    case FailureKind::unsafe:
      return "unsafe work path";
    case FailureKind::busy:
      return "busy";
    case FailureKind::sudo:
      return "sudo";
    case FailureKind::converge:
      return "converge";
    case FailureKind::hook:
      return "hook";
    case FailureKind::cancelled:
      return "cancelled";
  }
  return "error";
}

bool failure_kind_prefixes_message(FailureKind kind) {
  return kind != FailureKind::hook && kind != FailureKind::cancelled;
}

}  // namespace brigade
