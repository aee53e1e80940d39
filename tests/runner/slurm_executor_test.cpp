// The Slurm executor against fake sbatch/squeue/scancel scripts (no cluster needed). The real
// cluster is exercised by tests/app/slurm_integration_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "iorec/core/error.hpp"
#include "iorec/runner/executors.hpp"
#include "iorec/runner/process.hpp"
#include "test_util.hpp"

#include <thread>

namespace iorec::runner {
namespace {

using ::testing::HasSubstr;
using testing::Slurp;
using testing::SmallSpace;
using testing::TempDir;

constexpr const char* kFakeSbatch = R"SH(#!/bin/sh
d=$FAKE_SLURM
echo "sbatch $*" >> $d/log
for a in "$@"; do script=$a; done
n=$(cat $d/next 2>/dev/null || echo 100); echo $((n+1)) > $d/next
if [ -e $d/fail_sbatch ]; then echo "sbatch: error: Batch job submission failed: Unable to contact slurm controller" >&2; exit 1; fi
name=$(sed -n 's/^#SBATCH --job-name=//p' "$script")
if [ -e $d/lose_next ]; then rm -f $d/lose_next; echo "$n"; exit 0; fi
out=$(sed -n 's/^#SBATCH --output=//p' "$script")
err=$(sed -n 's/^#SBATCH --error=//p' "$script")
sh "$script" > "$out" 2> "$err"
echo "$n COMPLETED $name" >> $d/jobs
echo "$n;cluster"
)SH";

constexpr const char* kFakeSqueue = R"SH(#!/bin/sh
d=$FAKE_SLURM
echo "squeue $*" >> $d/log
if [ -e $d/fail_squeue ]; then echo "squeue: error: Unable to contact slurm controller (connect failure)" >&2; exit 1; fi
ids=$4
found=0
for id in $(echo $ids | tr ',' ' '); do
  if grep "^$id " $d/jobs 2>/dev/null; then found=1; fi
done
case $ids in *,*) exit 0;; esac
if [ $found = 0 ]; then echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; fi
)SH";

struct SlurmFixture {
  TempDir dir;
  space::Space space = SmallSpace({"bs"});
  space::WorkloadSet ws;
  std::filesystem::path state;
  SlurmFixture() {
    ws.feature_names = {"nprocs"};
    ws.workloads.push_back({"w0", {4}, "", {}});
    state = dir.path() / "fake";
    std::filesystem::create_directories(state);
    dir.Write("bin/sbatch", kFakeSbatch, true);
    dir.Write("bin/squeue", kFakeSqueue, true);
    dir.Write("bin/scancel", "#!/bin/sh\necho \"scancel $*\" >> $FAKE_SLURM/log\n", true);
    ::setenv("FAKE_SLURM", state.c_str(), 1);
  }
  SlurmOptions Options() const {
    SlurmOptions o;
    o.sbatch = (dir.path() / "bin/sbatch").string();
    o.squeue = (dir.path() / "bin/squeue").string();
    o.scancel = (dir.path() / "bin/scancel").string();
    o.poll_s = 0.05;
    o.client_failures_allowed = 2;
    return o;
  }
  CommandRunnerOptions RunnerOptions(int retries) const {
    CommandRunnerOptions o;
    o.command = "echo {bs}0";
    o.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
    o.trials_root = dir.path() / "trials";
    o.retry.max_retries = retries;
    o.retry.backoff_s = 0.0;
    return o;
  }
  std::vector<TrialRequest> Batch() const {
    std::vector<TrialRequest> b;
    for (uint8_t i = 0; i < 3; ++i) {
      TrialRequest r;
      r.workload = &ws.workloads[0];
      r.config = space::Config({i});
      r.trial_id = 10 + i;
      b.push_back(r);
    }
    return b;
  }
  int Count(const std::string& what) const {
    const std::string log = Slurp(state / "log");
    int n = 0;
    for (size_t p = log.find(what); p != std::string::npos; p = log.find(what, p + 1)) ++n;
    return n;
  }
};

TEST(SlurmExecutorTest, RunsEachTrialAsAJobAndKeepsItsFilesInTheTrialDir) {
  SlurmFixture f;
  CommandRunner runner(f.space, f.RunnerOptions(0));
  SlurmOptions so = f.Options();
  so.partition = "debug";
  so.extra_args = {"--qos=low"};
  SlurmExecutor exec(runner, so);
  const auto out = exec.RunBatch(f.Batch());
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(out[i].ok) << out[i].failure_reason;
    EXPECT_DOUBLE_EQ(out[i].value, 10.0 * (i + 1));
  }
  const auto dir = f.dir.path() / "trials" / "w0" / "10";
  EXPECT_EQ(Slurp(dir / "job_id"), "100\n");
  EXPECT_EQ(Slurp(dir / "exit_code"), "0\n");
  EXPECT_EQ(Slurp(dir / "stdout.txt"), "10\n");
  EXPECT_THAT(Slurp(dir / "job.sh"), HasSubstr("#SBATCH --job-name=iorec-10"));
  EXPECT_THAT(Slurp(f.state / "log"),
              HasSubstr("sbatch --parsable --partition=debug --nodes=1 --ntasks=1 --qos=low " +
                        (dir / "job.sh").string()));
  EXPECT_EQ(exec.stats().submitted, 3);
}

