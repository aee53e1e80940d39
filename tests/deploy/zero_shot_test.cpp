#include "iorec/deploy/zero_shot.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "deploy/scaled_study.hpp"
#include "iorec/core/error.hpp"

namespace iorec::deploy {
namespace {

TEST(ZeroShotTest, MovesTheOptimumWithScaleBetweenKnownWorkloads) {
  // Known at 1, 4, 64 and 256 ranks (best k0 level 0, 1, 3, 4); asked for 16 ranks, whose
  // best level (2) is no known workload's best.
  const auto st = test_support::ScaledStudy({1, 4, 64, 256}, test_support::ScaledPerf);
  core::Rng rng(7, "zero_shot");
  const ZeroShot zs(st, {}, rng);
  const auto r = zs.Recommend({0.5, 16});
  ASSERT_EQ(r.configs.size(), 3u);
  EXPECT_FALSE(r.weak_evidence);
  EXPECT_EQ(r.configs[0].config, space::Config({2, 1}));
  EXPECT_TRUE(r.configs[0].safe);
  EXPECT_GT(r.configs[0].mean.value, 0.0);
  EXPECT_GT(r.configs[0].stddev, 0.0);
  // The same question at a known scale gets that workload's own optimum.
  EXPECT_EQ(zs.Recommend({0.5, 64}).configs[0].config, space::Config({3, 1}));
  // nprocs is what tells the workloads apart: its weight is the larger one.
  EXPECT_GT(zs.feature_weights()[1], zs.feature_weights()[0]);
}

double BaselineBest(double nprocs, const space::Config& c) {
  return c == space::Config({0, 0}) ? 100.0 : 100.0 * (0.8 + 0.001 * nprocs);
}

TEST(ZeroShotTest, KeepsTheBaselineFirstWhenNothingIsLikelyToBeatIt) {
  const auto st = test_support::ScaledStudy({1, 4, 64, 256}, BaselineBest);
  core::Rng rng(7, "zero_shot");
  const ZeroShot zs(st, {}, rng);
  const auto r = zs.Recommend({0.5, 16});
  ASSERT_EQ(r.configs.size(), 3u);
  EXPECT_TRUE(r.weak_evidence);
  EXPECT_FALSE(r.note.empty());
  EXPECT_EQ(r.configs[0].config, space::Config({0, 0}));
  EXPECT_NE(r.configs[1].config, space::Config({0, 0}));
  EXPECT_NE(r.configs[2].config, space::Config({0, 0}));
}

TEST(ZeroShotTest, ASaferRuleNeedsMoreEvidence) {
  // With a huge z no prediction is certain enough; with z = 0 the best mean is top-1.
  const auto st = test_support::ScaledStudy({1, 4, 64, 256}, test_support::ScaledPerf);
  core::Rng rng(7, "zero_shot");
  const ZeroShot zs(st, {}, rng);
  ZeroShotRule strict;
  strict.safety_z = 1e6;
  EXPECT_TRUE(zs.Recommend({0.5, 16}, strict).weak_evidence);
  ZeroShotRule bold;
  bold.safety_z = 0.0;
  EXPECT_FALSE(zs.Recommend({0.5, 16}, bold).weak_evidence);
}

TEST(ZeroShotTest, WeakEvidencePutsAConfigLikelyToBeatTheBaselineFirst) {
  const auto st = test_support::ScaledStudy({1, 4, 64, 256}, test_support::ScaledPerf);
  core::Rng rng(7, "zero_shot");
  const ZeroShot zs(st, {}, rng);
  const space::Config baseline = st.baseline_config();
  ZeroShotRule rule;
  rule.safety_z = 1e6;  // nothing passes the safety rule
  rule.weak_z = 0.5;
  const auto r = zs.Recommend({0.5, 16}, rule);
  EXPECT_TRUE(r.weak_evidence);
  ASSERT_EQ(r.configs.size(), 3u);
  EXPECT_NE(r.configs[0].config, baseline);
  EXPECT_GT(r.configs[0].mean.value - 0.5 * r.configs[0].stddev, 0.0);
  EXPECT_EQ(r.configs.back().config, baseline);  // kept among the three
  EXPECT_NE(r.note.find("kept"), std::string::npos);
  // No weak tier: the baseline first, as before.
  rule.weak_z = 0.0;
  EXPECT_EQ(zs.Recommend({0.5, 16}, rule).configs[0].config, baseline);
  // Nothing predicted above the baseline: the baseline first even with the weak tier.
  const auto best_base = test_support::ScaledStudy({1, 4, 64, 256}, BaselineBest);
  core::Rng rng2(7, "zero_shot");
  const ZeroShot zs2(best_base, {}, rng2);
  rule.weak_z = 0.5;
  EXPECT_EQ(zs2.Recommend({0.5, 16}, rule).configs[0].config, baseline);
}

TEST(ZeroShotTest, ThePicksAfterTop1AreNotNearDuplicates) {
  const auto st = test_support::ScaledStudy({1, 4, 64, 256}, test_support::ScaledPerf);
  core::Rng rng(7, "zero_shot");
  const ZeroShot zs(st, {}, rng);
  auto min_apart = [](const ZeroShotRecommendation& r) {
    int least = 99;
    for (size_t i = 0; i < r.configs.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        int n = 0;
        for (size_t k = 0; k < 2; ++k) n += r.configs[i].config[k] != r.configs[j].config[k];
        least = std::min(least, n);
      }
    }
    return least;
  };
  ZeroShotRule by_mean;
  by_mean.min_knobs_apart = 0;
  const auto plain = zs.Recommend({0.5, 16}, by_mean);
  ASSERT_EQ(plain.configs.size(), 3u);
  EXPECT_EQ(min_apart(plain), 1);  // the next best means are one-knob moves of top-1
  ZeroShotRule apart;
  apart.min_knobs_apart = 2;
  const auto spread = zs.Recommend({0.5, 16}, apart);
  ASSERT_EQ(spread.configs.size(), 3u);
  EXPECT_EQ(spread.configs[0].config, plain.configs[0].config);
  EXPECT_EQ(min_apart(spread), 2);
  // Asking for more knobs apart than the space has: the next best means fill the three.
  apart.min_knobs_apart = 3;
  const auto filled = zs.Recommend({0.5, 16}, apart);
  ASSERT_EQ(filled.configs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(filled.configs[i].config, plain.configs[i].config);
}

TEST(ZeroShotTest, SameSeedSameRecommendation) {
  const auto st = test_support::ScaledStudy({1, 4, 64, 256}, test_support::ScaledPerf);
  core::Rng a(3, "zero_shot"), b(3, "zero_shot");
  const auto ra = ZeroShot(st, {}, a).Recommend({0.4, 8});
  const auto rb = ZeroShot(st, {}, b).Recommend({0.4, 8});
  ASSERT_EQ(ra.configs.size(), rb.configs.size());
  for (size_t i = 0; i < ra.configs.size(); ++i) {
    EXPECT_EQ(ra.configs[i].config, rb.configs[i].config);
    EXPECT_EQ(ra.configs[i].mean.value, rb.configs[i].mean.value);
    EXPECT_EQ(ra.configs[i].stddev, rb.configs[i].stddev);
  }
}

TEST(ZeroShotTest, CapsTheRowsOfLargeStudiesKeepingEachWorkloadsBest) {
  const auto st = test_support::ScaledStudy({1, 4, 64, 256}, test_support::ScaledPerf);
  core::Rng all_rng(7, "zero_shot"), capped_rng(7, "zero_shot");
  const ZeroShot all(st, {}, all_rng);
  EXPECT_EQ(all.rows(), 4u * 18u);
  ZeroShotParams params;
  params.max_rows = 36;
  const ZeroShot capped(st, params, capped_rng);
  EXPECT_EQ(capped.rows(), 36u);
  EXPECT_EQ(capped.candidates().size(), all.candidates().size());
  // Each workload keeps its best rows: asked at a known scale, top-1 has that scale's best
  // k0 level (k1's 5% may blur with half the rows).
  EXPECT_EQ(capped.Recommend({0.5, 64}).configs[0].config[0], 3);
}

TEST(ZeroShotTest, NeedsTwoMeasuredWorkloads) {
  const auto st = test_support::ScaledStudy({4}, test_support::ScaledPerf);
  core::Rng rng(7, "zero_shot");
  EXPECT_THROW(ZeroShot(st, {}, rng), core::InputError);
}

}  // namespace
}  // namespace iorec::deploy
