// `brigade ssh-config NODE`: a node's settings as ssh -G prints them (the parity with ssh -G
// itself is tests/ssh/ssh_config_parity_test.cpp).
#include "support/cli_run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

TEST_CASE("brigade ssh-config prints a node's resolved settings", "[exec][cli]") {
  brigade::test::TempDir kitchen;
  kitchen.write("ssh_config",
                "Host web*\n  HostName 10.1.2.3\n  Port 2222\n  ConnectTimeout 4\n"
                "  IdentityFile ~/.ssh/web_%r\n");
  kitchen.write("littlechef.cfg",
                "[userinfo]\nuser = deploy\npassword = hunter2\nssh-config = ssh_config\n");
  kitchen.write("nodes/web1.json", "{}");
  auto run = brigade::test::run_brigade({"ssh-config", "-k", kitchen.str(), "web1"});
  CHECK(run.status == 0);
  CHECK(run.out.find("host web1\nuser deploy\nhostname 10.1.2.3\nport 2222\n") == 0);
  CHECK(run.out.find("identityfile ~/.ssh/web_%r\n") != std::string::npos);
  CHECK(run.out.find("/.ssh/web_deploy\n") != std::string::npos);
  CHECK(run.out.find("connecttimeout 4\n") != std::string::npos);
  CHECK(run.out.find("hunter2") == std::string::npos);
  auto typo = brigade::test::run_brigade({"ssh-config", "-k", kitchen.str(), "webl"});
  CHECK(typo.status == 0);
  CHECK(typo.err.find(
            "brigade: warning: 'webl' is not a node of this kitchen, did you mean 'web1'?") !=
        std::string::npos);
}