TEST(SlurmExecutorTest, LostJobIsResubmitted) {
  SlurmFixture f;
  std::ofstream(f.state / "lose_next") << "";
  CommandRunner runner(f.space, f.RunnerOptions(1));
  SlurmExecutor exec(runner, f.Options());
  const auto out = exec.RunBatch(f.Batch());
  for (const auto& o : out) EXPECT_TRUE(o.ok) << o.failure_reason;
  EXPECT_EQ(exec.stats().lost, 1);
  EXPECT_EQ(exec.stats().submitted, 4);
  EXPECT_EQ(out[0].attempts, 2);

  // Without retries a lost job is a failed trial.
  std::ofstream(f.state / "lose_next") << "";
  CommandRunner no_retry(f.space, f.RunnerOptions(0));
  SlurmExecutor exec2(no_retry, f.Options());
  auto batch = f.Batch();
  for (auto& r : batch) r.trial_id += 100;
  const auto out2 = exec2.RunBatch(batch);
  EXPECT_FALSE(out2[0].ok);
  EXPECT_THAT(out2[0].failure_reason, HasSubstr("was lost (Slurm no longer knows it)"));
  EXPECT_TRUE(out2[1].ok);
}

TEST(SlurmExecutorTest, ResumedStudyReattachesInsteadOfSubmittingTwice) {
  SlurmFixture f;
  CommandRunner runner(f.space, f.RunnerOptions(0));
  SlurmExecutor first(runner, f.Options());
  const auto a = first.RunBatch(f.Batch());
  EXPECT_EQ(f.Count("sbatch "), 3);
  SlurmExecutor second(runner, f.Options());
  const auto b = second.RunBatch(f.Batch());
  EXPECT_EQ(f.Count("sbatch "), 3);  // nothing submitted again
  EXPECT_EQ(second.stats().reattached, 3);
  for (size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(a[i].value, b[i].value);

  // A different request for the same trial id is a new trial: submitted.
  CommandRunnerOptions o = f.RunnerOptions(0);
  o.command = "echo {bs}1";
  CommandRunner changed(f.space, o);
  SlurmExecutor third(changed, f.Options());
  third.RunBatch(f.Batch());
  EXPECT_EQ(f.Count("sbatch "), 6);
}

TEST(SlurmExecutorTest, UnreachableSlurmNamesTheCommandAndItsStderr) {
  SlurmFixture f;
  CommandRunner runner(f.space, f.RunnerOptions(0));
  std::ofstream(f.state / "fail_sbatch") << "";
  SlurmExecutor exec(runner, f.Options());
  try {
    exec.RunBatch(f.Batch());
    ADD_FAILURE() << "expected an error";
  } catch (const core::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("slurm: `" + f.Options().sbatch + " --parsable"));
    EXPECT_THAT(e.what(), HasSubstr("Unable to contact slurm controller"));
  }
  std::filesystem::remove(f.state / "fail_sbatch");
  std::ofstream(f.state / "lose_next") << "";  // stays in the queue as far as we know
  std::ofstream(f.state / "fail_squeue") << "";
  SlurmExecutor exec2(runner, f.Options());
  auto batch = f.Batch();
  for (auto& r : batch) r.trial_id += 50;
  try {
    exec2.RunBatch(batch);
    ADD_FAILURE() << "expected an error";
  } catch (const core::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("`" + f.Options().squeue + " -h --states=all -j"));
    EXPECT_THAT(e.what(), HasSubstr("connect failure"));
  }
}

TEST(SlurmExecutorTest, InterruptCancelsTheBatchJobs) {
  SlurmFixture f;
  ClearInterrupt();
  CommandRunner runner(f.space, f.RunnerOptions(0));
  std::ofstream(f.state / "lose_next") << "";  // first job never completes...
  // ...and squeue keeps reporting it as running.
  std::ofstream(f.state / "jobs") << "100 RUNNING iorec-10\n";
  SlurmExecutor exec(runner, f.Options());
  std::thread ctrl_c([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    RequestInterrupt();
  });
  EXPECT_THROW(exec.RunBatch(f.Batch()), Interrupted);
  ctrl_c.join();
  ClearInterrupt();
  EXPECT_EQ(f.Count("scancel 100"), 1);
  EXPECT_FALSE(std::filesystem::exists(f.dir.path() / "trials" / "w0" / "10" / "job_id"));
}

}  // namespace
}  // namespace iorec::runner
