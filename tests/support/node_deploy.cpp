#include "support/node_deploy.hpp"

#include "support/async.hpp"

#include <brigade/ssh/credentials.hpp>
#include <brigade/ssh/host_key_store.hpp>
#include <brigade/ssh/libssh2_library.hpp>

namespace brigade::test {

ConvergeResult deploy_over_ssh(const Sshd& sshd, const std::string& work,
                               const KitchenArchive& kitchen, const std::vector<ArchiveFile>& files,
                               const std::string& converge, DeployExtras extras, NodeOutput& log) {
  static ssh::Libssh2Library library;
  ssh::HostKeyStore host_keys;
  ssh::Credentials credentials;
  return run_async(
      [&]() -> asio::awaitable<ConvergeResult> {
        auto session = co_await ssh::Session::connect(
            host_config(sshd), ssh::SessionContext{&host_keys, &credentials});
        auto result = co_await sync_and_converge(*session, work, kitchen, files, converge, log,
                                                 std::move(extras));
        co_await session->close();
        co_return result;
      }(),
      std::chrono::seconds(120));
}

}  // namespace brigade::test
