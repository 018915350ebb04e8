// The node's side of a deploy against the node's other users: a work path they prepared, links
// they planted, what they can read of a deploy, and a second controller deploying at once.
#include "support/node_deploy.hpp"
#include "support/process.hpp"
#include "support/sshd.hpp"

#include <brigade/kitchen/kitchen.hpp>
#include <brigade/run/node_script.hpp>
#include <brigade/run/node_sync.hpp>
#include <brigade/ssh/ssh_error.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

using namespace brigade;
using brigade::test::deploy_over_ssh;
using brigade::test::file_text;
using brigade::test::run_shell;
using brigade::test::run_shell_ok;
using brigade::test::Sshd;
using brigade::test::TempDir;
using brigade::test::wait_for_file;

namespace {

// Keeps the notes (the deploy's own lines), for a test that waits for one.
struct NoteLog : brigade::NodeOutput {
  void on_line(brigade::OutputStream, std::string_view) override {}
  void note(const std::string& text) override {
    std::lock_guard lock(mutex);
    notes += text + "\n";
  }
  std::string all() {
    std::lock_guard lock(mutex);
    return notes;
  }
  std::mutex mutex;
  std::string notes;
};

ConvergeResult deploy(const Sshd& sshd, const std::string& work, const KitchenArchive& kitchen,
                      const std::string& converge = "true", DeployExtras extras = {}) {
  NoteLog log;
  return deploy_over_ssh(sshd, work, kitchen, {{"node.json", "{}\n"}, {"solo.rb", "# solo\n"}},
                         converge, std::move(extras), log);
}

KitchenArchive small_kitchen(const TempDir& dir) {
  dir.write("cookbooks/a/recipes/default.rb", "package 'a'\n");
  dir.write("roles/web.json", "{}\n");
  auto archive = build_kitchen_archive(dir.path(), {"cookbooks", "roles"});
  REQUIRE(archive.ok());
  return *archive;
}

// The kind and message a deploy failed with.
std::pair<FailureKind, std::string> failure_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const NodeError& e) {
    return {e.kind(), e.what()};
  }
  FAIL("expected the deploy to be refused");
  return {};
}

// A script as a deploy of `kitchen` to `work` as root sends it, converging with `echo converged`.
NodeScript local_script(const std::string& work, const KitchenArchive& kitchen) {
  NodeScript script;
  script.work_path = work;
  script.ssh_user = "root";
  script.synced_names = kitchen.synced_names;
  script.kitchen = &kitchen;
  script.holder = "test";
  script.converge = "echo converged";
  return script;
}

}  // namespace

