// Cost of the held-out evaluation and reports on the default study (examples/config.yaml):
// retraining the ensemble on the training split, kNN deployment, the baselines and the
// bootstrap CIs (evaluation.bootstrap_iters = 200), plus the contribution report.
// Target: < 20 s on the reference machine. The study itself runs once, before timing.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "iorec/config/study_config.hpp"
#include "iorec/eval/contribution.hpp"
#include "iorec/eval/heldout.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/model/xgb_ensemble.hpp"
#include "iorec/report/evaluation_outputs.hpp"
#include "iorec/runner/stub_testbed.hpp"

namespace iorec {
namespace {

struct DefaultStudy {
  config::StudyConfig cfg;
  space::WorkloadSet ws;
  loop::StudyResult res;
};

const DefaultStudy& Study() {
  // Deliberately leaked: destroying XGBoost boosters during static destruction crashes.
  static const DefaultStudy* s = [] {
    model::PrepareXgboostEnvironment();
    auto* d = new DefaultStudy();
    d->cfg =
        config::LoadStudyConfig(std::filesystem::path(IOREC_SOURCE_DIR) / "examples/config.yaml");
    d->cfg.evaluation.bootstrap_iters = 200;
    d->ws = config::LoadWorkloads(d->cfg);
    runner::StubTestbed stub(d->cfg.space, d->ws, d->cfg.seed, d->cfg.runner.noise_std);
    runner::SerialExecutor exec(stub);
    std::fprintf(stderr, "eval_bench: running the default study once (not timed)...\n");
    d->res = loop::RunStudy(d->cfg, d->ws, exec, nullptr, {});
    return d;
  }();
  return *s;
}

void RunEvaluate(benchmark::State& state, config::SplitMode split) {
  const DefaultStudy& s = Study();
  config::StudyConfig cfg = s.cfg;
  cfg.evaluation.split_mode = split;
  cfg.evaluation.temporal_split = false;
  const eval::EvalParams params = report::EvalParamsFrom(cfg);
  for (auto _ : state) {
    core::Rng rng(cfg.seed, "evaluation");
    const eval::EvalResult r = eval::Evaluate(s.res.state, s.res.matrix, params, rng);
    benchmark::DoNotOptimize(r.model.ndcg.estimate);
    state.counters["workloads_evaluated"] = static_cast<double>(r.workloads.size());
    state.counters["train_rows"] = static_cast<double>(r.train_rows);
  }
}

void BM_EvaluateHeldoutPatterns(benchmark::State& state) {
  RunEvaluate(state, config::SplitMode::kHeldoutPatterns);
}
void BM_EvaluateHeldoutConfigs(benchmark::State& state) {
  RunEvaluate(state, config::SplitMode::kHeldoutConfigsPerPattern);
}
void BM_EvaluateTemporal(benchmark::State& state) {
  RunEvaluate(state, config::SplitMode::kTemporal);
}

void BM_Contribution(benchmark::State& state) {
  const DefaultStudy& s = Study();
  for (auto _ : state) {
    const auto c = eval::ComputeContribution(s.res.state, 3, s.cfg.active.robust_score_z);
    benchmark::DoNotOptimize(c.mean_best_overall_gain);
  }
}

/// Everything WriteStudyOutputs adds for this issue: evaluation, contribution, plots (gnuplot),
/// summary.md and report.html, written to a temp directory.
void BM_WriteEvaluationOutputs(benchmark::State& state) {
  const DefaultStudy& s = Study();
  config::StudyConfig cfg = s.cfg;
  cfg.evaluation.enabled = true;
  const auto dir = std::filesystem::temp_directory_path() / "iorec_eval_bench";
  std::filesystem::create_directories(dir);
  for (auto _ : state) {
    const auto w = report::WriteEvaluationOutputs(dir, cfg, s.res);
    benchmark::DoNotOptimize(w.size());
  }
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_EvaluateHeldoutPatterns)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_EvaluateHeldoutConfigs)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_EvaluateTemporal)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_Contribution)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_WriteEvaluationOutputs)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

}  // namespace
}  // namespace iorec

BENCHMARK_MAIN();
