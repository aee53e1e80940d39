// Surrogate cost at study scale: a 6-member ranking ensemble over 90 columns
// (35 workload features + 55 one-hot config columns), trained on 25 groups x 72 rows,
// predicting 12,000 candidate configurations of one workload; and the loop's per-workload
// GPs (hyperparameter fit over 25 workloads x 69 runs, scoring 12,000 candidates).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "iorec/core/rng.hpp"
#include "iorec/model/local_gp.hpp"
#include "iorec/model/xgb_ensemble.hpp"

namespace iorec::model {
namespace {

constexpr size_t kWorkloadCols = 35;
constexpr size_t kParams = 11;
constexpr size_t kLevels = 5;
constexpr size_t kCols = kWorkloadCols + kParams * kLevels;  // 90
constexpr size_t kGroups = 25;
constexpr size_t kRowsPerGroup = 72;
constexpr size_t kCandidates = 12000;

struct Problem {
  std::vector<double> effect;       // per (param, level)
  std::vector<double> interaction;  // per (param, level), scaled by workload feature 0
  Dataset train;
  std::vector<float> candidates;  // kCandidates x kCols
};

// Appends one row: workload features, then a random configuration; returns its gain.
double AddRow(const Problem& p, const std::vector<float>& workload, core::Rng& rng,
              std::vector<float>& x) {
  const size_t offset = x.size();
  x.insert(x.end(), workload.begin(), workload.end());
  x.resize(offset + kCols, 0.0f);
  double gain = 0.0;
  for (size_t k = 0; k < kParams; ++k) {
    const size_t level = rng.UniformInt(kLevels);
    x[offset + kWorkloadCols + k * kLevels + level] = 1.0f;
    gain += p.effect[k * kLevels + level] + workload[0] * p.interaction[k * kLevels + level];
  }
  return gain + 0.3 * rng.Normal();
}

std::vector<float> RandomWorkload(core::Rng& rng) {
  std::vector<float> w(kWorkloadCols);
  for (auto& v : w) v = static_cast<float>(rng.Normal());
  return w;
}

const Problem& GetProblem() {
  static const Problem problem = [] {
    Problem p;
    core::Rng rng(2024, "model_bench");
    for (size_t i = 0; i < kParams * kLevels; ++i) {
      p.effect.push_back(rng.Normal());
      p.interaction.push_back(0.5 * rng.Normal());
    }
    p.train.num_cols = kCols;
    for (size_t g = 0; g < kGroups; ++g) {
      const auto workload = RandomWorkload(rng);
      for (size_t r = 0; r < kRowsPerGroup; ++r) {
        p.train.gain.push_back(AddRow(p, workload, rng, p.train.x));
        p.train.group.push_back(static_cast<uint32_t>(g));
      }
    }
    const auto workload = RandomWorkload(rng);
    for (size_t r = 0; r < kCandidates; ++r) AddRow(p, workload, rng, p.candidates);
    return p;
  }();
  return problem;
}

EnsembleParams BenchParams(bool parallel) {
  EnsembleParams params;  // ranking, 6 members, 120 rounds, depth 5
  params.members = 6;
  params.num_rounds = 120;
  params.max_depth = 5;
  params.parallel = parallel;
  return params;
}

void BM_Fit(benchmark::State& state) {
  const Problem& p = GetProblem();
  for (auto _ : state) {
    XgbEnsemble ensemble(BenchParams(state.range(0) != 0));
    core::Rng rng(7, "fit");
    ensemble.Fit(p.train, rng);
    benchmark::DoNotOptimize(ensemble.num_members());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * p.train.num_rows()));
}
BENCHMARK(BM_Fit)
    ->ArgName("parallel")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();

void BM_Predict(benchmark::State& state) {
  const Problem& p = GetProblem();
  XgbEnsemble ensemble(BenchParams(state.range(0) != 0));
  core::Rng rng(7, "fit");
  ensemble.Fit(p.train, rng);
  for (auto _ : state) {
    Prediction pred = ensemble.Predict(p.candidates.data(), kCandidates, kCols);
    benchmark::DoNotOptimize(pred.mean.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kCandidates));
}
BENCHMARK(BM_Predict)
    ->ArgName("parallel")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(7)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();

// The loop's per-workload GPs at default-study scale: the 9-knob default space,
// 25 workloads x 69 runs, shared hyperparameters fitted from scratch (first iteration) or
// refined (later ones), and one workload's 12,000-candidate pool scored with variance.
struct GpProblem {
  space::Space space;
  std::vector<GpData> data;
  std::vector<space::Config> candidates;
};

const GpProblem& GetGpProblem() {
  static const GpProblem problem = [] {
    GpProblem p;
    const std::vector<size_t> levels = {6, 7, 6, 5, 6, 7, 6, 6, 6};
    std::vector<space::Knob> knobs;
    for (size_t k = 0; k < levels.size(); ++k) {
      space::Knob knob;
      knob.name = "k" + std::to_string(k);
      for (size_t l = 0; l < levels[k]; ++l)
        knob.values.push_back(space::KnobValue::Int(static_cast<int64_t>(l), std::to_string(l)));
      knobs.push_back(knob);
    }
    p.space = space::Space(knobs);
    core::Rng rng(2024, "gp_bench");
    for (size_t w = 0; w < kGroups; ++w) {
      GpData d;
      std::vector<double> opt(levels.size());
      for (auto& o : opt) o = rng.Uniform();
      for (int r = 0; r < 69; ++r) {
        const space::Config c = p.space.Random(rng);
        double y = 0.0;
        for (size_t k = 0; k < levels.size(); ++k) {
          const double x = static_cast<double>(c[k]) / static_cast<double>(levels[k] - 1);
          y -= 0.5 * (x - opt[k]) * (x - opt[k]);
        }
        d.configs.push_back(c);
        d.y.push_back(y + 0.03 * rng.Normal());
      }
      p.data.push_back(std::move(d));
    }
    for (size_t i = 0; i < kCandidates; ++i) p.candidates.push_back(p.space.Random(rng));
    return p;
  }();
  return problem;
}

void BM_GpHyperFit(benchmark::State& state) {
  const GpProblem& p = GetGpProblem();
  const bool refine = state.range(0) != 0;
  const GpHyper start = DefaultGpHyper(p.space, 0.05);
  const GpHyper fitted = FitGpHyper(p.space, p.data, start, 1.0, 400);
  for (auto _ : state) {
    const GpHyper h = refine ? FitGpHyper(p.space, p.data, fitted, 0.25, 120)
                             : FitGpHyper(p.space, p.data, start, 1.0, 400);
    benchmark::DoNotOptimize(h.log_noise_var);
  }
}
BENCHMARK(BM_GpHyperFit)
    ->ArgName("refine")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();

void BM_GpPredict(benchmark::State& state) {
  const GpProblem& p = GetGpProblem();
  const GpHyper h = FitGpHyper(p.space, p.data, DefaultGpHyper(p.space, 0.05), 1.0, 400);
  const LocalGp gp(p.space, h, p.data.front());
  std::vector<double> mean(kCandidates), var(kCandidates);
  for (auto _ : state) {
    gp.Predict(p.candidates, mean.data(), var.data());
    benchmark::DoNotOptimize(mean.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kCandidates));
}
BENCHMARK(BM_GpPredict)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace
}  // namespace iorec::model

int main(int argc, char** argv) {
  iorec::model::PrepareXgboostEnvironment();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