TEST_CASE("node safety: a work path another user prepared is refused, nothing of it runs",
          "[sshd][sync][safety]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir source;
  const KitchenArchive kitchen = small_kitchen(source);
  const std::string ran = sshd.path("converge-ran");
  const std::string victim = sshd.path("victim");
  run_shell_ok("echo root-owned > '" + victim + "'");

  // A local user made the work path before the first deploy: their own cookbooks under the
  // layout Brigade uses, the digest of the real kitchen (it is public), and node.json a link
  // to a file of root's.
  const std::string planted = sshd.path("planted");
  run_shell_ok("mkdir -p '" + planted + "/.brigade/k.x/cookbooks/a/recipes' && cd '" + planted +
               "' && echo evil > .brigade/k.x/cookbooks/a/recipes/default.rb && echo " +
               kitchen.digest +
               " > .brigade/k.x/.brigade-digest && ln -s k.x .brigade/current && "
               "ln -s .brigade/current/cookbooks cookbooks && ln -s '" +
               victim + "' node.json && chown -R -h 65534:65534 '" + planted + "'");
  auto [kind, message] = failure_of([&] { deploy(sshd, planted, kitchen, "touch '" + ran + "'"); });
  INFO(message);
  CHECK(kind == FailureKind::unsafe);
  CHECK(message.find("refused to deploy into " + planted + ": " + planted + " must be") == 0);
  CHECK_FALSE(std::filesystem::exists(ran));
  CHECK(file_text(victim) == "root-owned\n");
  CHECK(file_text(planted + "/cookbooks/a/recipes/default.rb") == "evil\n");

  // Root's, but writable by others; a link in place of the work path; a link, or a directory
  // others may write to, on the way to it.
  const std::string open_to_all = sshd.path("open");
  run_shell_ok("mkdir -m 0777 '" + open_to_all + "'");
  const std::string real = sshd.path("real");
  run_shell_ok("mkdir -m 0700 '" + real + "' && ln -s real '" + sshd.path("linked") + "'");
  run_shell_ok("mkdir -m 0775 '" + sshd.path("group") + "'");
  for (const auto& [work, offender] : std::vector<std::pair<std::string, std::string>>{
           {open_to_all, open_to_all},
           {sshd.path("linked"), sshd.path("linked")},
           {sshd.path("linked") + "/w", sshd.path("linked")},
           {sshd.path("group") + "/w", sshd.path("group")}}) {
    INFO(work);
    auto [k, m] = failure_of([&] { deploy(sshd, work, kitchen, "touch '" + ran + "'"); });
    INFO(m);
    CHECK(k == FailureKind::unsafe);
    CHECK(m.find(": " + offender + " must be a directory") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(ran));
  }
  CHECK_FALSE(std::filesystem::exists(real + "/.brigade"));

  // A sticky directory that all may write to is fine above the work path (as /tmp is), and
  // what the deploy makes below it is its own, 0700.
  run_shell_ok("mkdir -m 1777 '" + sshd.path("sticky") + "'");
  const std::string under_sticky = sshd.path("sticky") + "/a/w";
  CHECK(deploy(sshd, under_sticky, kitchen, "touch '" + ran + "'").transferred);
  CHECK(std::filesystem::exists(ran));
  CHECK(run_shell_ok("stat -c '%a %u' '" + sshd.path("sticky") + "/a' '" + under_sticky + "'") ==
        "700 0\n700 0\n");
}

TEST_CASE("node safety: node files replace what is in the work path, never written through it",
          "[sshd][sync][safety]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir source;
  const KitchenArchive kitchen = small_kitchen(source);
  const std::string work = sshd.path("work");
  CHECK(deploy(sshd, work, kitchen).transferred);
  const std::string victim = sshd.path("victim");
  run_shell_ok("echo root-owned > '" + victim + "' && mkdir '" + sshd.path("victim-dir") + "'");
  run_shell_ok("cd '" + work + "' && rm node.json solo.rb && ln -s '" + victim +
               "' node.json && ln -s '" + sshd.path("victim-dir") + "' solo.rb");
  CHECK_FALSE(deploy(sshd, work, kitchen).transferred);
  CHECK(file_text(victim) == "root-owned\n");
  CHECK(std::filesystem::is_empty(sshd.path("victim-dir")));
  CHECK(run_shell_ok("cd '" + work + "' && stat -c '%F %a' node.json solo.rb") ==
        "regular file 600\nregular file 600\n");
  CHECK(file_text(work + "/node.json") == "{}\n");
}

TEST_CASE("node safety: node data is in no process's arguments or environment on the node",
          "[sshd][sync][safety]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir source;
  const KitchenArchive kitchen = small_kitchen(source);
  const std::string secret_attribute = "db-password-5f2a9c81e7";
  const std::string seen = sshd.path("seen");
  // While the converge runs, every process's arguments and its own environment.
  const std::string converge =
      "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\"; echo; done > '" + seen +
      "' 2>/dev/null; env >> '" + seen + "'";
  NoteLog log;
  deploy_over_ssh(
      sshd, sshd.path("work"), kitchen,
      {{"node.json", "{\"password\": \"" + secret_attribute + "\"}\n"}, {"solo.rb", "# s\n"}},
      converge, {}, log);
  const std::string text = file_text(seen);
  CHECK(text.find("/proc/[0-9]*/cmdline") != std::string::npos);  // the converge saw itself
  CHECK(text.find(secret_attribute) == std::string::npos);
  CHECK(text.find(kitchen.digest) == std::string::npos);
  CHECK(file_text(sshd.path("work") + "/node.json").find(secret_attribute) != std::string::npos);
}

