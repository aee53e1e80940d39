// The Slurm executor against fake sbatch/squeue/scancel scripts (no cluster needed). The fake
// sbatch runs every array task at once, synchronously; the real cluster (throttle, packing,
// paths with spaces) is exercised by tests/app/slurm_integration_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "iorec/core/error.hpp"
#include "iorec/runner/executors.hpp"
#include "iorec/runner/process.hpp"
#include "test_util.hpp"

namespace iorec::runner {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Slurp;
using testing::SmallSpace;
using testing::TempDir;
namespace fs = std::filesystem;

// Markers in $FAKE_SLURM: fail_sbatch (empty: always fail; N: fail the next N calls),
// lose_next (the next task is never run nor known), fail_next (the next task ends FAILED
// without running), fail_squeue.
constexpr const char* kFakeSbatch = R"SH(#!/bin/sh
d=$FAKE_SLURM
echo "sbatch $*" >> "$d/log"
array=""; name=""
for a in "$@"; do
  case $a in
    --array=*) array=${a#--array=} ;;
    --job-name=*) name=${a#--job-name=} ;;
  esac
  script=$a
done
if [ -e "$d/fail_sbatch" ]; then
  n=$(cat "$d/fail_sbatch")
  if [ -z "$n" ] || [ "$n" -gt 0 ]; then
    [ -n "$n" ] && echo $((n - 1)) > "$d/fail_sbatch"
    echo "sbatch: error: Batch job submission failed: Unable to contact slurm controller" >&2
    exit 1
  fi
fi
id=$(cat "$d/next" 2>/dev/null || echo 100); echo $((id + 1)) > "$d/next"
range=${array%%\%*}; last=${range#0-}
k=0
while [ "$k" -le "$last" ]; do
  if [ -e "$d/lose_next" ]; then rm -f "$d/lose_next"
  elif [ -e "$d/fail_next" ]; then rm -f "$d/fail_next"; echo "${id}_$k FAILED $name" >> "$d/jobs"
  else
    SLURM_ARRAY_TASK_ID=$k sh "$script" > /dev/null 2>&1
    echo "${id}_$k COMPLETED $name" >> "$d/jobs"
  fi
  k=$((k + 1))
done
echo "$id;cluster"
)SH";

constexpr const char* kFakeSqueue = R"SH(#!/bin/sh
d=$FAKE_SLURM
echo "squeue $*" >> "$d/log"
if [ -e "$d/fail_squeue" ]; then echo "squeue: error: Unable to contact slurm controller (connect failure)" >&2; exit 1; fi
ids=$5
found=0
for id in $(echo "$ids" | tr ',' ' '); do
  if grep "^${id}_" "$d/jobs" 2>/dev/null; then found=1; fi
done
case $ids in *,*) exit 0;; esac
if [ $found = 0 ]; then echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; fi
)SH";

