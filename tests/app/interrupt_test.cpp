// Stopping a study by a signal. Ctrl-C, SIGTERM and SIGHUP stop it gracefully: running
// trials are killed and left pending, and iorec exits with 128 + the signal. kill -9 stops
// iorec at once, and its trials die with it (issue 15: they ran on as orphans). Either way
// no trial process outlives the run, and the same command resumes the study to the end.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli_util.hpp"
#include "common/process_util.hpp"
#include "common/temp_dir.hpp"

extern char** environ;
namespace fs = std::filesystem;

namespace {

using iorec::test_support::RunShell;
using iorec::test_support::Slurp;
using iorec::test_support::WaitForExit;

struct SignalCase {
  int signal;
  int exit_code;  ///< -1: iorec is killed by the signal itself
};

std::string CaseName(const ::testing::TestParamInfo<SignalCase>& info) {
  return std::string(sigabbrev_np(info.param.signal));
}

/// The pids the trials wrote (each trial: its shell and its background sleep).
std::vector<pid_t> TrialPids(const fs::path& file) {
  std::istringstream in(Slurp(file));
  std::vector<pid_t> pids;
  for (long pid; in >> pid;) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

class InterruptTest : public ::testing::TestWithParam<SignalCase> {};

TEST_P(InterruptTest, TrialsDieWithTheRunAndTheStudyResumes) {
  const SignalCase c = GetParam();
  iorec::test_support::TempDir dir;
  const fs::path cfg = dir.path() / "c.yaml";
  const fs::path pids = dir.path() / "pids";
  // ${IOREC_TEST_SLEEP} is expanded by the shell, not by iorec: the config stays the same.
  std::ofstream(cfg) << "seed: 1\n"
                        "parameters:\n"
                        "  - {name: a, values: [1, 2, 3], is_ordered: true}\n"
                        "  - {name: b, values: [1, 2], is_ordered: true}\n"
                        "data: {n_patterns: 2, n_features: 3}\n"
                        "warm_start: {target_size: 5}\n"
                        "model: {num_rounds: 5}\n"
                        "active: {iterations: 1, batch_per_iter: 1, ensemble_size: 2}\n"
                        "runner: {mode: command, parallel_trials: 2, metric: stdout_last_number,\n"
                        "         command: 'echo $$ >> "
                     << pids.string() << "; sleep ${IOREC_TEST_SLEEP:-0} & echo $! >> "
                     << pids.string()
                     << "; wait; echo {a}{b}'}\n"
                        "evaluation: {enabled: false}\n";
  const fs::path out = dir.path() / "out";

  setenv("IOREC_TEST_SLEEP", "300", 1);
  const std::string bin = IOREC_BINARY;
  const std::string cfg_s = cfg.string(), out_s = out.string();
  const char* argv[] = {bin.c_str(),   "run",          "-q",          "--config",
                        cfg_s.c_str(), "--output-dir", out_s.c_str(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, bin.c_str(), nullptr, nullptr, const_cast<char**>(argv), environ), 0);
  // Wait until a trial runs (its shell and its sleep wrote their pids), then signal.
  for (int i = 0; i < 6000 && TrialPids(pids).size() < 2; ++i) usleep(10000);
  ASSERT_GE(TrialPids(pids).size(), 2u);
  ASSERT_EQ(kill(pid, c.signal), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  if (c.exit_code < 0) {
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), c.signal);
  } else {
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), c.exit_code);
  }
  // No trial process outlives the run (the bound only keeps a failure from hanging).
  for (const pid_t p : TrialPids(pids)) EXPECT_TRUE(WaitForExit(p)) << "trial process " << p;

  const auto st = RunShell(bin + " status " + out_s);
  EXPECT_EQ(st.code, 0) << st.out;
  if (c.exit_code >= 0) {
    EXPECT_NE(st.out.find("pending"), std::string::npos) << st.out;
    EXPECT_EQ(st.out.find(" 0 pending"), std::string::npos) << st.out;
    EXPECT_NE(st.out.find("0 running"), std::string::npos) << st.out;
  }

  setenv("IOREC_TEST_SLEEP", "0", 1);
  const auto resumed = RunShell(bin + " run -q --config " + cfg_s + " --output-dir " + out_s);
  EXPECT_EQ(resumed.code, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("study finished: 12 trials"), std::string::npos) << resumed.out;
  unsetenv("IOREC_TEST_SLEEP");
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptTest,
                         ::testing::Values(SignalCase{SIGINT, 130}, SignalCase{SIGTERM, 143},
                                           SignalCase{SIGHUP, 129}, SignalCase{SIGKILL, -1}),
                         CaseName);

}  // namespace
