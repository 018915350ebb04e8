#include "support/jump_lab.hpp"

#include <fmt/format.h>

#include <fstream>

namespace brigade::test {

namespace {

constexpr const char* kBastion2Name = "bastion2.behind.test";

std::string host_block(const std::string& pattern, const std::string& host_name, std::uint16_t port,
                       const Sshd& sshd, const std::string& known_hosts, const std::string& route) {
  std::string block = fmt::format(
      "Host {}\n  HostName {}\n  Port {}\n  User root\n  IdentityFile {}\n  IdentitiesOnly yes\n"
      "  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n",
      pattern, host_name, port, sshd.client_key(), known_hosts);
  if (!route.empty()) {
    block += "  " + route + "\n";
  }
  return block;
}

}  // namespace

JumpLab::JumpLab() : JumpLab(Options{}) {}

JumpLab::JumpLab(Options options) {
  Sshd::Options target;
  target.max_sessions = 10;
  target.extra_config = options.target_extra_config;
  target_ = std::make_unique<Sshd>(target);
  const std::string stock = "MaxStartups 10:30:100\nAllowTcpForwarding yes\n";
  std::string first_hosts = fmt::format("127.0.0.1 localhost\n127.0.0.1 {}\n", kTargetName);
  if (options.two_hops) {
    Sshd::Options second;
    second.extra_config = stock;
    second.hosts_file = first_hosts;
    bastion2_ = std::make_unique<Sshd>(second);
    first_hosts = fmt::format("127.0.0.1 localhost\n127.0.0.1 {}\n", kBastion2Name);
  }
  Sshd::Options first;
  first.extra_config = options.bastion_extra_config + stock;
  first.hosts_file = first_hosts;
  bastion_ = std::make_unique<Sshd>(first);

  std::ofstream known(known_hosts());
  known << "[127.0.0.1]:" << bastion_->port() << " " << bastion_->host_public_key() << "\n";
  known << "[" << kTargetName << "]:" << target_->port() << " " << target_->host_public_key()
        << "\n";
  if (bastion2_) {
    known << "[" << kBastion2Name << "]:" << bastion2_->port() << " "
          << bastion2_->host_public_key() << "\n";
  }
}

std::string JumpLab::ssh_config(const std::string& route) const {
  std::string config =
      host_block("bastion", "127.0.0.1", bastion_->port(), *bastion_, known_hosts(), "");
  if (bastion2_) {
    config += host_block("bastion2", kBastion2Name, bastion2_->port(), *bastion2_, known_hosts(),
                         "ProxyJump bastion");
  }
  config +=
      host_block("*.behind.test", kTargetName, target_->port(), *target_, known_hosts(), route);
  return config;
}

std::string JumpLab::write_ssh_config(const std::string& route) const {
  const std::string path = dir_.str() + "/ssh_config";
  std::ofstream(path) << ssh_config(route);
  return path;
}

void JumpLab::make_kitchen(const TempDir& kitchen, const std::string& ssh_config, int nodes,
                           const std::string& command, const std::string& extra_cfg) const {
  kitchen.write("littlechef.cfg",
                fmt::format("[userinfo]\nssh-config = {}\n[kitchen]\nnode_work_path = "
                            "{}/work/{{node}}\n[deploy]\ncommand = {}\n{}",
                            ssh_config, target_->dir().str(), command, extra_cfg));
  kitchen.write("cookbooks/demo/recipes/default.rb", "log 'hello'\n");
  kitchen.write("environments/production.json", "{}");
  for (int i = 1; i <= nodes; ++i) {
    kitchen.write(fmt::format("nodes/n{:02}.behind.test.json", i),
                  "{\"chef_environment\": \"production\", \"run_list\": [\"recipe[demo]\"]}");
  }
}

}  // namespace brigade::test