struct SlurmFixture {
  TempDir dir;
  space::Space space = SmallSpace({"bs"}, 6);
  space::WorkloadSet ws;
  fs::path state;
  fs::path trials_root;
  SlurmFixture() : SlurmFixture("trials") {}
  explicit SlurmFixture(const std::string& trials_dir_name) {
    ws.feature_names = {"nprocs"};
    ws.workloads.push_back({"w0", {4}, "", {}});
    state = dir.path() / "fake";
    trials_root = dir.path() / trials_dir_name;
    fs::create_directories(state);
    dir.Write("bin/sbatch", kFakeSbatch, true);
    dir.Write("bin/squeue", kFakeSqueue, true);
    dir.Write("bin/scancel", "#!/bin/sh\necho \"scancel $*\" >> \"$FAKE_SLURM/log\"\n", true);
    ::setenv("FAKE_SLURM", state.c_str(), 1);
  }
  SlurmOptions Options() const {
    SlurmOptions o;
    o.sbatch = (dir.path() / "bin/sbatch").string();
    o.squeue = (dir.path() / "bin/squeue").string();
    o.scancel = (dir.path() / "bin/scancel").string();
    o.work_dir = dir.path() / "slurm";
    o.poll_s = 0.05;
    o.client_failures_allowed = 2;
    o.submit_backoff_s = 0.01;
    return o;
  }
  CommandRunnerOptions RunnerOptions(int retries) const {
    CommandRunnerOptions o;
    o.command = "echo {bs}0";
    o.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
    o.trials_root = trials_root;
    o.retry.max_retries = retries;
    o.retry.backoff_s = 0.0;
    return o;
  }
  std::vector<TrialRequest> Batch(size_t n = 3, uint64_t first_id = 10) const {
    std::vector<TrialRequest> b;
    for (size_t i = 0; i < n; ++i) {
      TrialRequest r;
      r.workload = &ws.workloads[0];
      r.config = space::Config({static_cast<uint8_t>(i % 6)});
      r.trial_id = first_id + i;
      b.push_back(r);
    }
    return b;
  }
  fs::path TrialDir(uint64_t id) const { return trials_root / "w0" / std::to_string(id); }
  void Mark(const std::string& name, const std::string& content = "") const {
    std::ofstream(state / name) << content;
  }
  std::string Log() const { return Slurp(state / "log"); }
  int Count(const std::string& what) const {
    const std::string log = Log();
    int n = 0;
    for (size_t p = log.find(what); p != std::string::npos; p = log.find(what, p + 1)) ++n;
    return n;
  }
  /// The first word of each log line ("sbatch", "squeue", ...), in order.
  std::string CallSequence() const {
    std::istringstream lines(Log());
    std::string line, seq;
    while (std::getline(lines, line)) {
      const std::string word = line.substr(0, line.find(' '));
      if (seq.empty() || seq.substr(seq.rfind(' ') + 1) != word)
        seq += (seq.empty() ? "" : " ") + word;
    }
    return seq;
  }
};

TEST(SlurmExecutorTest, RunsTheBatchAsOneArrayAndKeepsEachTrialsFilesInItsDir) {
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
  const fs::path dir = f.TrialDir(10);
  EXPECT_EQ(Slurp(dir / "job_id"), "100_0\n");
  EXPECT_EQ(Slurp(f.TrialDir(12) / "job_id"), "100_2\n");
  EXPECT_EQ(Slurp(dir / "job_name"), "iorec-10\n");
  EXPECT_EQ(Slurp(dir / "exit_code"), "0\n");
  EXPECT_EQ(Slurp(dir / "stdout.txt"), "10\n");
  EXPECT_TRUE(fs::exists(dir / "started"));
  const fs::path work = f.dir.path() / "slurm";
  EXPECT_THAT(f.Log(), HasSubstr("sbatch --parsable --job-name=iorec-10 --array=0-2 --output=" +
                                 (work / "iorec-10").string() + "_%a.log --chdir=" + work.string() +
                                 " --partition=debug --nodes=1 --ntasks=1 --qos=low " +
                                 (work / "iorec-10.sh").string()));
  EXPECT_EQ(f.Count("sbatch "), 1);
  EXPECT_EQ(exec.stats().sbatch_calls, 1);
  EXPECT_EQ(exec.stats().submitted, 3);
}

/// A command runner whose trials change node-wide settings (as the real runner's trials with
/// lctl knobs do).
class WholeNodeRunner final : public ShellRunner {
 public:
  explicit WholeNodeRunner(CommandRunner& inner) : inner_(inner) {}
  std::string name() const override { return "whole-node"; }
  fs::path TrialDir(const TrialRequest& r) const override { return inner_.TrialDir(r); }
  TrialJob Plan(const TrialRequest& r) override {
    TrialJob job = inner_.Plan(r);
    job.whole_nodes = true;
    return job;
  }
  void Prepare(const TrialRequest& r, const TrialJob& job) override { inner_.Prepare(r, job); }
  TrialOutcome Finish(const TrialRequest& r, const TrialJob& job,
                      const ProcessResult& pr) override {
    return inner_.Finish(r, job, pr);
  }
  const RetryPolicy& retry() const override { return inner_.retry(); }

 private:
  CommandRunner& inner_;
};

