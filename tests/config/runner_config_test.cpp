// The `runner` section: command and real modes, executors, Slurm settings, validation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace iorec::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Problems;
using testing::TempDir;

std::string Knobs(const std::string& extra) {
  return R"(
parameters:
  - {name: bs, values: ["4k", "64k"]}
  - {name: iodepth, values: [1, 8]}
warm_start: {target_size: 4}
)" + extra;
}

TEST(RunnerConfigTest, CommandModeWithEveryKey) {
  const StudyConfig cfg = ParseStudyConfig(Knobs(R"(
runner:
  mode: command
  command: "fio.sh --bs {bs} --iodepth {iodepth} --dir {trial_dir} > out.json"
  metric: file_json:out.json
  metric_key: jobs.0.read.bw
  timeout_s: 120
  max_retries: 2
  retry_backoff_s: 0.5
  objective: minimize
  metric_unit: s
  executor: slurm
  parallel_trials: 4
  slurm:
    partition: debug
    account: proj
    time: "00:10:00"
    nodes: 2
    ntasks: 8
    extra_args: "--qos=low  --exclusive"
    poll_s: 0.5
)"),
                                           "config.yaml");
  const RunnerConfig& r = cfg.runner;
  EXPECT_EQ(r.mode, RunnerMode::kCommand);
  EXPECT_EQ(r.metric, "file_json:out.json");
  EXPECT_EQ(r.CommandMetricKey(), "jobs.0.read.bw");
  EXPECT_DOUBLE_EQ(r.timeout_s, 120.0);
  EXPECT_EQ(r.max_retries, 2);
  EXPECT_DOUBLE_EQ(r.retry_backoff_s, 0.5);
  EXPECT_EQ(r.objective, Objective::kMinimize);
  EXPECT_EQ(r.MetricName(), "jobs.0.read.bw");
  EXPECT_EQ(r.MetricUnit(), "s");
  EXPECT_EQ(r.executor, ExecutorKind::kSlurm);
  EXPECT_EQ(r.parallel_trials, 4);
  EXPECT_EQ(r.slurm.partition, "debug");
  EXPECT_EQ(r.slurm.account, "proj");
  EXPECT_EQ(r.slurm.time, "00:10:00");
  EXPECT_EQ(r.slurm.nodes, 2);
  EXPECT_EQ(r.slurm.ntasks, 8);
  EXPECT_EQ(r.slurm.extra_args, (std::vector<std::string>{"--qos=low", "--exclusive"}));
  EXPECT_DOUBLE_EQ(r.slurm.poll_s, 0.5);
}

TEST(RunnerConfigTest, Defaults) {
  const StudyConfig cfg =
      ParseStudyConfig(Knobs("runner: {mode: command, command: 'echo 1'}\n"), "config.yaml");
  EXPECT_EQ(cfg.runner.metric, "stdout_json");
  EXPECT_EQ(cfg.runner.CommandMetricKey(), "agg_perf_by_slowest");
  EXPECT_EQ(cfg.runner.real.metric_key, "agg_perf_by_slowest");
  EXPECT_EQ(cfg.runner.objective, Objective::kMaximize);
  EXPECT_EQ(cfg.runner.MetricUnit(), "");  // a command's metric has no known unit
  EXPECT_EQ(cfg.runner.executor, ExecutorKind::kLocal);
  EXPECT_EQ(cfg.runner.parallel_trials, 0);
  EXPECT_EQ(cfg.runner.max_retries, 0);
  EXPECT_TRUE(cfg.runner.slurm.extra_args.empty());
  const StudyConfig list = ParseStudyConfig(
      Knobs("runner: {mode: command, command: 'x', slurm: {extra_args: [--a, '--b c']}}\n"),
      "config.yaml");
  EXPECT_EQ(list.runner.slurm.extra_args, (std::vector<std::string>{"--a", "--b c"}));
}

