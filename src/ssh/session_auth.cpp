#include "session_io.hpp"

#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/session.hpp>
#include <brigade/util/fd.hpp>
#include <brigade/util/secret.hpp>
#include <brigade/util/strings.hpp>

#include <fmt/format.h>
#include <libssh2.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace brigade::ssh {

namespace {

bool offers(const std::string& methods, std::string_view method) {
  std::size_t start = 0;
  while (start <= methods.size()) {
    std::size_t end = methods.find(',', start);
    if (end == std::string::npos) {
      end = methods.size();
    }
    if (std::string_view(methods).substr(start, end - start) == method) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

// keyboard-interactive with the configured password as the answer to every prompt
// (what PAM's "Password:" prompt wants). libssh2 frees the answers with free().
void answer_with_password(const char*, int, const char*, int, int num_prompts,
                          const LIBSSH2_USERAUTH_KBDINT_PROMPT*,
                          LIBSSH2_USERAUTH_KBDINT_RESPONSE* responses, void** abstract) {
  const auto* password = static_cast<Session::Abstract*>(*abstract)->password;
  for (int i = 0; i < num_prompts; ++i) {
    responses[i].text = password != nullptr ? strdup(password->c_str()) : strdup("");
    responses[i].length = password != nullptr ? static_cast<unsigned int>(password->size()) : 0;
  }
}

// Hands libssh2's request for a signature to the agent. libssh2 wants the raw signature in
// memory from its allocator (malloc: the session uses the default allocators).
struct AgentSigner {
  AgentClient* agent;
  const std::string* blob;
  std::string error;
};

int sign_with_agent(LIBSSH2_SESSION*, unsigned char** signature, size_t* signature_length,
                    const unsigned char* data, size_t data_length, void** abstract) {
  auto* signer = static_cast<AgentSigner*>(*abstract);
  auto signed_data = signer->agent->sign(
      *signer->blob, std::string_view(reinterpret_cast<const char*>(data), data_length));
  if (!signed_data) {
    signer->error = signed_data.error().message;
    return -1;
  }
  *signature = static_cast<unsigned char*>(std::malloc(signed_data->size()));
  if (*signature == nullptr) {
    return -1;
  }
  std::memcpy(*signature, signed_data->data(), signed_data->size());
  *signature_length = signed_data->size();
  return 0;
}

std::string describe_key_failure(int rc, const std::optional<IdentityInfo>& info,
                                 const std::string& libssh2_text) {
  if (info && info->type == IdentityInfo::Type::rsa) {
    return "RSA key, refused";
  }
  switch (rc) {
    case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
      return "refused by the server";
    // libssh2 reports a key it could not load as "Callback returned error" (-19): say what
    // that usually means instead.
    case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
      return "could not be loaded: wrong passphrase or unsupported key format";
    case LIBSSH2_ERROR_FILE:
      return "unreadable: " + libssh2_text;
    default:
      return libssh2_text;
  }
}

}  // namespace

asio::awaitable<void> Session::authenticate(SessionContext& context) {
  const std::string& user = config_.user;
  // The real user name goes into the first request: OpenSSH does not let it change afterwards.
  char* list = co_await open_until_done(session_, *transport_, [&] {
    return libssh2_userauth_list(session_, user.c_str(), static_cast<unsigned int>(user.size()));
  });
  if (list == nullptr) {
    if (libssh2_userauth_authenticated(session_) != 0) {
      co_return;  // the server accepted "none"
    }
    throw SshError(FailureKind::auth, "authentication at " + where() + " failed: " + last_error());
  }
  const std::string methods = list;
  std::vector<std::string> tried;
  bool rsa_refused = false;

  AgentClient* agent = context.credentials != nullptr ? context.credentials->agent() : nullptr;
  if (offers(methods, "publickey") && agent != nullptr) {
    // With IdentitiesOnly, only agent keys that are also configured identities (ssh_config(5)).
    std::vector<std::string> allowed;
    if (config_.identities_only) {
      for (const auto& file : config_.identity_files) {
        if (auto blob = read_public_key_blob(file)) {
          allowed.push_back(std::move(*blob));
        }
      }
    }
    for (const auto& identity : agent->identities()) {
      if (config_.identities_only &&
          std::find(allowed.begin(), allowed.end(), identity.blob) == allowed.end()) {
        continue;
      }
      AgentSigner signer{agent, &identity.blob, {}};
      void* abstract = &signer;
      int rc = co_await call_until_done(session_, *transport_, [&] {
        return libssh2_userauth_publickey(
            session_, user.c_str(), reinterpret_cast<const unsigned char*>(identity.blob.data()),
            identity.blob.size(), &sign_with_agent, &abstract);
      });
      if (rc == 0) {
        co_return;
      }
      std::string why = identity.type == "ssh-rsa" ? "RSA key, refused"
                        : signer.error.empty()     ? "refused by the server"
                                                   : signer.error;
      rsa_refused = rsa_refused || identity.type == "ssh-rsa";
      tried.push_back("agent key " + (identity.comment.empty() ? identity.type : identity.comment) +
                      " (" + why + ")");
    }
  }

  if (agent == nullptr && context.credentials != nullptr &&
      !context.credentials->agent_problem().empty()) {
    tried.push_back("no agent keys (" + context.credentials->agent_problem() + ")");
  }

  if (offers(methods, "publickey")) {
    for (const auto& file : config_.identity_files) {
      std::error_code ec;
      if (!std::filesystem::exists(file, ec)) {
        continue;  // as ssh does for the default identity files
      }
      auto info = inspect_identity_file(file);
      std::optional<std::string> passphrase = std::string();
      if (context.credentials != nullptr) {
        passphrase = context.credentials->passphrase_for(file);
      }
      if (!passphrase) {
        tried.push_back(file + " (encrypted; no passphrase: set BRIGADE_KEY_PASSPHRASE)");
        continue;
      }
      const std::string public_file = file + ".pub";
      const bool has_public = std::filesystem::exists(public_file, ec);
      int rc = co_await call_until_done(session_, *transport_, [&] {
        return libssh2_userauth_publickey_fromfile_ex(
            session_, user.c_str(), static_cast<unsigned int>(user.size()),
            has_public ? public_file.c_str() : nullptr, file.c_str(), passphrase->c_str());
      });
      wipe(*passphrase);  // this copy; Credentials keeps (and wipes) the one for the run
      if (rc == 0) {
        co_return;
      }
      // libssh2 says "Unable to open public key file" or blames the passphrase when it could
      // not open the file at all: out of descriptors is said as such.
      if (Fd probe(::open(file.c_str(), O_RDONLY | O_CLOEXEC)); probe) {
        // readable: libssh2's own message stands
      } else if (errno == EMFILE || errno == ENFILE) {
        throw SshError(FailureKind::auth,
                       fmt::format("cannot read the identity file {}: {} (raise ulimit -n, or "
                                   "lower --parallel)",
                                   file, std::strerror(errno)));
      }
      if (info && info->type == IdentityInfo::Type::rsa) {
        rsa_refused = true;
      }
      tried.push_back(file + " (" + describe_key_failure(rc, info, last_error()) + ")");
    }
  }

  if (config_.password && offers(methods, "password")) {
    const std::string& password = *config_.password;
    int rc = co_await call_until_done(session_, *transport_, [&] {
      return libssh2_userauth_password_ex(session_, user.c_str(),
                                          static_cast<unsigned int>(user.size()), password.c_str(),
                                          static_cast<unsigned int>(password.size()), nullptr);
    });
    if (rc == 0) {
      co_return;
    }
    tried.push_back("password (refused)");
  } else if (config_.password && offers(methods, "keyboard-interactive")) {
    abstract_.password = &*config_.password;
    int rc = co_await call_until_done(session_, *transport_, [&] {
      return libssh2_userauth_keyboard_interactive_ex(
          session_, user.c_str(), static_cast<unsigned int>(user.size()), &answer_with_password);
    });
    abstract_.password = nullptr;
    if (rc == 0) {
      co_return;
    }
    tried.push_back("password via keyboard-interactive (refused)");
  } else if (config_.password) {
    tried.push_back("password (the server does not accept passwords)");
  }

  std::string attempts = join(tried, ", ");
  if (attempts.empty()) {
    attempts = "nothing: no identity file found";
    if (!config_.identity_files.empty()) {
      attempts += " (looked for " + config_.identity_files.front() +
                  (config_.identity_files.size() > 1 ? " and others" : "") + ")";
    }
    attempts += " and no password configured";
  }
  std::string message =
      fmt::format("authentication failed for {}@{}: tried {}; the server accepts {}", user, where(),
                  attempts, methods);
  if (rsa_refused) {
    message +=
        ". RSA keys do not work with this server: libssh2 1.10 signs only with ssh-rsa (SHA-1), "
        "which OpenSSH 8.8 and later refuse; use an ed25519 key (ssh-keygen -t ed25519) and add "
        "its .pub to the node's authorized_keys";
  }
  throw SshError(FailureKind::auth, message);
}

}  // namespace brigade::ssh
