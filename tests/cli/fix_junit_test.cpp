// fix --junit: the report as JUnit XML, checked against a schema of what Jenkins and GitLab
// read (xmllint), with hostile node output in it.

#include "support/cli_run.hpp"
#include "support/fleet_kitchen.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <catch2/catch.hpp>

using brigade::test::run_brigade;
using brigade::test::run_shell;
using brigade::test::Sshd;
using brigade::test::TempDir;

TEST_CASE("fix --junit: a testcase per node, failures with their reason, valid JUnit XML",
          "[sshd][deploy][junit]") {
  BRIGADE_REQUIRE_SSHD();
  if (run_shell("command -v xmllint >/dev/null").status != 0) {
    BRIGADE_SKIP("needs xmllint (libxml2-utils)");
  }
  Sshd sshd;
  TempDir kitchen;
  // n01 fails, printing what XML cannot hold raw: markup, control bytes, bytes not UTF-8.
  brigade::test::make_fleet_kitchen(
      kitchen, sshd, 3,
      "if [ {node} = n01.fleet.test ]; then printf 'bad <&> \"q\" \\001\\033[31m \\377 end\\n'; "
      "exit 3; fi; echo fine");
  // A global pre hook and a node post hook: testcases of their own.
  brigade::test::write_script(kitchen, "hooks/announce", "exit 0\n");
  kitchen.write("hooks/announce.json",
                R"({"name": "announce", "type": "global_predeployhook", "exec": ["announce"]})");
  kitchen.write("hooks/restore.json",
                R"({"name": "restore", "type": "postdeployhook", "exec": ["announce"],
                    "filters": {"nodes": ["n03*"]}})");
  const std::string junit = kitchen.str() + "/junit.xml";
  auto run = run_brigade({"fix", "-k", kitchen.str(), "node:all", "-y", "--junit", junit,
                          "--batch-size", "1,2", "--max-fail", "none"});
  CHECK(run.status == 1);
  const std::string schema = std::string(BRIGADE_FIXTURES) + "/junit.xsd";
  auto valid = run_shell("xmllint --noout --schema " + schema + " " + junit + " 2>&1");
  INFO(valid.output);
  CHECK(valid.status == 0);
  auto xpath = [&](const std::string& expression) {
    std::string value =
        run_shell("xmllint --xpath '" + expression + "' " + junit + " 2>/dev/null").output;
    if (!value.empty() && value.back() == '\n') {
      value.pop_back();  // xmllint ends its answer with a newline of its own
    }
    return value;
  };
  CHECK(xpath("string(/testsuites/@tests)") == "5");
  CHECK(xpath("string(/testsuites/@failures)") == "1");
  CHECK(xpath("count(/testsuites/testsuite)") == "3");
  CHECK(xpath("string(/testsuites/testsuite[1]/@name)") == "hooks");
  CHECK(xpath("string(/testsuites/testsuite[1]/testcase/@classname)") == "hooks");
  CHECK(xpath("count(/testsuites/testsuite[1]/testcase/failure)") == "0");
  CHECK(xpath("string(/testsuites/testsuite[2]/@name)") == "batch 1");
  CHECK(xpath("count(//testcase[starts-with(@name, \"n03.fleet.test: \")])") == "1");
  CHECK(xpath("string(//testcase[@name=\"n01.fleet.test\"]/@classname)") == "batch 1");
  CHECK(xpath("string(//testcase[@name=\"n01.fleet.test\"]/failure/@message)") ==
        "the converge command exited with 3");
  CHECK(xpath("string(//testcase[@name=\"n01.fleet.test\"]/system-out)")
            .starts_with("bad <&> \"q\" "));
  CHECK(xpath("count(//testcase[@name=\"n02.fleet.test\"]/failure)") == "0");
  CHECK(xpath("string(//testcase[@name=\"n03.fleet.test\"]/system-out)") == "fine\n");
}
