#include "iorec/eval/heldout.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/space_util.hpp"
#include "common/state_util.hpp"
#include "iorec/core/error.hpp"
#include "iorec/eval/bootstrap.hpp"
#include "iorec/eval/contribution.hpp"
#include "iorec/eval/metrics.hpp"

namespace iorec::eval {
namespace {

space::Space SmallSpace() { return test_support::IntSpace({4, 4, 4}); }

const space::Config kBaseline({0, 0, 0});

/// `nw` workloads; workload w measures the baseline then `per_workload` configs whose gain
/// is a smooth function of the levels, shifted by the workload's feature; the second half
/// in active iterations 1..4. `keep[w]`, when given, cuts workload w to that many configs
/// (the baseline included).
state::StudyState MakeData(size_t nw, size_t per_workload, uint64_t seed = 3,
                           std::vector<size_t> keep = {}) {
  std::vector<std::vector<double>> features;
  for (size_t w = 0; w < nw; ++w) {
    const double f = static_cast<double>(w) / std::max<size_t>(1, nw - 1);
    features.push_back({f, 1.0 - f});
  }
  auto ws = test_support::Workloads(features);
  ws.feature_names = {"pct_a", "pct_b"};
  test_support::StateBuilder b(SmallSpace(), kBaseline, ws);
  core::Rng rng(seed, "test_data");
  for (uint32_t w = 0; w < nw; ++w) {
    const double f = features[w][0];
    const size_t n_max = keep.empty() ? per_workload + 1 : keep[w];
    auto perf = [&](const space::Config& c) {
      return 100.0 * (1.0 + 0.1 * c[0] + 0.05 * c[1] * (1.0 + f) - 0.03 * c[2]);
    };
    b.Baseline(w, perf(kBaseline));
    std::set<space::Config> seen = {kBaseline};
    for (size_t i = 0; seen.size() < std::min(n_max, per_workload + 1) && i < 1000; ++i) {
      const space::Config c = SmallSpace().Random(rng);
      if (!seen.insert(c).second) continue;
      const size_t n = seen.size() - 1;
      const bool active = n > per_workload / 2;
      b.Run(w, c, perf(c), active ? state::Source::kActive : state::Source::kWarm,
            active ? 1 + static_cast<int>(n % 4) : 0);
    }
  }
  b.state().set_iterations(4);
  return std::move(b.state());
}

/// The study's matrix, as the loop builds it.
deploy::RecommendationMatrix Matrix(const state::StudyState& st) {
  return deploy::BuildMatrix(st, 20, 1.0);
}

EvalParams FastParams(Split split) {
  EvalParams p;
  p.split = split;
  p.ensemble.members = 2;
  p.ensemble.num_rounds = 20;
  p.ensemble.max_depth = 3;
  p.ensemble.objective = model::Objective::kRegression;
  p.bootstrap_iters = 100;
  p.holdout_fraction_configs = 0.3;
  p.holdout_fraction_patterns = 0.34;
  p.temporal_holdout_fraction = 0.5;
  return p;
}

TEST(HeldoutTest, ConfigSplitNeverHoldsOutTheBaseline) {
  const auto data = MakeData(5, 20);
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    core::Rng rng(seed, "split");
    const auto s = MakeSplit(data, FastParams(Split::kConfigsPerPattern), rng);
    for (size_t w = 0; w < data.num_workloads(); ++w) {
      for (size_t i : s.heldout[w]) EXPECT_NE(data.record(w).configs[i].config, kBaseline);
      EXPECT_EQ(s.heldout[w].size(), 6u);  // round(0.3 * 20)
      EXPECT_EQ(s.heldout[w].size() + s.train[w].size(), data.record(w).configs.size());
    }
  }
}

TEST(HeldoutTest, PatternSplitHoldsOutWholeWorkloadsAndKeepsTwoForTraining) {
  const auto data = MakeData(3, 10);
  auto p = FastParams(Split::kPatterns);
  p.holdout_fraction_patterns = 0.99;
  core::Rng rng(5, "split");
  const auto s = MakeSplit(data, p, rng);
  size_t held = 0;
  for (size_t w = 0; w < 3; ++w) {
    if (s.workload_heldout[w]) {
      ++held;
      EXPECT_TRUE(s.train[w].empty());
      EXPECT_EQ(s.heldout[w].size(), data.record(w).configs.size());
    } else {
      EXPECT_TRUE(s.heldout[w].empty());
    }
  }
  EXPECT_EQ(held, 1u);
}

TEST(HeldoutTest, PatternSplitWithFewerThanThreeWorkloadsIsRefused) {
  const auto data = MakeData(2, 10);
  core::Rng rng(1, "evaluation");
  try {
    Evaluate(data, Matrix(data), FastParams(Split::kPatterns), rng);
    FAIL() << "expected InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 3 workloads"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(ValidateSplit(Split::kConfigsPerPattern, 1));
  EXPECT_NO_THROW(ValidateSplit(Split::kPatterns, 3));
}

TEST(HeldoutTest, WorkloadWithFewerThanTwoHeldOutConfigsIsSkippedAndCounted) {
  // Workload 0 keeps only the baseline and 3 configs: round(0.3 * 3) = 1 held out.
  // Workload 1 keeps only the baseline: nothing to hold out.
  const auto data = MakeData(4, 20, 3, {4, 1, 21, 21});
  core::Rng rng(9, "evaluation");
  const auto res = Evaluate(data, Matrix(data), FastParams(Split::kConfigsPerPattern), rng);
  ASSERT_EQ(res.skipped.size(), 2u);
  EXPECT_EQ(res.skipped[0].id, "w0");
  EXPECT_EQ(res.skipped[0].n_heldout, 1u);
  EXPECT_EQ(res.skipped[1].n_heldout, 0u);
  ASSERT_EQ(res.workloads.size(), 2u);
  for (const auto* a : {&res.model, &res.random, &res.baseline, &res.nearest}) {
    EXPECT_TRUE(std::isfinite(a->ndcg.estimate));
    EXPECT_TRUE(std::isfinite(a->regret.estimate));
    EXPECT_TRUE(std::isfinite(a->hit.estimate));
  }
}

TEST(HeldoutTest, EveryWorkloadSkippedGivesEmptyAggregatesWithoutCrashing) {
  const auto data = MakeData(3, 2);
  core::Rng rng(9, "evaluation");
  auto p = FastParams(Split::kConfigsPerPattern);
  p.holdout_fraction_configs = 0.2;  // round(0.4) = 0 held out everywhere
  const auto res = Evaluate(data, Matrix(data), p, rng);
  EXPECT_EQ(res.skipped.size(), 3u);
  EXPECT_TRUE(res.workloads.empty());
  EXPECT_EQ(res.model.ndcg.n, 0u);
  EXPECT_TRUE(std::isnan(res.model.ndcg.estimate));
}

TEST(HeldoutTest, SameSeedSameResult) {
  const auto data = MakeData(6, 24);
  for (Split split : {Split::kConfigsPerPattern, Split::kPatterns, Split::kTemporal}) {
    core::Rng a(42, "evaluation"), b(42, "evaluation");
    const auto ra = Evaluate(data, Matrix(data), FastParams(split), a);
    const auto rb = Evaluate(data, Matrix(data), FastParams(split), b);
    ASSERT_EQ(ra.workloads.size(), rb.workloads.size()) << ToString(split);
    ASSERT_FALSE(ra.workloads.empty()) << ToString(split);
    for (size_t i = 0; i < ra.workloads.size(); ++i) {
      EXPECT_EQ(ra.workloads[i].predicted, rb.workloads[i].predicted);
      EXPECT_EQ(ra.workloads[i].random.ndcg, rb.workloads[i].random.ndcg);
    }
    EXPECT_EQ(ra.model.ndcg.lo, rb.model.ndcg.lo);
    EXPECT_EQ(ra.model.regret.hi, rb.model.regret.hi);
    EXPECT_EQ(ra.lifts[0].ndcg.lo, rb.lifts[0].ndcg.lo);
  }
}

TEST(HeldoutTest, TemporalSplitHoldsOutTheLastIterations) {
  const auto data = MakeData(4, 24);
  auto p = FastParams(Split::kTemporal);
  core::Rng rng(1, "split");
  const auto s = MakeSplit(data, p, rng);
  EXPECT_EQ(s.temporal_cut, 2);  // 4 iterations, half held out
  for (size_t w = 0; w < 4; ++w) {
    for (size_t i : s.heldout[w]) EXPECT_GT(data.record(w).configs[i].first_iteration, 2);
    for (size_t i : s.train[w]) EXPECT_LE(data.record(w).configs[i].first_iteration, 2);
  }
}

TEST(HeldoutTest, ModelLearnsASmoothGainBetterThanRandom) {
  const auto data = MakeData(6, 40);
  core::Rng rng(7, "evaluation");
  const auto res = Evaluate(data, Matrix(data), FastParams(Split::kConfigsPerPattern), rng);
  ASSERT_EQ(res.workloads.size(), 6u);
  EXPECT_GT(res.model.spearman->estimate, 0.5);
  EXPECT_GT(res.model.ndcg.estimate, res.random.ndcg.estimate);
  EXPECT_GT(res.lifts[0].ndcg.estimate, 0.0);
  EXPECT_EQ(res.lifts[0].over, "random");
}

TEST(HeldoutTest, PatternSplitDeploysThroughTheRecommender) {
  const auto data = MakeData(6, 30);
  core::Rng rng(3, "evaluation");
  const auto res = Evaluate(data, Matrix(data), FastParams(Split::kPatterns), rng);
  ASSERT_EQ(res.heldout_workloads.size(), 2u);  // round(0.34 * 6)
  ASSERT_EQ(res.workloads.size(), 2u);
  for (const auto& e : res.workloads) {
    ASSERT_TRUE(e.deployment.has_value());
    EXPECT_EQ(e.deployment->recommended.size(), 3u);
    for (const auto& n : e.deployment->neighbors) {
      for (const auto& h : res.heldout_workloads) EXPECT_NE(n, h);  // unseen stays unseen
    }
  }
}

TEST(HeldoutTest, ScoreRankingOfAPerfectOrder) {
  const std::vector<double> gains = {0.1, 0.5, -0.2, 0.3};
  const auto s = ScoreRanking({1, 3, 0, 2}, gains, gains, 2, 0.05);
  EXPECT_DOUBLE_EQ(s.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(s.regret, 0.0);
  EXPECT_DOUBLE_EQ(s.hit, 1.0);
  EXPECT_DOUBLE_EQ(*s.spearman, 1.0);
  const auto worst = ScoreRanking({2, 0, 3, 1}, gains, {}, 2, 0.05);
  EXPECT_NEAR(worst.regret, 1.0 - 0.1 / 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(worst.hit, 0.0);
  EXPECT_FALSE(worst.spearman.has_value());
}

TEST(MetricsGainTest, GainRegretGuardsDivisionByZero) {
  EXPECT_DOUBLE_EQ(GainRegretAtK({0.0, -0.1}, 0.0, 3), 0.0);
  EXPECT_DOUBLE_EQ(GainRegretAtK({-0.5}, -0.1, 3), 0.0);
  EXPECT_DOUBLE_EQ(GainRegretAtK({}, 0.4, 3), 1.0);
  EXPECT_DOUBLE_EQ(GainRegretAtK({0.1, 0.4}, 0.4, 1), 0.75);
  EXPECT_DOUBLE_EQ(GainRegretAtK({0.1, 0.4}, 0.4, 2), 0.0);
  const auto rel = GainRelevance({-1, 0, 1}, {-1, 1}, 4.0);
  EXPECT_EQ(rel, (std::vector<double>{0, 2, 4}));
  EXPECT_EQ(GainRelevance({1, 2}, {3, 3}, 4.0), (std::vector<double>{0, 0}));
}

TEST(BootstrapTest, IntervalContainsTheEstimateAndNarrowsWithMoreData) {
  core::Rng data_rng(1, "data");
  std::vector<double> small, large;
  for (int i = 0; i < 15; ++i) small.push_back(data_rng.Normal(0.5, 0.2));
  for (int i = 0; i < 600; ++i) large.push_back(data_rng.Normal(0.5, 0.2));
  core::Rng r1(2, "boot"), r2(2, "boot");
  const auto a = BootstrapMeanCi(small, 400, 0.95, r1);
  const auto b = BootstrapMeanCi(large, 400, 0.95, r2);
  EXPECT_LE(a.lo, a.estimate);
  EXPECT_GE(a.hi, a.estimate);
  EXPECT_LE(b.lo, b.estimate);
  EXPECT_GE(b.hi, b.estimate);
  EXPECT_LT(b.hi - b.lo, 0.5 * (a.hi - a.lo));
  EXPECT_NEAR(b.estimate, 0.5, 0.05);
  EXPECT_EQ(a.n, 15u);
}

TEST(BootstrapTest, DeterministicAndDegenerateInputs) {
  const std::vector<double> v = {1, 2, 3, 4, 10};
  core::Rng r1(5, "b"), r2(5, "b");
  const auto a = BootstrapMeanCi(v, 200, 0.9, r1);
  const auto b = BootstrapMeanCi(v, 200, 0.9, r2);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  core::Rng r3(5, "b");
  const auto one = BootstrapMeanCi({0.7}, 200, 0.95, r3);
  EXPECT_DOUBLE_EQ(one.lo, 0.7);
  EXPECT_DOUBLE_EQ(one.hi, 0.7);
  const auto none = BootstrapMeanCi({}, 200, 0.95, r3);
  EXPECT_EQ(none.n, 0u);
  EXPECT_TRUE(std::isnan(none.estimate));
  EXPECT_DOUBLE_EQ(SortedQuantile({0, 10}, 0.25), 2.5);
}

TEST(ContributionTest, ComparesWarmAndActive) {
  test_support::StateBuilder b(SmallSpace(), kBaseline, test_support::Workloads({{0.0}}));
  b.Baseline(0, 100);
  b.Run(0, space::Config({1, 0, 0}), 120, state::Source::kWarm, 0);
  b.Run(0, space::Config({2, 0, 0}), 110, state::Source::kActive, 1);
  b.Run(0, space::Config({3, 0, 0}), 150, state::Source::kActive, 2);
  b.Run(0, space::Config({3, 0, 0}), 150, state::Source::kReplicate, 2);
  b.Run(0, space::Config({3, 1, 0}), 130, state::Source::kActive, 3);
  b.Fail(0, space::Config({3, 2, 0}), "exit code 1", state::Source::kActive, 3);
  const auto& d = b.state();
  const auto c = ComputeContribution(d, 3, 1.0);
  ASSERT_EQ(c.workloads.size(), 1u);
  const auto& r = c.workloads[0];
  EXPECT_DOUBLE_EQ(r.best_warm_gain, 0.2);
  EXPECT_DOUBLE_EQ(r.best_active_gain, 0.5);
  EXPECT_NEAR(r.active_improvement, 0.3, 1e-12);
  EXPECT_EQ(r.first_active_beat_iteration, 2);
  EXPECT_NEAR(r.topk_active_share, 2.0 / 3.0, 1e-12);  // top-3: 150, 130 (active), 120 (warm)
  EXPECT_EQ(r.warm_trials, 2u);
  EXPECT_EQ(r.active_trials, 5u);
  EXPECT_NEAR(r.warm_mean_gain_per_trial, 0.1, 1e-12);
  EXPECT_NEAR(r.active_mean_gain_per_trial, (0.1 + 0.5 + 0.5 + 0.3) / 4, 1e-12);
  EXPECT_NEAR(r.active_improvement_per_trial, 0.3 / 5, 1e-12);
  EXPECT_EQ(c.workloads_active_beat_warm, 1u);
  EXPECT_DOUBLE_EQ(c.median_first_beat_iteration, 2.0);
}

}  // namespace
}  // namespace iorec::eval