TEST(SlurmExecutorTest, TrialsThatChangeNodeWideSettingsGetTheirNodesToThemselves) {
  SlurmFixture f;
  CommandRunner plain(f.space, f.RunnerOptions(0));
  SlurmExecutor shared(plain, f.Options());
  ASSERT_TRUE(shared.RunBatch(f.Batch(2, 10))[0].ok);
  EXPECT_THAT(f.Log(), Not(HasSubstr("--exclusive")));
  WholeNodeRunner whole(plain);
  SlurmOptions so = f.Options();
  so.extra_args = {"--qos=low"};
  SlurmExecutor exclusive(whole, so);
  const auto out = exclusive.RunBatch(f.Batch(2, 20));
  for (const auto& o : out) EXPECT_TRUE(o.ok) << o.failure_reason;
  EXPECT_THAT(f.Log(), HasSubstr("--nodes=1 --ntasks=1 --exclusive --qos=low "));
}

TEST(SlurmExecutorTest, PacksTrialsIntoTasksAndThrottlesTheArray) {
  SlurmFixture f;
  CommandRunner runner(f.space, f.RunnerOptions(0));
  SlurmOptions so = f.Options();
  so.max_concurrent = 2;
  so.trials_per_job = 2;
  SlurmExecutor exec(runner, so);
  const auto out = exec.RunBatch(f.Batch(5));
  for (const auto& o : out) EXPECT_TRUE(o.ok) << o.failure_reason;
  EXPECT_THAT(f.Log(), HasSubstr("--array=0-2%2 "));
  EXPECT_EQ(f.Count("sbatch "), 1);
  // Trials 10 and 11 share task 0; 14 is alone in task 2.
  EXPECT_EQ(Slurp(f.TrialDir(11) / "job_id"), "100_0\n");
  EXPECT_EQ(Slurp(f.TrialDir(14) / "job_id"), "100_2\n");
  const std::string script = Slurp(f.dir.path() / "slurm" / "iorec-10.sh");
  EXPECT_THAT(script, HasSubstr("  0) set -- '" + f.TrialDir(10).string() + "' '" +
                                f.TrialDir(11).string() + "' ;;"));
  EXPECT_THAT(script, HasSubstr("  2) set -- '" + f.TrialDir(14).string() + "' ;;"));
}

TEST(SlurmExecutorTest, ThrottledArraysRunOneAfterAnother) {
  SlurmFixture f;
  CommandRunner runner(f.space, f.RunnerOptions(0));
  SlurmOptions so = f.Options();
  so.max_array_size = 2;
  so.max_concurrent = 1;
  SlurmExecutor throttled(runner, so);
  for (const auto& o : throttled.RunBatch(f.Batch(5))) EXPECT_TRUE(o.ok) << o.failure_reason;
  EXPECT_EQ(throttled.stats().sbatch_calls, 3);
  // Each array is submitted only after squeue showed the previous one ended.
  EXPECT_THAT(f.CallSequence(), HasSubstr("sbatch squeue sbatch squeue sbatch squeue"));
  EXPECT_THAT(f.Log(), HasSubstr("--job-name=iorec-12 --array=0-1%1 "));
  EXPECT_THAT(f.Log(), HasSubstr("--job-name=iorec-14 --array=0-0%1 "));

  // Without a throttle every array is submitted at once.
  fs::remove(f.state / "log");
  SlurmOptions free = f.Options();
  free.max_array_size = 2;
  SlurmExecutor unthrottled(runner, free);
  for (const auto& o : unthrottled.RunBatch(f.Batch(5, 20))) EXPECT_TRUE(o.ok) << o.failure_reason;
  EXPECT_EQ(f.CallSequence().rfind("sbatch squeue", 0), 0u) << f.CallSequence();
  EXPECT_EQ(f.Count("sbatch "), 3);
  EXPECT_THAT(f.Log(), HasSubstr("--job-name=iorec-22 --array=0-1 --output"));  // no %N
}

