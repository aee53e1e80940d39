// Command-runner studies: byte-identical outputs with parallel_trials 1 and 4 and on a real
// single-node Slurm cluster started with scripts/slurm-local.sh (job arrays, trials packed per
// task, an output directory with spaces, a resumed study re-attaching to its arrays), and the
// Slurm throttle observed with squeue while a batch runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "app/local_slurm.hpp"
#include "common/space_util.hpp"
#include "iorec/runner/executors.hpp"

namespace {

namespace fs = std::filesystem;
using namespace iorec;
using test_support::LocalSlurm;

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

std::string Quote(const fs::path& p) {
  std::string s = "'";
  for (char c : p.string()) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return s + "'";
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
  /// Runs a study; `out_name` may hold spaces and quotes. Returns the output directory.
  fs::path Run(const std::string& name, const std::string& executor_lines,
               const std::string& out_name = "", int expect_rc = 0, const std::string& env = "") {
    const fs::path cfg = dir_ / (name + ".yaml");
    std::ofstream(cfg) << StudyConfig(executor_lines);
    const fs::path out = dir_ / (out_name.empty() ? name : out_name);
    const fs::path log = dir_ / (name + ".log");
    const std::string cmd = env + " " + std::string(IOREC_BINARY) + " run --quiet -c " +
                            Quote(cfg) + " -o " + Quote(out) + " > " + Quote(log) + " 2>&1";
    EXPECT_EQ(Sh(cmd), expect_rc) << Slurp(log);
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

/// Array job names of sbatch calls: "iorec-<first trial id>[-<attempt>]" -> first trial id.
std::vector<uint64_t> ArrayFirstTrials(const std::vector<std::string>& calls) {
  std::vector<uint64_t> ids;
  const std::regex name("--job-name=iorec-([0-9]+)");
  for (const auto& c : calls) {
    std::smatch m;
    if (std::regex_search(c, m, name)) ids.push_back(std::stoull(m[1]));
  }
  return ids;
}

TEST_F(CommandStudyTest, SlurmArraysMatchTheLocalExecutorInADirWithSpaces) {
  REQUIRE_LOCAL_SLURM();
  LocalSlurm slurm(dir_);
  ASSERT_TRUE(slurm.started()) << slurm.start_log();
  const fs::path local = Run("local", "  parallel_trials: 2\n");
  const fs::path out = Run("slurm",
                           "  executor: slurm\n"
                           "  slurm: {poll_s: 0.2, trials_per_job: 3, max_concurrent: 4}\n",
                           "slurm out 'dir' 100%x");
  ExpectSame(local, out);
  const fs::path trial = out / "trials" / "synthetic_00" / "1";
  EXPECT_TRUE(fs::exists(trial / "job.sh"));
  EXPECT_TRUE(std::regex_match(Slurp(trial / "job_id"), std::regex("[0-9]+_[0-9]+\n")))
      << Slurp(trial / "job_id");
  EXPECT_EQ(Slurp(trial / "exit_code"), "0\n");
  // One array per batch (warm start and two iterations) instead of one job per trial.
  const auto calls = slurm.SbatchCalls();
  const std::string csv = Slurp(out / "observations.csv");
  const auto trials = std::count(csv.begin(), csv.end(), '\n') - 1;
  EXPECT_EQ(trials, 30);
  EXPECT_EQ(calls.size(), 3u);
  for (const auto& c : calls) EXPECT_NE(c.find("%4 "), std::string::npos) << c;
  EXPECT_TRUE(fs::exists(out / "slurm"));
}

TEST_F(CommandStudyTest, ResumedSlurmStudyReattachesToItsArrays) {
  REQUIRE_LOCAL_SLURM();
  LocalSlurm slurm(dir_);
  ASSERT_TRUE(slurm.started()) << slurm.start_log();
  const std::string lines = "  executor: slurm\n  slurm: {poll_s: 0.2}\n";
  // Killed (as by kill -9) once half the warm start is committed: the rest is in Slurm.
  Run("slurm", lines, "", 137, "IOREC_FAULT_EXIT_MID_BATCH=0");
  const size_t first_run_calls = slurm.SbatchCalls().size();
  ASSERT_EQ(first_run_calls, 1u);
  const fs::path out = Run("slurm", lines);
  const fs::path local = Run("local", "  parallel_trials: 2\n");
  ExpectSame(local, out);

  std::set<uint64_t> warm;
  std::istringstream csv(Slurp(out / "observations.csv"));
  std::string row;
  std::getline(csv, row);  // header
  while (std::getline(csv, row)) {
    std::istringstream f(row);
    std::string id, workload, source;
    std::getline(f, id, ',');
    std::getline(f, workload, ',');
    std::getline(f, source, ',');
    if (source == "warm" || source == "baseline") warm.insert(std::stoull(id));
  }
  ASSERT_EQ(warm.size(), 18u);
  const auto calls = slurm.SbatchCalls();
  const std::vector<std::string> resumed(calls.begin() + static_cast<long>(first_run_calls),
                                         calls.end());
  EXPECT_FALSE(resumed.empty());
  for (uint64_t first : ArrayFirstTrials(resumed)) {
    EXPECT_EQ(warm.count(first), 0u)
        << "the resumed study submitted warm-start trial " << first << " again";
  }
}

TEST_F(CommandStudyTest, CtrlCCancelsTheStudysSlurmJobs) {
  REQUIRE_LOCAL_SLURM();
  LocalSlurm slurm(dir_);
  ASSERT_TRUE(slurm.started()) << slurm.start_log();
  std::string cfg = StudyConfig("  executor: slurm\n  slurm: {poll_s: 0.2}\n");
  cfg = cfg.substr(0, cfg.find("  command:")) + "  command: 'sleep 297.125; echo 1'\n" +
        "  metric: stdout_last_number\n  executor: slurm\n  slurm: {poll_s: 0.2}\n";
  std::ofstream(dir_ / "sleep.yaml") << cfg;
  // Start the study, wait (60 s at most) until Slurm runs its jobs, then Ctrl-C it.
  const std::string script =
      std::string(IOREC_BINARY) + " run -c " + Quote(dir_ / "sleep.yaml") + " -o " +
      Quote(dir_ / "out") + " > " + Quote(dir_ / "run.log") + " 2>&1 & pid=$!; i=0; " +
      "while [ $i -lt 600 ] && [ -z \"$(squeue -h -t RUNNING -o %i)\" ]; do sleep 0.1; " +
      "i=$((i + 1)); done; kill -INT $pid; wait $pid; echo $? > " + Quote(dir_ / "rc");
  ASSERT_EQ(Sh(script), 0);
  EXPECT_EQ(Slurp(dir_ / "rc"), "130\n") << Slurp(dir_ / "run.log");
  EXPECT_NE(Slurp(dir_ / "run.log").find("were cancelled (scancel) and are pending"),
            std::string::npos)
      << Slurp(dir_ / "run.log");
  // Progress (not a terminal here) said where the batch's trials were.
  EXPECT_TRUE(
      std::regex_search(Slurp(dir_ / "run.log"),
                        std::regex(R"(\[iorec\] trials of the batch: .*[0-9]+ (queued|running))")))
      << Slurp(dir_ / "run.log");
  // Nothing of the study is left queued or running (60 s at most for Slurm to end them).
  const std::string left = "squeue -h -t PENDING,RUNNING,COMPLETING -o %i";
  EXPECT_EQ(Sh("i=0; while [ $i -lt 600 ] && [ -n \"$(" + left +
               ")\" ]; do sleep 0.1; i=$((i + 1)); done; [ -z \"$(" + left + ")\" ]"),
            0);
  // ...and no trial process outlives its cancelled job ([.]: not this check's own shell).
  EXPECT_EQ(Sh("i=0; while [ $i -lt 300 ] && pgrep -f 'sleep 297[.]125' >/dev/null; do sleep 0.1; "
               "i=$((i + 1)); done; ! pgrep -f 'sleep 297[.]125' >/dev/null"),
            0);
  EXPECT_EQ(slurm.SbatchCalls().size(), 1u);
}

/// Samples `squeue -t RUNNING` on its own thread until stopped.
class RunningSampler {
 public:
  RunningSampler()
      : thread_([this] {
          while (!stop_) {
            FILE* p = popen("squeue -h -r -t RUNNING -o %i 2>/dev/null", "r");
            if (!p) continue;
            int n = 0;
            char buf[256];
            while (fgets(buf, sizeof buf, p)) ++n;
            if (pclose(p) == 0) {
              samples_.push_back(n);
            } else {
              ++failed_;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
        }) {}
  ~RunningSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const std::vector<int>& samples() const { return samples_; }
  int failed() const { return failed_; }
  int Max() const {
    return samples_.empty() ? 0 : *std::max_element(samples_.begin(), samples_.end());
  }
  std::string Histogram() const {
    std::map<int, int> h;
    for (int s : samples_) ++h[s];
    std::string out;
    for (auto [k, n] : h)
      out += std::to_string(k) + " running: " + std::to_string(n) + " samples; ";
    return out;
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<int> samples_;
  int failed_ = 0;
  std::thread thread_;
};

/// The most trials that were running at once, from "start T" / "end T" lines.
int MaxOverlap(const std::string& log) {
  std::vector<std::pair<double, int>> events;  // (time, +1 start / -1 end)
  std::istringstream in(log);
  std::string what;
  double t;
  while (in >> what >> t) events.emplace_back(t, what == "start" ? 1 : -1);
  std::sort(events.begin(), events.end());  // at equal times, ends (-1) first
  int now = 0, most = 0;
  for (const auto& e : events) most = std::max(most, now += e.second);
  return most;
}

class SlurmThrottleTest : public CommandStudyTest {
 protected:
  /// Runs `n` trials of `command` (which may use {trial_id}) through the Slurm executor.
  std::vector<runner::TrialOutcome> RunBatch(int n, const std::string& command,
                                             int max_concurrent) {
    runner::CommandRunnerOptions o;
    o.command = command;
    o.metric.kind = runner::MetricSpec::Kind::kStdoutLastNumber;
    o.trials_root = dir_ / "trials";
    runner::CommandRunner runner(space_, o);
    runner::SlurmOptions so;
    so.max_concurrent = max_concurrent;
    so.poll_s = 0.2;
    so.work_dir = dir_ / "slurm";
    runner::SlurmExecutor exec(runner, so);
    std::vector<runner::TrialRequest> batch;
    for (int i = 0; i < n; ++i) {
      runner::TrialRequest r;
      r.workload = &ws_.workloads[0];
      r.config = space::Config({0});
      r.trial_id = static_cast<uint64_t>(100 + i);
      batch.push_back(r);
    }
    return exec.RunBatch(batch);
  }
  /// A trial that logs its start and end times into dir_/intervals.log.
  std::string Timed(const std::string& body) const {
    const std::string log = Quote(dir_ / "intervals.log");
    return "echo \"start $(date +%s.%N)\" >> " + log + "; " + body + "; echo \"end $(date " +
           "+%s.%N)\" >> " + log + "; echo 1";
  }
  space::Space space_ = test_support::IntSpace({1});
  space::WorkloadSet ws_{{"nprocs"}, {{"w0", {4}, "", {}}}};
};

TEST_F(SlurmThrottleTest, AThrottleOfTwoOnABatchOfTwentyNeverRunsMoreThanTwo) {
  REQUIRE_LOCAL_SLURM();
  LocalSlurm slurm(dir_);
  ASSERT_TRUE(slurm.started()) << slurm.start_log();
  RunningSampler sampler;
  const auto out = RunBatch(20, Timed("sleep 0.5"), 2);
  sampler.Stop();
  for (const auto& o : out) EXPECT_TRUE(o.ok) << o.failure_reason;
  const auto calls = slurm.SbatchCalls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_NE(calls[0].find("--array=0-19%2 "), std::string::npos) << calls[0];
  std::printf("squeue samples while the batch ran: %s\n", sampler.Histogram().c_str());
  std::printf("most trials running at once (from their start/end times): %d\n",
              MaxOverlap(Slurp(dir_ / "intervals.log")));
  // The sampler saw the batch running, and never more than the throttle.
  EXPECT_GE(sampler.samples().size(), 10u);
  EXPECT_GE(sampler.Max(), 1);
  EXPECT_LE(sampler.Max(), 2) << sampler.Histogram();
  EXPECT_LE(MaxOverlap(Slurp(dir_ / "intervals.log")), 2);
}

TEST_F(SlurmThrottleTest, WithoutAThrottleTheSameChecksSeeMoreThanTwo) {
  // The control for the test above: its checks do fail when more than two run at once.
  REQUIRE_LOCAL_SLURM();
  LocalSlurm slurm(dir_);
  ASSERT_TRUE(slurm.started()) << slurm.start_log();
  RunningSampler sampler;
  // Each trial waits (60 s at most) until three have started, then 2 s more: three run at
  // once whenever Slurm lets them.
  const fs::path barrier = dir_ / "barrier";
  fs::create_directories(barrier);
  const std::string wait = "touch " + Quote(barrier) + "/{trial_id}; i=0; while [ $(ls " +
                           Quote(barrier) + " | wc -l) -lt 3 ] && [ $i -lt 600 ]; do sleep 0.1; " +
                           "i=$((i + 1)); done; sleep 2";
  const auto out = RunBatch(6, Timed(wait), 0);
  sampler.Stop();
  for (const auto& o : out) EXPECT_TRUE(o.ok) << o.failure_reason;
  std::printf("squeue samples while the batch ran: %s\n", sampler.Histogram().c_str());
  EXPECT_GE(sampler.Max(), 3) << sampler.Histogram();
  EXPECT_GE(MaxOverlap(Slurp(dir_ / "intervals.log")), 3);
}

}  // namespace