TEST_CASE(
    "node safety: a deploy over a directory that was not Brigade's touches only the synced "
    "names and its own files",
    "[sshd][sync][safety]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir source;
  const KitchenArchive kitchen = small_kitchen(source);
  // A home directory, and a work path an earlier layout left: real synced directories and a
  // digest file at the top.
  const std::string home = sshd.path("home-dir");
  run_shell_ok("mkdir -p '" + home + "/.ssh' '" + home + "/cookbooks/old' && echo key > '" + home +
               "/.ssh/authorized_keys' && echo 1 > '" + home + "/.brigade-digest' && chmod 0755 '" +
               home + "'");
  CHECK(deploy(sshd, home, kitchen).transferred);
  CHECK(file_text(home + "/.ssh/authorized_keys") == "key\n");
  CHECK(std::filesystem::is_symlink(home + "/cookbooks"));
  CHECK(std::filesystem::is_symlink(home + "/roles"));
  CHECK_FALSE(std::filesystem::exists(home + "/cookbooks/old"));
  CHECK(file_text(home + "/cookbooks/a/recipes/default.rb") == "package 'a'\n");
  CHECK_FALSE(std::filesystem::exists(home + "/.brigade-digest"));
}

TEST_CASE("node lock: a second deploy finds the node busy and names the first, --lock-wait waits",
          "[sshd][sync][lock]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir source;
  const KitchenArchive kitchen = small_kitchen(source);
  const std::string work = sshd.path("work");
  const std::string started = sshd.path("started");
  const std::string release = sshd.path("release");
  const std::string hold = "touch '" + started + "'; i=0; while [ ! -e '" + release +
                           "' ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done";
  DeployExtras first_extras;
  first_extras.holder = "ops@ctl-a, run 20261207T100000Z, since 2026-12-07 10:00:00 UTC";
  auto first = std::async(std::launch::async, [&] {
    NoteLog log;
    return deploy_over_ssh(sshd, work, kitchen, {{"node.json", "{}\n"}}, hold, first_extras, log);
  });
  REQUIRE(wait_for_file(started));

  DeployExtras second_extras;
  second_extras.holder = "ci@runner-7, run 2";
  auto [kind, message] = failure_of([&] { deploy(sshd, work, kitchen, "true", second_extras); });
  CHECK(kind == FailureKind::busy);
  CHECK(message == "another deploy holds the node's lock on " + work + ": " + first_extras.holder +
                       " (--lock-wait S waits for it)");

  // Waiting: the third deploy says whom it waits for, and goes on once the first is done.
  DeployExtras third_extras;
  third_extras.holder = "ci@runner-8, run 3";
  third_extras.lock_wait = 120;
  NoteLog third_log;
  auto third = std::async(std::launch::async, [&] {
    return deploy_over_ssh(sshd, work, kitchen, {{"node.json", "{}\n"}}, "true", third_extras,
                           third_log);
  });
  for (int waited = 0; waited < 60000 && third_log.all().find("waiting") == std::string::npos;
       waited += 20) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(third_log.all() ==
        "the node is locked by another deploy (" + first_extras.holder + "); waiting for it\n");
  run_shell_ok("touch '" + release + "'");
  CHECK(first.get().ended.exit_status == 0);
  CHECK(third.get().ended.exit_status == 0);
  CHECK(file_text(work + "/.brigade/holder") == third_extras.holder + "\n");
}

TEST_CASE("node lock: a converge that leaves a daemon behind does not keep the node locked",
          "[sshd][sync][lock]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir source;
  const KitchenArchive kitchen = small_kitchen(source);
  const std::string work = sshd.path("work");
  const std::string pid_file = sshd.path("daemon.pid");
  // A service started by the converge, detached from its output, as init scripts do.
  deploy(sshd, work, kitchen,
         "( setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > '" + pid_file + "' )");
  REQUIRE(wait_for_file(pid_file));
  CHECK(deploy(sshd, work, kitchen).ended.exit_status == 0);
  run_shell("kill $(cat '" + pid_file + "')");
}