TEST(SlurmExecutorTest, LostJobIsResubmitted) {
  SlurmFixture f;
  f.Mark("lose_next");
  CommandRunner runner(f.space, f.RunnerOptions(1));
  SlurmExecutor exec(runner, f.Options());
  const auto out = exec.RunBatch(f.Batch());
  for (const auto& o : out) EXPECT_TRUE(o.ok) << o.failure_reason;
  EXPECT_EQ(exec.stats().lost, 1);
  EXPECT_EQ(exec.stats().submitted, 4);
  EXPECT_EQ(exec.stats().sbatch_calls, 2);
  EXPECT_EQ(out[0].attempts, 2);
  EXPECT_THAT(f.Log(), HasSubstr("--job-name=iorec-10-2 --array=0-0 "));
  EXPECT_EQ(Slurp(f.TrialDir(10) / "job_id"), "101_0\n");

  // Without retries a lost job is a failed trial.
  f.Mark("lose_next");
  CommandRunner no_retry(f.space, f.RunnerOptions(0));
  SlurmExecutor exec2(no_retry, f.Options());
  const auto out2 = exec2.RunBatch(f.Batch(3, 110));
  EXPECT_FALSE(out2[0].ok);
  EXPECT_THAT(out2[0].failure_reason, HasSubstr("was lost (Slurm no longer knows it)"));
  EXPECT_TRUE(out2[1].ok);
}

TEST(SlurmExecutorTest, TaskThatEndedWithoutRunningTheTrialIsAFailedTrial) {
  SlurmFixture f;
  f.Mark("fail_next");
  CommandRunner runner(f.space, f.RunnerOptions(0));
  SlurmExecutor exec(runner, f.Options());
  const auto out = exec.RunBatch(f.Batch());
  EXPECT_FALSE(out[0].ok);
  EXPECT_THAT(out[0].failure_reason,
              HasSubstr("slurm job 100_0 ended in state FAILED before the trial started"));
  EXPECT_TRUE(out[1].ok);
}

TEST(SlurmExecutorTest, ResumedStudyReattachesInsteadOfSubmittingTwice) {
  SlurmFixture f;
  CommandRunner runner(f.space, f.RunnerOptions(0));
  SlurmExecutor first(runner, f.Options());
  const auto a = first.RunBatch(f.Batch());
  EXPECT_EQ(f.Count("sbatch "), 1);
  SlurmExecutor second(runner, f.Options());
  const auto b = second.RunBatch(f.Batch());
  EXPECT_EQ(f.Count("sbatch "), 1);  // nothing submitted again
  EXPECT_EQ(second.stats().reattached, 3);
  EXPECT_THAT(f.Log(), HasSubstr("squeue -h -r --states=all -j 100 -o %i %T %j %r"));
  for (size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(a[i].value, b[i].value);

  // A different request for the same trial id is a new trial: submitted.
  CommandRunnerOptions o = f.RunnerOptions(0);
  o.command = "echo {bs}1";
  CommandRunner changed(f.space, o);
  SlurmExecutor third(changed, f.Options());
  third.RunBatch(f.Batch());
  EXPECT_EQ(f.Count("sbatch "), 2);
  EXPECT_EQ(third.stats().reattached, 0);
}

TEST(SlurmExecutorTest, FailedSbatchIsRetriedWithBackoff) {
  SlurmFixture f;
  f.Mark("fail_sbatch", "2");
  CommandRunner runner(f.space, f.RunnerOptions(0));
  SlurmExecutor exec(runner, f.Options());
  std::vector<std::string> notes;
  exec.SetProgress([&](const BatchProgress& p) {
    if (!p.note.empty()) notes.push_back(p.note);
  });
  const auto out = exec.RunBatch(f.Batch());
  for (const auto& o : out) EXPECT_TRUE(o.ok) << o.failure_reason;
  EXPECT_EQ(exec.stats().sbatch_failures, 2);
  EXPECT_EQ(exec.stats().sbatch_calls, 1);
  EXPECT_EQ(f.Count("sbatch "), 3);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_THAT(notes[0], HasSubstr("sbatch failed (try 1 of 9)"));
  EXPECT_THAT(notes[1], HasSubstr("sbatch failed (try 2 of 9)"));
  EXPECT_THAT(notes[1], HasSubstr("Unable to contact slurm controller"));
}

TEST(SlurmExecutorTest, SbatchThatKeepsFailingLetsTheRestFinishThenStops) {
  SlurmFixture f;
  CommandRunner runner(f.space, f.RunnerOptions(0));
  SlurmOptions so = f.Options();
  so.max_array_size = 1;  // three arrays, submitted at once
  so.submit_retries = 1;
  // The first array goes through; every later sbatch fails.
  f.Mark("fail_sbatch", "0");
  f.dir.Write("bin/sbatch_then_fail",
              "#!/bin/sh\n\"$(dirname \"$0\")/sbatch\" \"$@\"; rc=$?\n"
              "echo > \"$FAKE_SLURM/fail_sbatch\"\nexit $rc\n",
              true);
  so.sbatch = (f.dir.path() / "bin/sbatch_then_fail").string();
  SlurmExecutor exec(runner, so);
  std::vector<size_t> done;
  try {
    exec.RunBatch(f.Batch(), [&](size_t i, const TrialOutcome& o) {
      EXPECT_TRUE(o.ok);
      done.push_back(i);
    });
    ADD_FAILURE() << "expected an error";
  } catch (const core::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("slurm: `" + so.sbatch + " --parsable"));
    EXPECT_THAT(e.what(), HasSubstr("Unable to contact slurm controller"));
    EXPECT_THAT(e.what(),
                HasSubstr("2 trial(s) of the batch could not be submitted after 2 tries"));
  }
  EXPECT_EQ(done, std::vector<size_t>{0});
  EXPECT_EQ(exec.stats().sbatch_calls, 1);
  EXPECT_EQ(exec.stats().sbatch_failures, 4);  // two arrays, two tries each
  EXPECT_FALSE(fs::exists(f.TrialDir(11) / "job_id"));
}