TEST(RunnerConfigTest, UnknownPlaceholderAndMissingCommand) {
  EXPECT_THAT(Problems(Knobs("runner: {mode: command, command: 'run {bs} {block_size}'}\n")),
              ElementsAre(AllOf(HasSubstr("config.yaml: runner.command: unknown placeholder "
                                          "{block_size}; known: workload, workload_file"),
                                HasSubstr("bs, iodepth"))));
  EXPECT_THAT(Problems(Knobs("runner: {mode: command}\n")),
              ElementsAre("config.yaml: runner.command: required key missing (runner.mode is "
                          "'command')"));
  // Shell syntax is not a placeholder.
  EXPECT_NO_THROW(ParseStudyConfig(
      Knobs("runner: {mode: command, command: 'echo ${HOME} | awk \"{print $1}\" {{x}}'}\n"),
      "config.yaml"));
}

TEST(RunnerConfigTest, PlaceholdersNoQuotingCanProtectAreConfigErrors) {
  EXPECT_THAT(Problems(Knobs("runner: {mode: command, command: 'echo `cat {bs}`'}\n")),
              ElementsAre("config.yaml: runner.command: placeholder {bs} inside backquotes "
                          "cannot be quoted safely; write $(...) instead of backquotes"));
  EXPECT_THAT(Problems(Knobs("runner: {mode: command, command: 'echo $(( {bs} + {iodepth} ))'}\n")),
              ElementsAre("config.yaml: runner.command: placeholder {bs} stands in $((...)), "
                          "which takes integers only; got '4k'"));
  EXPECT_NO_THROW(ParseStudyConfig(
      Knobs("runner: {mode: command, command: 'echo \"{bs}\" $(( {iodepth} * 2 ))'}\n"),
      "config.yaml"));
}

TEST(RunnerConfigTest, KnobNamesMustBeEnvironmentNames) {
  const auto p = Problems(R"(
parameters:
  - {name: block-size, values: [1, 2]}
  - {name: seed, values: [1, 2]}
  - {name: Depth, values: [1, 2]}
  - {name: depth, values: [1, 2]}
warm_start: {target_size: 5}
runner: {mode: command, command: "echo 1"}
)");
  EXPECT_THAT(p, Contains(HasSubstr("parameters: knob name 'block-size' is not a valid "
                                    "environment variable name")));
  EXPECT_THAT(p,
              Contains(HasSubstr("knob name 'seed' clashes with the command placeholder {seed}")));
  EXPECT_THAT(p, Contains(HasSubstr("knobs 'Depth' and 'depth' both map to the environment "
                                    "variable IOREC_KNOB_DEPTH")));
  // The stub does not care.
  EXPECT_NO_THROW(ParseStudyConfig(R"(
parameters:
  - {name: block-size, values: [1, 2]}
warm_start: {target_size: 3}
)",
                                   "config.yaml"));
}

