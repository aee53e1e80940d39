// Command-runner studies: byte-identical outputs with parallel_trials 1 and 4 and on a real
// single-node Slurm cluster started with scripts/slurm-local.sh.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string StudyConfig(const std::string& executor_lines) {
  return R"(seed: 5
parameters:
  - {name: a, values: [1, 2, 3, 4]}
  - {name: b, values: [1, 2, 4, 8]}
  - {name: c, values: [0, 1]}
data: {input_dir: "", n_patterns: 3, n_features: 4}
warm_start: {target_size: 6}
model: {num_rounds: 10}
active: {iterations: 2, batch_per_iter: 2, ensemble_size: 2}
reporting: {plots: false}
runner:
  mode: command
  command: 'echo "{\"agg_perf_by_slowest\": $(( ({a} * 7 + {b} * 3 + {c} + ${#IOREC_WORKLOAD}) % 17 + 1 ))}"'
)" + executor_lines;
}

int Sh(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

class CommandStudyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("iorec_cmdstudy_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  fs::path Run(const std::string& name, const std::string& executor_lines) {
    const fs::path cfg = dir_ / (name + ".yaml");
    std::ofstream(cfg) << StudyConfig(executor_lines);
    const fs::path out = dir_ / name;
    const std::string cmd = std::string(IOREC_BINARY) + " run --quiet -c " + cfg.string() + " -o " +
                            out.string() + " > " + (dir_ / (name + ".log")).string() + " 2>&1";
    EXPECT_EQ(Sh(cmd), 0) << Slurp(dir_ / (name + ".log"));
    return out;
  }
  void ExpectSame(const fs::path& a, const fs::path& b) {
    for (const char* f : {"summary.json", "observations.csv", "recommendation_matrix.json"}) {
      const std::string x = Slurp(a / f), y = Slurp(b / f);
      EXPECT_FALSE(x.empty()) << f;
      EXPECT_TRUE(x == y) << f << " differs between " << a << " and " << b;
    }
  }
  fs::path dir_;
};

TEST_F(CommandStudyTest, ParallelTrialsDoNotChangeTheOutputs) {
  const fs::path one = Run("p1", "  parallel_trials: 1\n");
  const fs::path four = Run("p4", "  parallel_trials: 4\n");
  ExpectSame(one, four);
  EXPECT_TRUE(fs::exists(one / "trials" / "synthetic_00" / "1" / "stdout.txt"));
}

TEST_F(CommandStudyTest, SlurmMatchesTheLocalExecutor) {
  const bool ci = std::getenv("CI") && std::string(std::getenv("CI")) == "true";
  if (Sh("command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch "
         ">/dev/null && command -v munged >/dev/null") != 0) {
    if (ci)
      FAIL()
          << "Slurm is not installed (slurmctld slurmd slurm-client munge); CI must run this test";
    GTEST_SKIP()
        << "\n\n*** SKIPPING the Slurm integration test: slurmctld/slurmd/slurm-client/"
           "munge are not installed (IOREC_WITH_TEST_DEPS=1 scripts/install-deps.sh) ***\n";
  }
  const fs::path state = dir_ / "slurm";
  const std::string script = std::string(IOREC_SOURCE_DIR) + "/scripts/slurm-local.sh";
  ASSERT_EQ(
      Sh(script + " start " + state.string() + " > " + (dir_ / "start.log").string() + " 2>&1"), 0)
      << Slurp(dir_ / "start.log");
  const std::string old_conf = std::getenv("SLURM_CONF") ? std::getenv("SLURM_CONF") : "";
  ::setenv("SLURM_CONF", (state / "etc" / "slurm.conf").c_str(), 1);
  const fs::path local = Run("local", "  parallel_trials: 2\n");
  const fs::path slurm = Run("slurm", "  executor: slurm\n  slurm: {poll_s: 0.2}\n");
  Sh(script + " stop " + state.string() + " > /dev/null 2>&1");
  if (old_conf.empty())
    ::unsetenv("SLURM_CONF");
  else
    ::setenv("SLURM_CONF", old_conf.c_str(), 1);
  ExpectSame(local, slurm);
  const fs::path trial = slurm / "trials" / "synthetic_00" / "1";
  EXPECT_TRUE(fs::exists(trial / "job.sh"));
  EXPECT_TRUE(fs::exists(trial / "job_id"));
  EXPECT_EQ(Slurp(trial / "exit_code"), "0\n");
}

}  // namespace
