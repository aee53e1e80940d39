#include "iorec/runner/process.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "iorec/core/error.hpp"
#include "test_util.hpp"

namespace iorec::runner {
namespace {

using testing::BootId;
using testing::Group;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing::Slurp;
using testing::TempDir;
using testing::WaitForExit;
using testing::WaitForFile;

ProcessResult Sh(const std::string& script) { return testing::RunShellScript(script); }

TEST(RunProcessTest, ReportsTheCommandsExitCodeOrSignal) {
  EXPECT_EQ(Sh("exit 3").exit_code, 3);
  EXPECT_TRUE(Sh("true").Succeeded());
  for (int sig : {SIGKILL, SIGTERM, SIGSEGV, SIGHUP}) {
    const auto r = Sh("kill -" + std::to_string(sig) + " $$");
    EXPECT_TRUE(r.started);
    EXPECT_EQ(r.term_signal, sig) << r.Describe();
  }
  const auto out = Sh("echo out; echo err >&2");
  EXPECT_EQ(out.out, "out\n");
  EXPECT_EQ(out.err, "err\n");
}

TEST(RunProcessTest, StartErrorsNameWhatFailed) {
  TempDir dir;
  ProcessSpec spec;
  spec.argv = {"iorec-no-such-program"};
  EXPECT_EQ(RunProcess(spec).start_error,
            "cannot run 'iorec-no-such-program': No such file or directory");
  spec.argv = {"/bin/sh", "-c", "true"};
  spec.cwd = dir.path() / "missing";
  const auto no_dir = RunProcess(spec);
  EXPECT_FALSE(no_dir.started);
  EXPECT_EQ(no_dir.start_error,
            "cannot run '/bin/sh' in " + spec.cwd.string() + ": No such file or directory");
  spec.cwd.clear();
  spec.stdout_file = dir.path() / "missing" / "out.txt";
  EXPECT_EQ(RunProcess(spec).start_error,
            "cannot write " + spec.stdout_file.string() + ": No such file or directory");
}

TEST(RunProcessTest, TheCommandHoldsNoDescriptorButItsStandardOnes) {
  // iorec's own descriptors (other trials' pipes, the database) must not leak into trials.
  TempDir dir;
  const int leak = ::open(dir.path().c_str(), O_RDONLY);  // without O_CLOEXEC on purpose
  ASSERT_GE(leak, 0);
  // ls lists its own descriptors: stdin/stdout/stderr and the directory it reads, which
  // gets the lowest free number (3) only if nothing else is open.
  ProcessSpec spec;
  spec.argv = {"ls", "-1", "/proc/self/fd"};
  const auto r = RunProcess(spec);
  ::close(leak);
  ASSERT_TRUE(r.Succeeded()) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n3\n");
}

TEST(RunProcessTest, TheCommandRunsInAGroupOfItsOwn) {
  const auto r = Sh("echo $$ $(cut -d' ' -f5 /proc/$$/stat)");
  ASSERT_TRUE(r.Succeeded()) << r.err;
  std::istringstream in(r.out);
  long pid = 0, pgid = 0;
  in >> pid >> pgid;
  EXPECT_EQ(pid, pgid);
  EXPECT_NE(pgid, static_cast<long>(::getpgrp()));
}

TEST(KillLeftoverGroupTest, KillsTheGroupADeadRunLeftBehind) {
  TempDir dir;
  Group g(dir.path(), "sleep 300 & echo $! > bg; exec sleep 300");
  const auto file = dir.path() / "process_group";
  g.WriteFile(file, g.start, BootId());
  EXPECT_THAT(KillLeftoverGroup(file),
              MatchesRegex("killed process group [0-9]+, left running in .* by an earlier run "
                           "that died"));
  EXPECT_TRUE(WaitForExit(g.leader));
  EXPECT_TRUE(WaitForExit(g.member));
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST(KillLeftoverGroupTest, KillsWhatIsLeftOfAGroupWhoseLeaderIsGone) {
  TempDir dir;
  Group g(dir.path(), "sleep 300 & echo $! > bg; while [ ! -e go ]; do sleep 0.01; done");
  const auto file = dir.path() / "process_group";
  g.WriteFile(file, g.start, BootId());
  std::ofstream(dir.path() / "go") << "";
  g.Reap();  // the leader is gone for good
  EXPECT_THAT(KillLeftoverGroup(file), HasSubstr("killed process group"));
  EXPECT_TRUE(WaitForExit(g.member));
}

TEST(KillLeftoverGroupTest, LeavesProcessesThatOnlyShareTheNumber) {
  TempDir dir;
  Group g(dir.path(), "sleep 300 & echo $! > bg; exec sleep 300");
  const auto file = dir.path() / "process_group";
  g.WriteFile(file, g.start + "1", BootId());  // another process that had the same id
  EXPECT_EQ(KillLeftoverGroup(file), "");
  g.WriteFile(file, g.start, "another-boot");  // a file from before a reboot
  EXPECT_EQ(KillLeftoverGroup(file), "");
  std::ofstream(file) << "pgid";  // cut short
  EXPECT_EQ(KillLeftoverGroup(file), "");
  EXPECT_EQ(KillLeftoverGroup(dir.path() / "none"), "");
  EXPECT_EQ(::kill(g.leader, 0), 0);
  EXPECT_EQ(::kill(g.member, 0), 0);
}

TEST(RunProcessTest, KeepsTheGroupFileOnlyWhileTheCommandRuns) {
  TempDir dir;
  ProcessSpec spec;
  spec.group_file = dir.path() / "process_group";
  // The file is written once the command runs: wait for it (bounded), then print it.
  spec.argv = {"/bin/sh", "-c",
               "n=0; while [ ! -s process_group ] && [ $n -lt 6000 ]; do sleep 0.01; "
               "n=$((n + 1)); done; cat process_group"};
  spec.cwd = dir.path();
  const auto r = RunProcess(spec);
  ASSERT_TRUE(r.Succeeded()) << r.err;
  EXPECT_THAT(r.out, MatchesRegex("pgid [0-9]+ start [0-9]+ boot " + BootId() + "\n"));
  EXPECT_FALSE(std::filesystem::exists(spec.group_file));
}

}  // namespace
}  // namespace iorec::runner