TEST(RunnerConfigTest, BadValues) {
  const auto p = Problems(Knobs(R"(
runner:
  mode: command
  command: "x"
  metric: stdout
  objective: fastest
  executor: cloud
  parallel_trials: 0
  timeout_s: -1
  max_retries: -2
  slurm: {nodes: 0, poll_s: 0, color: red}
)"));
  EXPECT_THAT(p, Contains(HasSubstr("runner.metric: unknown metric source 'stdout'")));
  EXPECT_THAT(p, Contains(HasSubstr("runner.objective: ")));
  EXPECT_THAT(p, Contains(HasSubstr("runner.executor: ")));
  EXPECT_THAT(p, Contains("config.yaml: runner.parallel_trials: must be >= 1, got 0"));
  EXPECT_THAT(p, Contains("config.yaml: runner.timeout_s: must be in [0, 2592000], got -1"));
  EXPECT_THAT(p, Contains("config.yaml: runner.max_retries: must be >= 0, got -2"));
  EXPECT_THAT(p, Contains("config.yaml: runner.slurm.nodes: must be >= 1, got 0"));
  EXPECT_THAT(p, Contains("config.yaml: runner.slurm.poll_s: must be in (0, 3600], got 0"));
  EXPECT_THAT(p, Contains(HasSubstr("config.yaml: runner.slurm.color: unknown key")));
}

TEST(RunnerConfigTest, RealModeResolvesPathsAndChecksTheSynthesizer) {
  TempDir dir;
  dir.Write("synth/scripts/features2synth_opsaware.py", "# fake\n");
  const auto cfg_path = dir.Write("study.yaml", Knobs(R"(
runner: {mode: real, io_synth_root: synth, out_root: out, flush_wait_sec: 0}
)"));
  const StudyConfig cfg = LoadStudyConfig(cfg_path);
  EXPECT_EQ(cfg.runner.mode, RunnerMode::kReal);
  EXPECT_EQ(cfg.runner.real.io_synth_root, (dir.path() / "synth").string());
  EXPECT_EQ(cfg.runner.real.out_root, (dir.path() / "out").string());
  EXPECT_EQ(cfg.runner.real.launcher, "mpiexec -n {nprocs}");
  EXPECT_EQ(cfg.runner.real.synth_binary, "mpi_synthio");  // a bare name: looked up on PATH
  EXPECT_TRUE(cfg.runner.real.require_lustre);

  // Every path is resolved once, against the config's directory, whatever the cwd.
  const auto rel = dir.Write("sub/rel.yaml", Knobs(R"(
runner: {mode: real, io_synth_root: ../synth, out_root: out, synth_binary: bin/mpi_synthio,
         darshan_lib: ../d/lib/libdarshan.so, launcher: "srun -n {nprocs}", require_lustre: no,
         warmup_runs: 2}
)"));
  const StudyConfig r = LoadStudyConfig(rel);
  EXPECT_EQ(r.runner.real.io_synth_root, (dir.path() / "synth").string());
  EXPECT_EQ(r.runner.real.out_root, (dir.path() / "sub/out").string());
  EXPECT_EQ(r.runner.real.synth_binary, (dir.path() / "sub/bin/mpi_synthio").string());
  EXPECT_EQ(r.runner.real.darshan_lib, (dir.path() / "d/lib/libdarshan.so").string());
  EXPECT_EQ(r.runner.real.launcher, "srun -n {nprocs}");
  EXPECT_FALSE(r.runner.real.require_lustre);
  EXPECT_EQ(r.runner.real.warmup_runs, 2);
  // `-c rel.yaml` (no directory part): absolute paths too, since trials run in their own
  // directories.
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path() / "sub");
  const StudyConfig bare = LoadStudyConfig("rel.yaml");
  std::filesystem::current_path(cwd);
  EXPECT_EQ(bare.runner.real.synth_binary, (dir.path() / "sub/bin/mpi_synthio").string());
  EXPECT_EQ(bare.runner.real.out_root, (dir.path() / "sub/out").string());
  EXPECT_THAT(Problems(Knobs("runner: {mode: real, io_synth_root: /x, out_root: /y, dry_run: "
                             "true, launcher: mpiexec, io_api: hdf5}\n")),
              AllOf(Contains("config.yaml: runner.launcher: must hold {nprocs} (e.g. 'mpiexec -n "
                             "{nprocs}'), got 'mpiexec'"),
                    Contains("config.yaml: runner.io_api: must be one of posix, mpiio, auto, got "
                             "'hdf5'")));

  const auto p = Problems(Knobs("runner: {mode: real, io_synth_root: /nonexistent/synth}\n"));
  EXPECT_THAT(p, Contains("config.yaml: runner.io_synth_root: the synthesizer script "
                          "/nonexistent/synth/scripts/features2synth_opsaware.py does not exist"));
  EXPECT_THAT(p, Contains("config.yaml: runner.out_root: required for runner.mode 'real'"));
  EXPECT_THAT(Problems(Knobs("runner: {mode: real, io_synth_root: /x, out_root: /y, dry_run: true, "
                             "parallel_trials: 2}\n")),
              ElementsAre(HasSubstr("runner.parallel_trials: must be 1 with runner.mode 'real'")));
}

TEST(RunnerConfigTest, StubCannotRunOnSlurm) {
  EXPECT_THAT(Problems(Knobs("runner: {executor: slurm}\n")),
              ElementsAre(HasSubstr("runner.executor: 'slurm' needs runner.mode 'command' or "
                                    "'real'")));
}

}  // namespace
}  // namespace iorec::config
