// Ctrl-C during a study: running trials are killed and recorded as pending, the process
// exits 130, and the same command resumes the study to completion.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "app/cli_util.hpp"

extern char** environ;
namespace fs = std::filesystem;

namespace {

std::string Capture(const std::string& cmd, int* code) {
  const auto r = iorec::test_support::RunShell(cmd);
  *code = r.code;
  return r.out;
}

TEST(InterruptTest, CtrlCLeavesKilledTrialsPendingAndTheStudyResumes) {
  const fs::path dir = fs::temp_directory_path() / ("iorec_interrupt_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path cfg = dir / "c.yaml";
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
                        "         command: 'touch " +
                            (dir / "started").string() +
                            "; sleep ${IOREC_TEST_SLEEP:-0}; echo {a}{b}'}\n"
                            "evaluation: {enabled: false}\n";
  const fs::path out = dir / "out";

  setenv("IOREC_TEST_SLEEP", "60", 1);
  const std::string bin = IOREC_BINARY;
  const std::string cfg_s = cfg.string(), out_s = out.string();
  const char* argv[] = {bin.c_str(),   "run",          "-q",          "--config",
                        cfg_s.c_str(), "--output-dir", out_s.c_str(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, bin.c_str(), nullptr, nullptr, const_cast<char**>(argv), environ), 0);
  // Wait until a trial is running, then press Ctrl-C.
  for (int i = 0; i < 600 && !fs::exists(dir / "started"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(fs::exists(dir / "started"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);

  int code = -1;
  const std::string st = Capture(bin + " status " + out_s, &code);
  EXPECT_EQ(code, 0) << st;
  EXPECT_NE(st.find("pending"), std::string::npos) << st;
  EXPECT_EQ(st.find(" 0 pending"), std::string::npos) << st;
  EXPECT_NE(st.find("0 running"), std::string::npos) << st;

  setenv("IOREC_TEST_SLEEP", "0", 1);
  const std::string resumed =
      Capture(bin + " run -q --config " + cfg_s + " --output-dir " + out_s, &code);
  EXPECT_EQ(code, 0) << resumed;
  EXPECT_NE(resumed.find("study finished: 12 trials"), std::string::npos) << resumed;
  unsetenv("IOREC_TEST_SLEEP");
  fs::remove_all(dir);
}

}  // namespace