TEST_CASE(
    "node script: the same under dash, bash and BusyBox (its sh, find, mv, head, tar, gzip, cp)",
    "[sync][shells]") {
  TempDir dir;
  TempDir source;
  const KitchenArchive kitchen = small_kitchen(source);
  source.write("cookbooks/a/recipes/default.rb", "package 'a'\nchanged\n");
  source.write("cookbooks/b/new.rb", "new\n");
  std::filesystem::remove(source.path() / "roles/web.json");
  auto built = build_kitchen_archive(source.path(), {"cookbooks", "roles"});
  REQUIRE(built.ok());
  const KitchenArchive changed = *built;
  // What the controller answers a node that offers the first kitchen as the base of a change.
  std::string answers;
  TreeWalk walk(*changed.tree, kitchen.digest);
  while (!walk.wanted().empty()) {
    std::map<std::string, std::string> objects;
    answers += "objects";
    for (const auto& hash : walk.wanted()) {
      answers += " " + hash;
      objects[hash] = *kitchen.tree->object(hash);
    }
    answers += "\n";
    REQUIRE(walk.receive(objects).ok());
  }
  auto delta = walk.delta();
  REQUIRE(delta.ok());
  answers += delta_apply_input(*delta) + *delta->gzip;
  std::vector<std::pair<std::string, std::string>> shells = {{"dash", ""}, {"bash", ""}};
  if (run_shell("command -v busybox").status == 0) {
    // BusyBox's own tools first on PATH; flock stays util-linux's (Debian's BusyBox has none).
    std::filesystem::create_directories(dir.path() / "busybox");
    run_shell_ok("cd '" + dir.str() +
                 "/busybox' && for t in sh find mv head tar gzip ln mkdir rm tr cat cp; do "
                 "ln -s \"$(command -v busybox)\" $t; done");
    shells.emplace_back("busybox sh", "PATH=" + dir.str() + "/busybox:$PATH ");
  } else {
    WARN("busybox is not installed: only dash and bash are tried");
  }
  for (const auto& [shell, environment] : shells) {
    INFO(shell);
    const std::string work = dir.str() + "/work-" + shell.substr(0, shell.find(' '));
    NodeMarkers markers = NodeMarkers::fresh();
    NodeScript script = local_script(work, kitchen);
    script.node_files = {{"node.json", "{\"it's\": \"$(x)\"}\n"}, {"solo.rb", "# solo\n"}};
    // The kitchen follows the script on stdin, as Brigade sends it to a node with none.
    dir.write("input", node_script_input(script, markers) + full_apply_input(kitchen.gzip->size()) +
                           *kitchen.gzip);
    dir.write("boot", kNodeBootstrap);
    const auto run = [&] {
      return run_shell(environment + shell + " -c \"$(cat '" + dir.str() + "/boot')\" < '" +
                       dir.str() + "/input' 2>&1");
    };
    auto first = run();
    INFO(first.output);
    CHECK(first.status == 0);
    CHECK(first.output == "brigade-node: ready\n" + markers.running() + "\n" + markers.base() +
                              "none\n" + markers.kitchen_unpacked() + "\nconverged\n");
    CHECK(file_text(work + "/cookbooks/a/recipes/default.rb") == "package 'a'\n");
    CHECK(file_text(work + "/node.json") == "{\"it's\": \"$(x)\"}\n");
    // Unchanged: not asked for; what followed on stdin is the converge's to ignore.
    markers = NodeMarkers::fresh();
    dir.write("input", node_script_input(script, markers));
    auto second = run();
    CHECK(second.output == "brigade-node: ready\n" + markers.running() + "\nconverged\n");
    // Changed, and the controller gone after its first question: nothing changed on the node.
    markers = NodeMarkers::fresh();
    script.kitchen = &changed;
    dir.write("input",
              node_script_input(script, markers) + answers.substr(0, answers.find('\n') + 1));
    auto cut = run();
    CHECK(cut.status == 2);
    CHECK(cut.output.find(markers.object() + kitchen.digest.substr(0, 32)) != std::string::npos);
    CHECK(file_text(work + "/.brigade/current/.brigade-digest") == kitchen.digest + "\n");
    CHECK(file_text(work + "/roles/web.json") == "{}\n");
    // Changed: the node offers its current kitchen as the base, sends the listings asked for
    // (the answers are known in advance here), applies the change to its standby (a linked
    // copy of its first kitchen), switches, then applies it to the kitchen that was current.
    markers = NodeMarkers::fresh();
    script.kitchen = &changed;
    dir.write("input", node_script_input(script, markers) + answers);
    auto third = run();
    INFO(third.output);
    CHECK(third.status == 0);
    CHECK(third.output.find(markers.base() + kitchen.digest + "\n" + markers.object() +
                            kitchen.digest.substr(0, 32) + "\n") != std::string::npos);
    CHECK(third.output.ends_with(markers.kitchen_unpacked() + "\nconverged\n"));
    CHECK(file_text(work + "/cookbooks/a/recipes/default.rb") == "package 'a'\nchanged\n");
    CHECK_FALSE(std::filesystem::exists(work + "/roles/web.json"));
    CHECK(file_text(work + "/cookbooks/b/new.rb") == "new\n");
    CHECK(file_text(work + "/.brigade/current/.brigade-digest") == changed.digest + "\n");
  }
}

