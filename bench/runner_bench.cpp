// Runner and executor overheads.
//   ./runner_bench                       # command runner + local pool
//   SLURM_CONF=... ./runner_bench        # also the Slurm batch (scripts/slurm-local.sh start)
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "iorec/runner/command_runner.hpp"
#include "iorec/runner/executors.hpp"

namespace {

using namespace iorec;
namespace fs = std::filesystem;

struct Setup {
  space::Space space;
  space::WorkloadSet ws;
  fs::path dir;
  Setup() {
    space::Knob k;
    k.name = "x";
    k.values = {space::KnobValue::Int(1, "1"), space::KnobValue::Int(2, "2")};
    space = space::Space({k});
    ws.feature_names = {"nprocs"};
    ws.workloads.push_back({"w", {1}, "", {}});
    dir = fs::temp_directory_path() / ("iorec_runner_bench_" + std::to_string(::getpid()));
    fs::create_directories(dir);
  }
  ~Setup() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  runner::CommandRunnerOptions Options(const std::string& cmd) const {
    runner::CommandRunnerOptions o;
    o.command = cmd;
    o.metric.kind = runner::MetricSpec::Kind::kStdoutLastNumber;
    o.trials_root = dir / "trials";
    o.config_dir = dir;
    return o;
  }
  std::vector<runner::TrialRequest> Batch(size_t n) const {
    std::vector<runner::TrialRequest> b(n);
    for (size_t i = 0; i < n; ++i) {
      b[i].workload = &ws.workloads[0];
      b[i].config = space::Config({static_cast<uint8_t>(i % 2)});
      b[i].trial_id = i + 1;
    }
    return b;
  }
};

/// Overhead of one no-op command trial: trial dir, files, spawn, wait, metric.
void BM_CommandRunnerNoop(benchmark::State& state) {
  Setup s;
  runner::CommandRunner r(s.space, s.Options("echo {x}"));
  auto batch = s.Batch(1);
  for (auto _ : state) {
    auto o = r.Run(batch[0]);
    if (!o.ok) state.SkipWithError(o.failure_reason.c_str());
    ++batch[0].trial_id;
  }
}
BENCHMARK(BM_CommandRunnerNoop)->Unit(benchmark::kMillisecond);

/// 4 one-second sleeps with parallel_trials 1 and 2.
void BM_LocalPoolSleeps(benchmark::State& state) {
  Setup s;
  runner::CommandRunner r(s.space, s.Options("sleep 1; echo 1"));
  runner::LocalExecutor exec(r, static_cast<int>(state.range(0)));
  for (auto _ : state) exec.RunBatch(s.Batch(4));
}
BENCHMARK(BM_LocalPoolSleeps)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// One batch of 16 trivial trials on Slurm (needs SLURM_CONF of a running cluster).
void BM_SlurmBatch16(benchmark::State& state) {
  if (!std::getenv("SLURM_CONF")) {
    state.SkipWithError("SLURM_CONF not set: start scripts/slurm-local.sh first");
    return;
  }
  Setup s;
  runner::CommandRunner r(s.space, s.Options("echo {x}"));
  runner::SlurmOptions so;
  so.poll_s = 0.25;
  so.work_dir = s.dir / "slurm";
  runner::SlurmExecutor exec(r, so);
  uint64_t base = 0;
  for (auto _ : state) {
    auto b = s.Batch(16);
    for (auto& t : b) t.trial_id += base;
    base += 16;
    exec.RunBatch(b);
  }
}
BENCHMARK(BM_SlurmBatch16)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
