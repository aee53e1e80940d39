#include "iorec/eval/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace iorec::eval {
namespace {

TEST(MetricsTest, DcgMatchesHandComputation) {
  // (2^3-1)/log2(2) + (2^1-1)/log2(3) + 0
  EXPECT_NEAR(Dcg({3, 1, 0}, 3), 7.0 + 1.0 / std::log2(3.0), 1e-12);
  EXPECT_NEAR(Dcg({3, 1, 0}, 1), 7.0, 1e-12);
}

TEST(MetricsTest, NdcgIsOneForPerfectRankingAndLowerOtherwise) {
  const std::vector<double> rel = {0, 1, 2, 3};
  EXPECT_DOUBLE_EQ(NdcgAtK({0.1, 0.2, 0.3, 0.4}, rel, 3), 1.0);
  const double reversed = NdcgAtK({0.4, 0.3, 0.2, 0.1}, rel, 3);
  EXPECT_LT(reversed, 0.3);
  EXPECT_GE(reversed, 0.0);
  EXPECT_DOUBLE_EQ(NdcgAtK({1, 2}, {0, 0}, 3), 1.0);  // nothing to find
}

TEST(MetricsTest, RegretAndHit) {
  EXPECT_DOUBLE_EQ(RegretAtK({80, 90, 70, 100}, 100, 3), 0.1);
  EXPECT_DOUBLE_EQ(RegretAtK({80, 90, 70, 100}, 100, 4), 0.0);
  EXPECT_DOUBLE_EQ(HitAtK({80, 96}, 100, 3, 0.05), 1.0);
  EXPECT_DOUBLE_EQ(HitAtK({80, 94}, 100, 3, 0.05), 0.0);
  EXPECT_DOUBLE_EQ(RelativeRegret(120, 100), 0.0);
  EXPECT_DOUBLE_EQ(RegretAtK({}, 100, 3), 1.0);
}

TEST(MetricsTest, SpearmanHandlesTiesAndConstants) {
  EXPECT_NEAR(Spearman({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0, 1e-12);
  EXPECT_NEAR(Spearman({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0, 1e-12);
  EXPECT_DOUBLE_EQ(Spearman({1, 1, 1}, {1, 2, 3}), 0.0);
  EXPECT_NEAR(Spearman({1, 2, 2, 3}, {1, 2, 2, 3}), 1.0, 1e-12);
}

}  // namespace
}  // namespace iorec::eval
