#include "iorec/runner/command_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "iorec/core/error.hpp"
#include "iorec/runner/executors.hpp"
#include "iorec/runner/process.hpp"
#include "test_util.hpp"

namespace iorec::runner {
namespace {

using ::testing::HasSubstr;
using testing::Slurp;
using testing::SmallSpace;
using testing::TempDir;
using testing::WaitForExit;
using testing::WaitForFile;

// ---- Templates and metrics ------------------------------------------------------------

TEST(MetricTest, LastJsonObjectIncludingMultiLineAndNested) {
  auto r = ExtractJsonMetric(
      "noise {\"agg_perf_by_slowest\": 1}\nlog line\n{\n  \"agg_perf_by_slowest\": "
      "2.5,\n  \"jobs\": [{\"read\": {\"bw\": 7}}]\n}\ntrailer\n",
      "agg_perf_by_slowest");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_DOUBLE_EQ(r.value, 2.5);
  const std::string text = "{\"jobs\": [{\"read\": {\"bw\": 7}}]}";
  EXPECT_DOUBLE_EQ(ExtractJsonMetric(text, "jobs.0.read.bw").value, 7.0);
  EXPECT_DOUBLE_EQ(ExtractJsonMetric(text, "/jobs/0/read/bw").value, 7.0);
}

TEST(MetricTest, JsonFailures) {
  EXPECT_THAT(ExtractJsonMetric("no json here", "k").error, HasSubstr("no JSON object"));
  EXPECT_THAT(ExtractJsonMetric("{\"a\": 1}", "k").error, HasSubstr("'k' not found"));
  EXPECT_THAT(ExtractJsonMetric("{\"k\": \"fast\"}", "k").error, HasSubstr("not a number"));
}

TEST(MetricTest, LastNumber) {
  auto r = ExtractLastNumber("bandwidth 12.5\n 3e2 MiB/s\ndone\n");
  ASSERT_TRUE(r.ok);
  EXPECT_DOUBLE_EQ(r.value, 300.0);
  EXPECT_FALSE(ExtractLastNumber("nothing").ok);
  auto n = ExtractLastNumber("result nan\n");
  ASSERT_TRUE(n.ok);
  TrialOutcome o;
  SetMetric(o, n);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.failure_reason, "metric is NaN");
}

TEST(MetricTest, ParseSpec) {
  std::string why;
  EXPECT_EQ(ParseMetricSpec("file_json:out/m.json", &why)->path, "out/m.json");
  EXPECT_EQ(ParseMetricSpec("darshan:*.darshan", &why)->kind, MetricSpec::Kind::kDarshan);
  EXPECT_FALSE(ParseMetricSpec("file_json:", &why));
  EXPECT_FALSE(ParseMetricSpec("file_json:/abs", &why));
  EXPECT_FALSE(ParseMetricSpec("stdout", &why));
  EXPECT_THAT(why, HasSubstr("unknown metric source 'stdout'"));
}

// ---- The command runner ---------------------------------------------------------------

struct Fixture {
  TempDir dir;
  space::Space space = SmallSpace({"bs", "depth"});
  space::WorkloadSet ws;
  Fixture() {
    ws.feature_names = {"pct_read", "nprocs"};
    ws.workloads.push_back({"wl_a", {0.25, 4}, "", {{"io_api", "posix"}}});
    ws.workloads.push_back({"wl_b", {0.75, 8}, "", {}});
  }
  CommandRunnerOptions Options(const std::string& command) const {
    CommandRunnerOptions o;
    o.command = command;
    o.trials_root = dir.path() / "trials";
    o.config_dir = dir.path();
    o.seed = 11;
    o.feature_names = ws.feature_names;
    o.retry.backoff_s = 0.0;
    return o;
  }
  TrialRequest Request(uint32_t w, std::vector<uint8_t> levels, uint64_t id) const {
    TrialRequest r;
    r.workload_index = w;
    r.workload = &ws.workloads[w];
    r.config = space::Config(std::move(levels));
    r.trial_id = id;
    return r;
  }
};

TEST(CommandRunnerTest, PlaceholdersEnvironmentAndTrialDirectory) {
  Fixture f;
  CommandRunner runner(
      f.space, f.Options("echo \"$IOREC_WORKLOAD $IOREC_KNOB_BS $IOREC_KNOB_DEPTH {bs} {depth} "
                         "{replicate} $(pwd)\" > seen.txt; cat {workload_file} > wl.json; "
                         "echo '{\"agg_perf_by_slowest\": {bs}{depth}}'"));
  const auto out = runner.Run(f.Request(0, {1, 2}, 17));
  ASSERT_TRUE(out.ok) << out.failure_reason << out.stderr_tail;
  EXPECT_DOUBLE_EQ(out.value, 23.0);
  const auto dir = f.dir.path() / "trials" / "wl_a" / "17";
  EXPECT_EQ(out.trial_dir, dir.string());
  EXPECT_EQ(Slurp(dir / "seen.txt"), "wl_a 2 3 2 3 0 " + dir.string() + "\n");
  const auto wl = nlohmann::json::parse(Slurp(dir / "wl.json"));
  EXPECT_EQ(wl["id"], "wl_a");
  EXPECT_DOUBLE_EQ(wl["pct_read"].get<double>(), 0.25);
  EXPECT_EQ(wl["io_api"], "posix");
  EXPECT_TRUE(std::filesystem::exists(dir / "request.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "outcome.json"));
  EXPECT_EQ(out.stdout_tail, "{\"agg_perf_by_slowest\": 23}\n");
}

TEST(CommandRunnerTest, WorkloadFileIsTheSourceFileWhenThereIsOne) {
  Fixture f;
  f.ws.workloads[0].source_file = f.dir.Write("wl_a.json", "{\"pct_read\": 0.25}").string();
  auto o = f.Options("echo {workload_file}; echo 1");
  o.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
  CommandRunner runner(f.space, o);
  const auto out = runner.Run(f.Request(0, {0, 0}, 1));
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(out.stdout_tail, f.ws.workloads[0].source_file + "\n1\n");
}

TEST(CommandRunnerTest, SeedIsDeterministicPerWorkloadConfigAndReplicate) {
  Fixture f;
  const auto a = TrialSeed(7, "w", space::Config({1, 2}), 0);
  EXPECT_EQ(a, TrialSeed(7, "w", space::Config({1, 2}), 0));
  EXPECT_NE(a, TrialSeed(7, "w", space::Config({1, 2}), 1));
  EXPECT_NE(a, TrialSeed(8, "w", space::Config({1, 2}), 0));
  EXPECT_LT(a, 2147483648ULL);
}

TEST(CommandRunnerTest, FailuresAreData) {
  Fixture f;
  auto run = [&](const std::string& cmd, CommandRunnerOptions o) {
    o.command = cmd;
    CommandRunner r(f.space, o);
    return r.Run(f.Request(1, {0, 0}, 5));
  };
  auto o = f.Options("x");
  EXPECT_EQ(run("echo oops >&2; exit 3", o).failure_reason, "exit code 3");
  EXPECT_EQ(run("echo oops >&2; exit 3", o).stderr_tail, "oops\n");
  EXPECT_THAT(run("kill -9 $$", o).failure_reason, HasSubstr("killed by signal 9"));
  EXPECT_EQ(run("echo hello", o).failure_reason, "no JSON object in the output");
  EXPECT_EQ(run("echo '{\"x\": 1}'", o).failure_reason,
            "metric key 'agg_perf_by_slowest' not found in the last JSON object");
  auto last = o;
  last.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
  EXPECT_EQ(run("echo inf", last).failure_reason, "metric is infinite");
  auto file = o;
  file.metric = *ParseMetricSpec("file_json:res/m.json", nullptr);
  file.metric.key = "iops";
  EXPECT_EQ(run("true", file).failure_reason, "metric file res/m.json is missing");
  const auto ok = run("mkdir res; echo '{\"iops\": 42}' > res/m.json", file);
  EXPECT_TRUE(ok.ok) << ok.failure_reason;
  EXPECT_DOUBLE_EQ(ok.value, 42.0);
}

TEST(CommandRunnerTest, ReportsTheMetricAsMeasured) {
  Fixture f;
  auto o = f.Options("echo 12.5");
  o.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
  CommandRunner r(f.space, o);
  const auto out = r.Run(f.Request(0, {0, 0}, 1));
  ASSERT_TRUE(out.ok);
  EXPECT_DOUBLE_EQ(out.value, 12.5);  // the study, not the runner, applies the objective
}

TEST(CommandRunnerTest, TimeoutKillsTheWholeProcessGroup) {
  Fixture f;
  auto o = f.Options("sleep 300 & echo $! > bg.pid; sleep 300");
  o.timeout_s = 0.3;
  CommandRunner r(f.space, o);
  const auto out = r.Run(f.Request(0, {0, 0}, 1));  // returns long before 300 s, or hangs
  EXPECT_FALSE(out.ok);
  EXPECT_THAT(out.failure_reason, HasSubstr("timed out after"));
  const pid_t bg = std::stoi(Slurp(std::filesystem::path(out.trial_dir) / "bg.pid"));
  // The background sleep was in the trial's process group: it was killed with it.
  EXPECT_TRUE(WaitForExit(bg));
}

TEST(CommandRunnerTest, RetriesUntilSuccessKeepingEarlierLogs) {
  Fixture f;
  const auto counter = f.dir.path() / "count";
  auto o =
      f.Options("n=$(cat " + counter.string() + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " +
                counter.string() + "; echo attempt $n; [ $n -ge 3 ] && echo 99 || exit 1");
  o.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
  o.retry.max_retries = 2;
  o.retry.backoff_s = 0.01;
  CommandRunner r(f.space, o);
  const auto out = r.Run(f.Request(0, {0, 0}, 1));
  ASSERT_TRUE(out.ok) << out.failure_reason;
  EXPECT_EQ(out.attempts, 3);
  EXPECT_DOUBLE_EQ(out.value, 99.0);
  EXPECT_EQ(Slurp(std::filesystem::path(out.trial_dir) / "stdout.attempt1.txt"), "attempt 1\n");

  std::filesystem::remove(counter);
  o.retry.max_retries = 1;
  CommandRunner r2(f.space, o);
  const auto failed = r2.Run(f.Request(0, {0, 0}, 2));
  EXPECT_FALSE(failed.ok);
  EXPECT_EQ(failed.attempts, 2);
  EXPECT_EQ(failed.failure_reason, "exit code 1");
}

TEST(CommandRunnerTest, KnobValuesAreQuotedNotRun) {
  // Issue 15: `command: "echo {k}"` with the value "$(touch /tmp/X)" created the file.
  Fixture f;
  const auto marker = f.dir.path() / "X";
  space::Knob k;
  k.name = "k";
  k.values = {space::KnobValue::String("$(touch " + marker.string() + ")"),
              space::KnobValue::String("it's `touch " + marker.string() + "`; a  b")};
  const space::Space space({k});
  auto o = f.Options("echo {k}; echo \"{k}\" '{k}' >&2; echo 1");
  o.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
  CommandRunner runner(space, o);
  for (uint8_t level = 0; level < 2; ++level) {
    const auto out = runner.Run(f.Request(0, {level}, 1 + level));
    ASSERT_TRUE(out.ok) << out.failure_reason << out.stderr_tail;
    const std::string& v = k.values[level].text();
    EXPECT_EQ(out.stdout_tail, v + "\n1\n");
    EXPECT_EQ(out.stderr_tail, v + " " + v + "\n");
  }
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(CommandRunnerTest, WorkloadNamedLikeACommandRunsNothing) {
  // Issue 15: a workload file named `x;touch P.json` ran `touch P` in every trial.
  Fixture f;
  const auto file = f.dir.Write("x;touch P.json", "{\"pct_read\": 0.25, \"nprocs\": 4}");
  f.ws.workloads[0].id = "x;touch P";
  f.ws.workloads[0].source_file = file.string();
  auto o = f.Options("echo {workload}; cat {workload_file} >/dev/null && echo 1");
  o.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
  CommandRunner runner(f.space, o);
  const auto out = runner.Run(f.Request(0, {0, 0}, 1));
  ASSERT_TRUE(out.ok) << out.failure_reason << out.stderr_tail;
  EXPECT_EQ(out.stdout_tail, "x;touch P\n1\n");
  const auto trial_dir = std::filesystem::path(out.trial_dir);
  EXPECT_EQ(trial_dir.parent_path().filename(), SafeDirName("x;touch P"));
  EXPECT_FALSE(std::filesystem::exists(trial_dir / "P"));
  EXPECT_FALSE(std::filesystem::exists(f.dir.path() / "P"));
}

TEST(CommandRunnerTest, PathsWithSpacesQuotesAndNonAsciiWork) {
  // Issue 15: with a space in --output-dir, {trial_dir} became three arguments; a config in
  // `/tmp/fio ex` failed every trial.
  Fixture f;
  const std::string odd = "it's a \"dir\" \xc3\xa9t\xc3\xa9 $(touch P)";
  const auto config_dir = f.dir.path() / ("cfg " + odd);
  f.dir.Write("cfg " + odd + "/bench.sh",
              "printf '%s\\n' \"$#\" \"$1\" \"$2\" > args.txt\n"
              "mkdir -p 'res dir' && echo '{\"bw\": 5}' > 'res dir/m 1.json'\n");
  const auto wl = f.dir.Write("wl " + odd + ".json", "{\"pct_read\": 0.25, \"nprocs\": 4}");
  f.ws.workloads[0].source_file = wl.string();
  auto o = f.Options("sh {config_dir}/bench.sh {trial_dir} {workload_file}");
  o.trials_root = f.dir.path() / ("out " + odd) / "trials";
  o.config_dir = config_dir;
  o.metric = *ParseMetricSpec("file_json:res dir/m 1.json", nullptr);
  o.metric.key = "bw";
  CommandRunner runner(f.space, o);
  const auto out = runner.Run(f.Request(0, {0, 0}, 1));
  ASSERT_TRUE(out.ok) << out.failure_reason << out.stderr_tail;
  EXPECT_DOUBLE_EQ(out.value, 5.0);
  EXPECT_EQ(out.trial_dir, (o.trials_root / "wl_a" / "1").string());
  EXPECT_EQ(Slurp(std::filesystem::path(out.trial_dir) / "args.txt"),
            "2\n" + out.trial_dir + "\n" + wl.string() + "\n");
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(out.trial_dir) / "P"));
}

TEST(CommandRunnerTest, DarshanGlobReadsTheNewestLog) {
  // Issue 15: `darshan:<glob>` read the last match by name, not the newest file.
  Fixture f;
  const auto log = std::filesystem::path(IOREC_TEST_DATA) / "darshan" / "combined.darshan";
  auto o = f.Options("cp '" + log.string() + "' a.darshan && echo broken > z.darshan");
  o.metric = *ParseMetricSpec("darshan:*.darshan", nullptr);
  o.trials_root = f.dir.path() / "out [1]" / "trials";  // glob characters in the path
  CommandRunner runner(f.space, o);
  using Clock = std::filesystem::file_time_type::clock;
  const auto first = runner.Run(f.Request(0, {0, 0}, 1));  // whichever it read
  const auto dir = std::filesystem::path(first.trial_dir);
  ASSERT_TRUE(std::filesystem::exists(dir / "z.darshan")) << first.stderr_tail;
  // z.darshan (last by name) is older than a.darshan: the newest, a valid log, is read.
  std::filesystem::last_write_time(dir / "z.darshan", Clock::now() - std::chrono::hours(2));
  std::filesystem::last_write_time(dir / "a.darshan", Clock::now() - std::chrono::hours(1));
  ProcessResult done;
  done.started = true;
  done.exit_code = 0;
  const TrialJob job = runner.Plan(f.Request(0, {0, 0}, 1));
  const auto newest_valid = runner.Finish(f.Request(0, {0, 0}, 1), job, done);
  EXPECT_TRUE(newest_valid.ok) << newest_valid.failure_reason;
  EXPECT_GT(newest_valid.value, 0.0);
  std::filesystem::last_write_time(dir / "z.darshan", Clock::now());
  const auto newest_broken = runner.Finish(f.Request(0, {0, 0}, 1), job, done);
  EXPECT_FALSE(newest_broken.ok);
  EXPECT_THAT(newest_broken.failure_reason, HasSubstr("cannot read Darshan log z.darshan"));
}

TEST(CommandRunnerTest, RerunningATrialFirstKillsWhatADeadRunLeftRunning) {
  // Issue 15: a resumed study re-ran trials while the orphans of the killed run still wrote
  // into the same trial directories.
  Fixture f;
  auto o = f.Options("echo 7");
  o.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
  CommandRunner runner(f.space, o);
  const auto request = f.Request(0, {0, 0}, 3);
  const auto trial_dir = runner.TrialDir(request);
  std::filesystem::create_directories(trial_dir);
  testing::Group orphan(trial_dir, "sleep 300 & echo $! > bg; exec sleep 300");
  orphan.WriteFile(trial_dir / kGroupFile, orphan.start, testing::BootId());
  const auto out = runner.Run(request);
  EXPECT_TRUE(WaitForExit(orphan.leader));
  EXPECT_TRUE(WaitForExit(orphan.member));
  ASSERT_TRUE(out.ok) << out.failure_reason;
  EXPECT_DOUBLE_EQ(out.value, 7.0);
  EXPECT_FALSE(std::filesystem::exists(trial_dir / kGroupFile));
  EXPECT_FALSE(std::filesystem::exists(trial_dir / "bg"));  // a fresh directory
}

TEST(CommandRunnerTest, RejectsBadTemplatesAndKnobNames) {
  Fixture f;
  EXPECT_THROW(CommandRunner(f.space, f.Options("echo {nope}")), core::InputError);
  const auto bad = SmallSpace({"stripe-count"});
  EXPECT_THROW(CommandRunner(bad, f.Options("echo 1")), core::InputError);
}

// ---- The local executor ---------------------------------------------------------------

TEST(LocalExecutorTest, RunsConcurrentlyAndReturnsResultsInRequestOrder) {
  Fixture f;
  // Trial i (bs = i + 1) finishes only after trial i + 1 was reported: later trials finish
  // first, which only three trials running at once can do. The wait is bounded (60 s).
  const std::string mark = (f.dir.path() / "done").string();
  auto o = f.Options("b={bs}; n=0; while [ $b -lt 3 ] && [ ! -e " + mark +
                     "$((b + 1)) ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done; "
                     "echo {bs}{depth}");
  o.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
  CommandRunner r(f.space, o);
  std::vector<TrialRequest> batch;
  for (uint8_t i = 0; i < 3; ++i) batch.push_back(f.Request(i % 2, {i, i}, i + 1u));
  LocalExecutor exec(r, 3);
  std::vector<size_t> order;
  const auto out = exec.RunBatch(batch, [&](size_t i, const TrialOutcome&) {
    order.push_back(i);
    std::ofstream(mark + std::to_string(i + 1)) << "";
  });
  ASSERT_EQ(out.size(), 3u);
  EXPECT_DOUBLE_EQ(out[0].value, 11.0);
  EXPECT_DOUBLE_EQ(out[1].value, 22.0);
  EXPECT_DOUBLE_EQ(out[2].value, 33.0);
  EXPECT_EQ(order, (std::vector<size_t>{2, 1, 0}));
}

TEST(LocalExecutorTest, InterruptKillsRunningTrialsAndThrows) {
  Fixture f;
  ClearInterrupt();
  // Trial 1 prints its metric at once; trials 2-4 mark that they started and sleep.
  auto o = f.Options(
      "if [ {bs} = 1 ]; then echo 1; else touch ../started_$(basename $PWD); "
      "sleep 300; fi");
  o.metric.kind = MetricSpec::Kind::kStdoutLastNumber;
  CommandRunner r(f.space, o);
  std::vector<TrialRequest> batch;
  for (uint8_t i = 0; i < 4; ++i)
    batch.push_back(f.Request(0, {static_cast<uint8_t>(i == 0 ? 0 : 1), 0}, i + 1u));
  LocalExecutor exec(r, 2);
  std::vector<size_t> done;
  const auto dir = f.dir.path() / "trials" / "wl_a";
  // Ctrl-C once trial 1 is done and trials 2 and 3 run (the pool has two threads).
  std::thread ctrl_c([&] {
    WaitForFile(dir / "started_2");
    WaitForFile(dir / "started_3");
    RequestInterrupt();
  });
  try {
    exec.RunBatch(batch, [&](size_t i, const TrialOutcome&) { done.push_back(i); });
    ADD_FAILURE() << "expected Interrupted";
  } catch (const Interrupted& e) {
    EXPECT_THAT(e.what(), HasSubstr("1 of 4 trials of the batch finished"));
  }
  ctrl_c.join();
  ClearInterrupt();
  EXPECT_EQ(done, (std::vector<size_t>{0}));
  EXPECT_FALSE(std::filesystem::exists(dir / "2" / "outcome.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / "4"));  // never started
}

}  // namespace
}  // namespace iorec::runner
