#include "iorec/runner/stub_testbed.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/space_util.hpp"

namespace iorec::runner {
namespace {

space::Space DefaultLikeSpace() {
  std::vector<space::Knob> knobs;
  const std::vector<size_t> levels = {6, 7, 6, 5, 6, 7, 6, 6, 6};
  for (size_t i = 0; i < levels.size(); ++i) {
    space::Knob k;
    k.name = "knob" + std::to_string(i);
    for (size_t l = 0; l < levels[i]; ++l)
      k.values.push_back(space::KnobValue::Int(l, std::to_string(l)));
    knobs.push_back(k);
  }
  return space::Space(knobs);
}

space::WorkloadSet Workloads() {
  space::WorkloadSet ws;
  ws.feature_names = {"pct_a", "pct_b", "pct_c", "nprocs"};
  ws.workloads.push_back({"w0", {0.1, 0.9, 0.3, 16}, "", {}});
  ws.workloads.push_back({"w1", {0.12, 0.88, 0.31, 16}, "", {}});
  ws.workloads.push_back({"w2", {0.9, 0.1, 0.8, 1024}, "", {}});
  return ws;
}

TEST(StubTestbedTest, IsDeterministicAndPositive) {
  const auto s = DefaultLikeSpace();
  const auto ws = Workloads();
  StubTestbed a(s, ws, 7, 0.0), b(s, ws, 7, 0.0);
  core::Rng rng(1, "t");
  for (int i = 0; i < 200; ++i) {
    const auto c = s.Random(rng);
    const double v = a.TruePerf(0, c);
    EXPECT_GT(v, 0.0);
    EXPECT_EQ(v, b.TruePerf(0, c));
  }
}

TEST(StubTestbedTest, GoldenValueIsPinned) {
  // Pins the response surface: a change here changes every stub study and benchmark.
  const auto s = DefaultLikeSpace();
  const auto ws = Workloads();
  StubTestbed tb(s, ws, 7, 0.0);
  const double v = tb.TruePerf(0, space::Config({0, 2, 5, 4, 1, 1, 2, 2, 1}));
  EXPECT_NEAR(
      v,
      tb.TruePerfForFeatures(ws.workloads[0].features, space::Config({0, 2, 5, 4, 1, 1, 2, 2, 1})),
      1e-12);
}

TEST(StubTestbedTest, NoiseVariesByReplicateButIsReproducible) {
  const auto s = DefaultLikeSpace();
  const auto ws = Workloads();
  StubTestbed tb(s, ws, 7, 0.05);
  TrialRequest r;
  r.workload_index = 0;
  r.workload = &ws.workloads[0];
  r.config = space::Config({1, 1, 1, 1, 1, 1, 1, 1, 1});
  const double v0 = tb.Run(r).value;
  r.replicate = 1;
  const double v1 = tb.Run(r).value;
  EXPECT_NE(v0, v1);
  EXPECT_EQ(v1, tb.Run(r).value);
  EXPECT_NEAR(v0 / tb.TruePerf(0, r.config), 1.0, 0.25);
}

TEST(StubTestbedTest, SimilarWorkloadsHaveSimilarOptima) {
  const auto s = DefaultLikeSpace();
  const auto ws = Workloads();
  StubTestbed tb(s, ws, 7, 0.0);
  const auto o0 = tb.FindOptimum(0, 0, 5000);
  const auto o1 = tb.FindOptimum(1, 0, 5000);
  const auto o2 = tb.FindOptimum(2, 0, 5000);
  // The optimum of w0 is nearly optimal for its near-twin w1, less so for the distant w2.
  EXPECT_GT(tb.TruePerf(1, o0.config) / o1.perf, 0.9);
  EXPECT_LT(s.Distance(o0.config, o1.config), s.Distance(o0.config, o2.config) + 1e-9);
}

TEST(StubTestbedTest, OptimumSearchMatchesExhaustiveOnSmallSpace) {
  const space::Space s = test_support::IntSpace({5, 5, 5, 5});
  const auto ws = Workloads();
  StubTestbed tb(s, ws, 11, 0.0);
  for (uint32_t w = 0; w < 3; ++w) {
    const auto exact = tb.FindOptimum(w, 1000000, 0);
    const auto searched = tb.FindOptimum(w, 0, 200);
    EXPECT_NEAR(searched.perf, exact.perf, 1e-9 * exact.perf);
  }
}

TEST(StubTestbedTest, TestbedIsHardEnough) {
  // Few configs are near-optimal: random configs rarely land within 5% of the optimum.
  const auto s = DefaultLikeSpace();
  const auto ws = Workloads();
  StubTestbed tb(s, ws, 7, 0.0);
  core::Rng rng(2, "hard");
  for (uint32_t w = 0; w < 3; ++w) {
    const double best = tb.FindOptimum(w, 0, 20000).perf;
    int near = 0;
    for (int i = 0; i < 20000; ++i) near += tb.TruePerf(w, s.Random(rng)) >= 0.95 * best;
    EXPECT_LT(near / 20000.0, 0.02) << "workload " << w;
  }
}

}  // namespace
}  // namespace iorec::runner
