#include "support/fleet_kitchen.hpp"

#include "support/process.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace brigade::test {

void make_fleet_kitchen(const TempDir& kitchen, const Sshd& sshd, int nodes,
                        const std::string& command) {
  kitchen.write("littlechef.cfg", fmt::format("[userinfo]\nssh-config = {}\n[kitchen]\n"
                                              "node_work_path = {}/work/{{node}}\n[deploy]\n"
                                              "command = {}\n",
                                              sshd.ssh_config_file(), sshd.dir().str(), command));
  kitchen.write("cookbooks/demo/recipes/default.rb", "log 'hello'\n");
  kitchen.write("environments/production.json", "{}");
  for (int i = 1; i <= nodes; ++i) {
    kitchen.write(fmt::format("nodes/n{:02}.fleet.test.json", i),
                  "{\"chef_environment\": \"production\", \"run_list\": [\"recipe[demo]\"]}");
  }
}

void make_chef_solo_kitchen(const TempDir& kitchen, const Sshd& sshd) {
  make_fleet_kitchen(kitchen, sshd, 1, "unused");
  kitchen.write("littlechef.cfg",
                fmt::format("[userinfo]\nssh-config = {}\n[kitchen]\nnode_work_path = {}/work/"
                            "{{node}}\n",
                            sshd.ssh_config_file(), sshd.dir().str()));
}

void install_chef_solo(const Sshd& sshd, const std::string& output, int status) {
  const std::string path = sshd.private_dir("/usr/local/bin") + "/chef-solo";
  {
    std::ofstream script(path);
    script << "#!/bin/sh\necho \"$@\" > " << sshd.dir().str() << "/chef-solo-args\n"
           << "cat <<'EOF'\n"
           << output << "\nEOF\nexit " << status << "\n";
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

nlohmann::json latest_report(const TempDir& kitchen) {
  return nlohmann::json::parse(run_shell_ok("cat " + kitchen.str() + "/logs/latest/report.json"));
}

std::string write_script(const TempDir& dir, const std::string& relative, const std::string& body) {
  auto path = dir.write(relative, "#!/bin/sh\n" + body);
  std::filesystem::permissions(path, std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  return path.string();
}

}  // namespace brigade::test