TEST(SlurmExecutorTest, UnreachableSqueueNamesTheCommandAndItsStderr) {
  SlurmFixture f;
  CommandRunner runner(f.space, f.RunnerOptions(0));
  f.Mark("lose_next");  // stays in the queue as far as we know
  f.Mark("fail_squeue");
  SlurmExecutor exec(runner, f.Options());
  try {
    exec.RunBatch(f.Batch());
    ADD_FAILURE() << "expected an error";
  } catch (const core::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("`" + f.Options().squeue + " -h -r --states=all -j 100"));
    EXPECT_THAT(e.what(), HasSubstr("connect failure"));
  }
  EXPECT_EQ(f.Count("scancel 100"), 1);
}

TEST(SlurmExecutorTest, InterruptCancelsTheBatchJobs) {
  SlurmFixture f;
  ClearInterrupt();
  CommandRunner runner(f.space, f.RunnerOptions(0));
  f.Mark("lose_next");  // the first task never runs...
  // ...and squeue keeps reporting it as running.
  f.Mark("jobs", "100_0 RUNNING iorec-10\n");
  SlurmExecutor exec(runner, f.Options());
  std::vector<BatchProgress> seen;
  exec.SetProgress([&](const BatchProgress& p) {
    seen.push_back(p);
    if (p.running == 1 && p.done == 2) RequestInterrupt();
  });
  EXPECT_THROW(exec.RunBatch(f.Batch()), Interrupted);
  ClearInterrupt();
  EXPECT_EQ(f.Count("scancel 100"), 1);
  EXPECT_FALSE(fs::exists(f.TrialDir(10) / "job_id"));
  EXPECT_TRUE(fs::exists(f.TrialDir(11) / "job_id"));  // finished: kept
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front().queued, 3u);  // right after submission
}

