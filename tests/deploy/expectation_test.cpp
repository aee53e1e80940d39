#include "iorec/deploy/expectation.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "common/space_util.hpp"
#include "common/state_util.hpp"

namespace iorec::deploy {
namespace {

using space::Config;

/// w0: baseline 100; {1} ran 3 times (90, 100, 110), {2} twice (200, 220), {3} once (150).
/// w1: baseline 10; {2} once (30).
state::StudyState Study() {
  test_support::StateBuilder b(test_support::IntSpace({4}), Config({0}),
                               test_support::Workloads({{0.0}, {1.0}}));
  b.Baseline(0, 100).Run(0, Config({1}), 90).Run(0, Config({1}), 100).Run(0, Config({1}), 110);
  b.Run(0, Config({2}), 200).Run(0, Config({2}), 220).Run(0, Config({3}), 150);
  b.Baseline(1, 10).Run(1, Config({2}), 30);
  return std::move(b.state());
}

TEST(NoiseTest, PoolsTheRelativeSpreadOfReplicatedConfigsByDegreesOfFreedom) {
  const auto st = Study();
  const Noise n = NoiseOf(st);
  ASSERT_EQ(n.relative_std.size(), 2u);  // {1} and {2} on w0
  const double a = 10.0 / 100.0, b = std::sqrt(200.0) / 210.0;
  EXPECT_NEAR(n.relative_std[0], std::min(a, b), 1e-12);
  EXPECT_NEAR(n.Max(), std::max(a, b), 1e-12);
  EXPECT_NEAR(n.Median(), (a + b) / 2, 1e-12);
  EXPECT_NEAR(n.pooled, std::sqrt((2 * a * a + 1 * b * b) / 3), 1e-12);
  // The matrix lists the same configs: the same noise.
  EXPECT_NEAR(NoiseOf(BuildMatrix(st, 10, 0.0)).pooled, n.pooled, 1e-12);
  EXPECT_FALSE(NoiseOf(RecommendationMatrix{}).known());
}

TEST(ExpectationTest, AMeasuredConfigUsesItsOwnSpreadFromThreeRunsElseThePooledOne) {
  const auto st = Study();
  const auto m = BuildMatrix(st, 10, 0.0);
  const Noise noise = NoiseOf(st);
  const MatrixEntry* three = nullptr;
  const MatrixEntry* once = nullptr;
  for (const auto& e : m.top[0]) {
    if (e.config == Config({1})) three = &e;
    if (e.config == Config({3})) once = &e;
  }
  ASSERT_TRUE(three && once);
  const Expectation e3 = ExpectMeasured(m, 0, *three, noise);
  EXPECT_EQ(e3.basis, Basis::kMeasuredHere);
  EXPECT_EQ(e3.runs, 3);
  EXPECT_DOUBLE_EQ(e3.perf.value, 100.0);
  EXPECT_NEAR(e3.perf_lo.value, 100.0 * (1 - kIntervalZ * 0.1), 1e-9);
  EXPECT_NEAR(e3.perf_hi.value, 100.0 * (1 + kIntervalZ * 0.1), 1e-9);
  EXPECT_NEAR(e3.gain.value, 0.0, 1e-12);
  const Expectation e1 = ExpectMeasured(m, 0, *once, noise);
  EXPECT_TRUE(e1.has_interval);
  EXPECT_NEAR(e1.perf_hi.value, 150.0 * (1 + kIntervalZ * noise.pooled), 1e-9);
  EXPECT_NEAR(e1.gain.value, 0.5, 1e-12);
  // Without any replicate in the study, a single run has no interval.
  const Expectation bare = ExpectMeasured(m, 0, *once, Noise{});
  EXPECT_FALSE(bare.has_interval);
  EXPECT_DOUBLE_EQ(bare.gain_lo.value, bare.gain.value);
}

/// A recommendation as the recommender would give it.
Recommendation Rec(bool exact, std::vector<std::string> neighbours) {
  Recommendation r;
  r.exact_match = exact;
  for (auto& n : neighbours) r.neighbors.push_back({n, 0.5});
  return r;
}

TEST(ExpectationTest, AnUnseenWorkloadExpectsItsNeighboursGainsWeightedByNearness) {
  const auto st = Study();
  const auto m = BuildMatrix(st, 10, 0.0);
  const Noise noise = NoiseOf(st);
  const Recommendation rec = Rec(false, {"w1", "w0"});
  RecommendedConfig c;
  c.config = Config({2});
  const Expectation e = Expect(m, rec, c, Config({0}), noise, false);
  EXPECT_EQ(e.basis, Basis::kNeighbour);
  EXPECT_EQ(e.measured_on, "w1");  // the nearest that ran it
  EXPECT_EQ(e.neighbours, 2);
  // w1: 30 / 10 = 3 (weight 1); w0: 210 / 100 = 2.1 (weight 1/2).
  EXPECT_NEAR(e.gain.value, (3.0 + 0.5 * 2.1) / 1.5 - 1.0, 1e-12);
  EXPECT_NEAR(e.gain_lo.value, 2.1 * (1 - kIntervalZ * noise.pooled) - 1.0, 1e-12);
  EXPECT_NEAR(e.gain_hi.value, 3.0 * (1 + kIntervalZ * noise.pooled) - 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(e.perf.value, 30.0);
  EXPECT_DOUBLE_EQ(e.baseline.value, 10.0);
  // The baseline config is the workload's current settings: no change.
  c.config = Config({0});
  const Expectation cur = Expect(m, rec, c, Config({0}), noise, false);
  EXPECT_EQ(cur.basis, Basis::kCurrent);
  EXPECT_DOUBLE_EQ(cur.gain.value, 0.0);
  EXPECT_FALSE(cur.has_perf);
}

TEST(ExpectationTest, AConfigNoNeighbourRanIsTheModelsOnlyWithARegressionModel) {
  const auto st = Study();
  const auto m = BuildMatrix(st, 10, 0.0);
  RecommendedConfig c;
  c.config = Config({3});
  c.model_score = std::log(1.5);
  c.model_std = 0.1;
  const Recommendation rec = Rec(false, {"w1"});
  const Expectation ranking = Expect(m, rec, c, Config({0}), Noise{}, false);
  EXPECT_EQ(ranking.basis, Basis::kUnknown);
  EXPECT_FALSE(ranking.has_gain);
  const Expectation regression = Expect(m, rec, c, Config({0}), Noise{}, true);
  EXPECT_EQ(regression.basis, Basis::kModel);
  EXPECT_NEAR(regression.gain.value, 0.5, 1e-12);
  EXPECT_NEAR(regression.gain_lo.value, 1.5 * std::exp(-kIntervalZ * 0.1) - 1.0, 1e-12);
}

TEST(ExpectationTest, AMeasuredWorkloadGetsItsOwnRunsAndBaseline) {
  const auto st = Study();
  const auto m = BuildMatrix(st, 10, 0.0);
  const Noise noise = NoiseOf(st);
  const Recommendation rec = Rec(true, {"w0", "w1"});
  RecommendedConfig c;
  c.config = Config({2});
  const Expectation e = Expect(m, rec, c, Config({0}), noise, false);
  EXPECT_EQ(e.basis, Basis::kMeasuredHere);
  EXPECT_EQ(e.measured_on, "w0");
  EXPECT_DOUBLE_EQ(e.perf.value, 210.0);
  EXPECT_DOUBLE_EQ(e.baseline.value, 100.0);
  c.config = Config({0});
  const Expectation cur = Expect(m, rec, c, Config({0}), noise, false);
  EXPECT_EQ(cur.basis, Basis::kCurrent);
  EXPECT_TRUE(cur.has_perf);
  EXPECT_DOUBLE_EQ(cur.perf.value, 100.0);
}

TEST(ExpectationTest, TopConfigsAreWithinNoiseWhenTheirDifferenceIsUnderTwoStandardErrors) {
  const auto st = Study();
  const auto m = BuildMatrix(st, 10, 0.0);
  Noise noise;
  noise.relative_std = {0.1};
  noise.pooled = 0.1;
  Expectation a, b;
  a.basis = b.basis = Basis::kMeasuredHere;
  a.measured_on = b.measured_on = "w0";
  a.has_gain = b.has_gain = a.has_perf = b.has_perf = true;
  a.runs = 2, b.runs = 2;
  a.perf.value = 110, b.perf.value = 100;
  // 10% apart; 2 * 0.1 * sqrt(1/2 + 1/2) = 20% can be noise.
  auto c = CompareWithNoise(a, b, noise);
  EXPECT_TRUE(c.comparable);
  EXPECT_TRUE(c.within);
  EXPECT_NEAR(c.difference, 0.1, 1e-12);
  EXPECT_NEAR(c.threshold, 0.2, 1e-12);
  a.perf.value = 130;  // 30% apart: told apart
  EXPECT_FALSE(CompareWithNoise(a, b, noise).within);
  b.measured_on = "w1";  // measured on different workloads: not comparable
  EXPECT_FALSE(CompareWithNoise(a, b, noise).comparable);
  b.measured_on = "w0";
  EXPECT_FALSE(CompareWithNoise(a, b, Noise{}).comparable);  // spread unknown
}

}  // namespace
}  // namespace iorec::deploy