TEST_CASE("node lock: concurrent deploys of two kitchens to one fresh node never mix them",
          "[sshd][sync][lock]") {
  BRIGADE_REQUIRE_SSHD();
  Sshd sshd;
  TempDir source_a;
  TempDir source_b;
  const KitchenArchive a = small_kitchen(source_a);
  source_b.write("cookbooks/b/recipes/default.rb", "package 'b'\n");
  for (int i = 0; i < 200; ++i) {
    source_b.write("cookbooks/b/templates/t" + std::to_string(i) + ".erb", std::to_string(i));
  }
  auto built_b = build_kitchen_archive(source_b.path(), {"cookbooks", "roles"});
  REQUIRE(built_b.ok());
  const KitchenArchive b = *built_b;
  auto sums = [](const std::string& dir) {
    return run_shell_ok("cd '" + dir +
                        "' && find -L cookbooks roles -type f 2>/dev/null | sort | " +
                        "xargs -r sha256sum");
  };
  for (int round = 0; round < 3; ++round) {
    const std::string work = sshd.path("fresh" + std::to_string(round) + "/work");
    std::vector<std::future<ConvergeResult>> deploys;
    for (int i = 0; i < 6; ++i) {
      deploys.push_back(std::async(std::launch::async, [&, i] {
        DeployExtras extras;
        extras.holder = "deploy " + std::to_string(i);
        extras.lock_wait = 120;
        NoteLog log;
        return deploy_over_ssh(sshd, work, i % 2 == 0 ? a : b, {{"node.json", "{}\n"}}, "true",
                               extras, log);
      }));
    }
    for (auto& done : deploys) {
      CHECK(done.get().ended.exit_status == 0);  // none refused, none failed
    }
    const std::string digest = file_text(work + "/.brigade/current/.brigade-digest");
    REQUIRE((digest == a.digest + "\n" || digest == b.digest + "\n"));
    CHECK(sums(work) == sums(digest == a.digest + "\n" ? source_a.str() : source_b.str()));
  }
}

TEST_CASE("node script: a node without flock or find is refused naming the program",
          "[sync][shells]") {
  TempDir dir;
  TempDir source;
  const KitchenArchive kitchen = small_kitchen(source);
  for (const std::string missing : {"flock", "find"}) {
    INFO(missing);
    // A PATH of this machine's programs, but the one missing.
    const std::string bin = dir.str() + "/bin-" + missing;
    std::filesystem::create_directories(bin);
    for (const char* tool : {"sh", "head", "find", "flock", "mkdir", "mv", "tr", "ln", "rm"}) {
      if (tool != missing) {
        run_shell_ok("ln -s \"$(command -v " + std::string(tool) + ")\" '" + bin + "/" + tool +
                     "'");
      }
    }
    NodeMarkers markers = NodeMarkers::fresh();
    const NodeScript script = local_script(dir.str() + "/work-" + missing, kitchen);
    dir.write("input", node_script_input(script, markers));
    dir.write("boot", kNodeBootstrap);
    auto run = run_shell("PATH='" + bin + "' " + bin + "/sh -c \"$(cat '" + dir.str() +
                         "/boot')\" < '" + dir.str() + "/input' 2>&1");
    CHECK(run.output == "brigade-node: ready\n" + markers.running() + "\n" + markers.refuse() +
                            "missing " + missing + "\n");
    CHECK(run.status == 1);
    CHECK_FALSE(std::filesystem::exists(script.work_path));
  }
}
