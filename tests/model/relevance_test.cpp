#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "iorec/core/error.hpp"
#include "iorec/model/xgb_ensemble.hpp"

namespace iorec::model {
namespace {

using ::testing::ElementsAre;

TEST(RelevanceLabelsTest, EmptyInputGivesNoLabels) {
  EXPECT_TRUE(RelevanceLabels({}, {}, 5).empty());
}

TEST(RelevanceLabelsTest, SingleRowIsZero) {
  EXPECT_THAT(RelevanceLabels({3.5}, {0}, 5), ElementsAre(0.0f));
}

TEST(RelevanceLabelsTest, AllEqualGainsAreZero) {
  EXPECT_THAT(RelevanceLabels({1.0, 1.0, 1.0, 1.0}, {2, 2, 2, 2}, 5),
              ElementsAre(0.0f, 0.0f, 0.0f, 0.0f));
}

TEST(RelevanceLabelsTest, ThreeRowsFiveLevelsSpanTheScale) {
  // Worst gets 0, best gets levels-1, the median the middle bin; input order is kept.
  EXPECT_THAT(RelevanceLabels({0.2, -1.0, 5.0}, {0, 0, 0}, 5), ElementsAre(2.0f, 0.0f, 4.0f));
}

TEST(RelevanceLabelsTest, TwoRowsAreWorstAndBest) {
  EXPECT_THAT(RelevanceLabels({2.0, 1.0}, {7, 7}, 5), ElementsAre(4.0f, 0.0f));
}

TEST(RelevanceLabelsTest, TiesShareALabel) {
  EXPECT_THAT(RelevanceLabels({1.0, 2.0, 2.0, 3.0}, {0, 0, 0, 0}, 5),
              ElementsAre(0.0f, 2.0f, 2.0f, 4.0f));
  // A tie at the top is the best level, a tie at the bottom the worst.
  EXPECT_THAT(RelevanceLabels({1.0, 2.0, 2.0, 2.0}, {0, 0, 0, 0}, 5),
              ElementsAre(0.0f, 4.0f, 4.0f, 4.0f));
  EXPECT_THAT(RelevanceLabels({1.0, 1.0, 1.0, 2.0}, {0, 0, 0, 0}, 5),
              ElementsAre(0.0f, 0.0f, 0.0f, 4.0f));
}

TEST(RelevanceLabelsTest, QuantileBinsOverManyRows) {
  std::vector<double> gain;
  for (int i = 9; i >= 0; --i) gain.push_back(i);  // descending
  const std::vector<uint32_t> group(10, 0);
  EXPECT_THAT(RelevanceLabels(gain, group, 5),
              ElementsAre(4.0f, 4.0f, 3.0f, 3.0f, 2.0f, 2.0f, 1.0f, 1.0f, 0.0f, 0.0f));
}

TEST(RelevanceLabelsTest, GroupsAreLabelledIndependently) {
  // Group 1's gains are all larger than group 0's, yet each spans 0..levels-1.
  EXPECT_THAT(RelevanceLabels({1.0, 2.0, 100.0, 200.0, 300.0}, {0, 0, 1, 1, 1}, 3),
              ElementsAre(0.0f, 2.0f, 0.0f, 1.0f, 2.0f));
  // A single-row group next to a tied group.
  EXPECT_THAT(RelevanceLabels({5.0, 1.0, 1.0}, {0, 1, 1}, 3), ElementsAre(0.0f, 0.0f, 0.0f));
}

TEST(RelevanceLabelsTest, OneLevelIsAllZeros) {
  EXPECT_THAT(RelevanceLabels({1.0, 2.0, 3.0}, {0, 0, 0}, 1), ElementsAre(0.0f, 0.0f, 0.0f));
}

TEST(RelevanceLabelsTest, RejectsBadInput) {
  EXPECT_THROW(RelevanceLabels({1.0}, {0}, 0), core::Error);
  EXPECT_THROW(RelevanceLabels({1.0, 2.0}, {0}, 5), core::Error);
}

}  // namespace
}  // namespace iorec::model