TEST(SlurmExecutorTest, HeldJobsAreNamedInTheProgressWithHowToReleaseThem) {
  SlurmFixture f;
  ClearInterrupt();
  CommandRunner runner(f.space, f.RunnerOptions(0));
  f.Mark("lose_next");
  f.Mark("jobs", "100_0 PENDING iorec-10 launch failed requeued held\n");
  SlurmExecutor exec(runner, f.Options());
  std::string note;
  exec.SetProgress([&](const BatchProgress& p) {
    if (p.note.find("held") != std::string::npos) {
      note = p.note;
      RequestInterrupt();
    }
  });
  EXPECT_THROW(exec.RunBatch(f.Batch()), Interrupted);
  ClearInterrupt();
  EXPECT_EQ(note,
            "1 trial(s) held by Slurm (launch failed requeued held): `scontrol release 100` lets "
            "them run; Ctrl-C cancels them");
}

TEST(SlurmExecutorTest, TimeoutIsEnforcedInsideTheJob) {
  SlurmFixture f;
  CommandRunnerOptions o = f.RunnerOptions(0);
  o.command = "sleep 30";
  o.timeout_s = 0.3;
  CommandRunner runner(f.space, o);
  SlurmExecutor exec(runner, f.Options());
  const auto out = exec.RunBatch(f.Batch(1));
  EXPECT_FALSE(out[0].ok);
  EXPECT_THAT(out[0].failure_reason, HasSubstr("timed out"));
  EXPECT_TRUE(fs::exists(f.TrialDir(10) / "timed_out"));
  EXPECT_THAT(Slurp(f.TrialDir(10) / "job.sh"),
              HasSubstr("timeout -k 5 0.3 /bin/sh -c 'sleep 30'"));
}

TEST(SlurmExecutorTest, PathsWithSpacesAndQuotesReachTheJobsIntact) {
  SlurmFixture f("trials dir 'q' $(touch INJECTED)");
  CommandRunnerOptions o = f.RunnerOptions(0);
  o.command = "printf '%s\\n' \"$IOREC_TRIAL_DIR\" > where.txt; echo {bs}0";
  CommandRunner runner(f.space, o);
  SlurmOptions so = f.Options();
  so.work_dir = f.dir.path() / "slurm work %x";
  so.trials_per_job = 2;
  SlurmExecutor exec(runner, so);
  const auto out = exec.RunBatch(f.Batch());
  for (const auto& r : out) EXPECT_TRUE(r.ok) << r.failure_reason;
  EXPECT_EQ(Slurp(f.TrialDir(11) / "where.txt"), f.TrialDir(11).string() + "\n");
  EXPECT_FALSE(fs::exists("INJECTED"));
  EXPECT_FALSE(fs::exists(f.TrialDir(10) / "INJECTED"));
  // sbatch would expand %x in --output: the directory's '%' is doubled.
  EXPECT_THAT(f.Log(),
              HasSubstr("--output=" + f.dir.path().string() + "/slurm work %%x/iorec-10_%a.log"));
}

TEST(SlurmJobScriptTest, QuotesEveryValueAndRecordsTheExitCode) {
  TrialRequest r;
  r.trial_id = 7;
  TrialJob job;
  job.trial_dir = "/a b/it's";
  job.command = "echo \"$X\"; exit 3";
  job.env = {{"IOREC_KNOB_BS", "$(rm -rf /)"}};
  const std::string s = TrialJobScript(r, job);
  EXPECT_THAT(s, HasSubstr("cd '/a b/it'\\''s' || exit 1\n"));
  EXPECT_THAT(s, HasSubstr("export IOREC_KNOB_BS='$(rm -rf /)'\n"));
  EXPECT_THAT(s, HasSubstr("/bin/sh -c 'echo \"$X\"; exit 3'\n"));
  EXPECT_THAT(s, Not(HasSubstr("timeout")));
  EXPECT_THAT(s, HasSubstr("echo \"$rc\" >'exit_code.tmp' && mv -f 'exit_code.tmp' 'exit_code'"));

  const std::string a = ArrayJobScript("iorec-7", {{"/x y/1", "/x y/2"}, {"/z"}});
  EXPECT_THAT(a, HasSubstr("  0) set -- '/x y/1' '/x y/2' ;;\n  1) set -- '/z' ;;\n"));
  EXPECT_THAT(a, HasSubstr("/bin/sh \"$d/job.sh\" || rc=$?"));
}

}  // namespace
}  // namespace iorec::runner
