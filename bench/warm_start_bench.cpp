/// Timing of the pairwise warm start on the default 9-knob space and the 4-knob space.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "iorec/sampling/warm_start.hpp"

namespace {

using iorec::space::Config;
using iorec::space::Knob;
using iorec::space::KnobValue;
using iorec::space::Space;

Space MakeSpace(const std::vector<size_t>& levels) {
  std::vector<Knob> knobs;
  for (size_t i = 0; i < levels.size(); ++i) {
    Knob k;
    k.name = "k" + std::to_string(i);
    for (size_t l = 0; l < levels[i]; ++l) {
      k.values.push_back(KnobValue::Int(static_cast<int64_t>(l), std::to_string(l)));
    }
    knobs.push_back(k);
  }
  return Space(knobs);
}

void BM_WarmStartDefault45(benchmark::State& state) {
  const Space s = MakeSpace({6, 7, 6, 5, 6, 7, 6, 6, 6});
  const Config baseline({0, 2, 5, 4, 1, 1, 2, 2, 1});
  double percent = 0.0;
  double uncovered = 0.0;
  for (auto _ : state) {
    iorec::core::Rng rng(static_cast<uint64_t>(state.range(0)), "warm_start");
    const auto r = iorec::sampling::BuildWarmStart(s, baseline, 45, rng);
    percent = r.coverage.percent();
    uncovered = static_cast<double>(r.coverage.total - r.coverage.covered);
    benchmark::DoNotOptimize(r.configs.data());
  }
  state.counters["coverage_pct"] = percent;
  state.counters["uncovered"] = uncovered;
}
// Arg = seed of core::Rng(seed, "warm_start").
BENCHMARK(BM_WarmStartDefault45)
    ->Unit(benchmark::kMillisecond)
    ->Arg(1)
    ->Arg(2)
    ->Arg(3)
    ->Arg(4)
    ->Arg(5)
    ->Arg(7)
    ->Arg(42);

void BM_WarmStartFourKnob44(benchmark::State& state) {
  const Space s = MakeSpace({6, 7, 6, 6});
  const Config baseline({0, 0, 0, 0});
  double percent = 0.0;
  for (auto _ : state) {
    iorec::core::Rng rng(42, "warm_start");
    const auto r = iorec::sampling::BuildWarmStart(s, baseline, 44, rng);
    percent = r.coverage.percent();
    benchmark::DoNotOptimize(r.configs.data());
  }
  state.counters["coverage_pct"] = percent;
}
BENCHMARK(BM_WarmStartFourKnob44)->Unit(benchmark::kMillisecond);

void BM_FullPairwiseCoverFourKnob(benchmark::State& state) {
  const Space s = MakeSpace({6, 7, 6, 6});
  const Config baseline({0, 0, 0, 0});
  double rows = 0.0;
  for (auto _ : state) {
    iorec::core::Rng rng(42, "full_cover");
    const auto c = iorec::sampling::FullPairwiseCover(s, baseline, rng);
    rows = static_cast<double>(c.size());
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["rows"] = rows;
}
BENCHMARK(BM_FullPairwiseCoverFourKnob)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_FullPairwiseCoverFourKnobNoAnchors(benchmark::State& state) {
  const Space s = MakeSpace({6, 7, 6, 6});
  const Config baseline({0, 0, 0, 0});
  double rows = 0.0;
  for (auto _ : state) {
    iorec::core::Rng rng(42, "full_cover");
    const auto c = iorec::sampling::FullPairwiseCover(s, baseline, rng, /*with_anchors=*/false);
    rows = static_cast<double>(c.size());
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["rows"] = rows;
}
BENCHMARK(BM_FullPairwiseCoverFourKnobNoAnchors)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
