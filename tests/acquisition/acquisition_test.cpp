#include "iorec/acquisition/acquisition.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/space_util.hpp"

namespace iorec::acquisition {
namespace {

using test_support::IntSpace;

TEST(CandidatePoolTest, EnumeratesUntestedConfigsOfSmallSpaces) {
  const auto s = IntSpace({3, 4});
  ConfigSet tested = {space::Config({0, 0}), space::Config({2, 3})};
  core::Rng rng(1, "pool");
  const auto pool = BuildCandidatePool(s, tested, {}, PoolParams{100, 50, 4}, rng);
  EXPECT_EQ(pool.mode, PoolMode::kEnumerated);
  EXPECT_EQ(pool.configs.size(), 10u);
  for (const auto& c : pool.configs) EXPECT_FALSE(tested.count(c));
}

TEST(CandidatePoolTest, MutatesParentsInLargeSpacesAndRespectsMaxPool) {
  const auto s = IntSpace({6, 7, 6, 5, 6, 7, 6, 6, 6});
  const space::Config parent({1, 2, 3, 1, 2, 3, 1, 2, 3});
  ConfigSet tested = {parent};
  core::Rng rng(1, "pool");
  const auto pool = BuildCandidatePool(s, tested, {parent}, PoolParams{1000, 500, 8}, rng);
  EXPECT_EQ(pool.mode, PoolMode::kMutation);
  EXPECT_EQ(pool.configs.size(), 500u);
  std::set<space::Config> unique(pool.configs.begin(), pool.configs.end());
  EXPECT_EQ(unique.size(), pool.configs.size());
  EXPECT_FALSE(unique.count(parent));
  // All 46 single-knob neighbours of the parent come first.
  size_t one_knob = 0;
  for (size_t i = 0; i < 46; ++i) {
    int diff = 0;
    for (size_t k = 0; k < 9; ++k) diff += pool.configs[i][k] != parent[k];
    one_knob += diff == 1;
  }
  EXPECT_EQ(one_knob, 46u);
}

TEST(CandidatePoolTest, IsDeterministicForASeed) {
  const auto s = IntSpace({6, 7, 6, 5, 6, 7, 6, 6, 6});
  const space::Config parent({0, 0, 0, 0, 0, 0, 0, 0, 0});
  core::Rng a(3, "pool"), b(3, "pool");
  EXPECT_EQ(BuildCandidatePool(s, {}, {parent}, PoolParams{10, 300, 8}, a).configs,
            BuildCandidatePool(s, {}, {parent}, PoolParams{10, 300, 8}, b).configs);
}

TEST(SelectBatchTest, PicksExploitExploreDiversifyInOrder) {
  const auto s = IntSpace({5, 5});
  std::vector<space::Config> pool = {space::Config({0, 0}), space::Config({1, 1}),
                                     space::Config({2, 2}), space::Config({4, 4}),
                                     space::Config({0, 1})};
  const std::vector<double> mean = {1.0, 0.5, 0.2, 0.1, 0.9};
  const std::vector<double> sd = {0.0, 2.0, 0.1, 0.0, 0.0};
  const std::vector<space::Config> tested = {space::Config({0, 2})};
  core::Rng rng(1, "select");
  const auto picks =
      SelectBatch(s, pool, mean, sd, tested, BatchParams{3, 1.0, 0.0, ExploreMode::kUcb, {}}, rng);
  ASSERT_EQ(picks.size(), 3u);
  EXPECT_EQ(picks[0].candidate, 0u);  // best mean
  EXPECT_EQ(picks[0].role, Role::kExploit);
  EXPECT_EQ(picks[1].candidate, 1u);  // best mean + sigma
  EXPECT_EQ(picks[1].role, Role::kExplore);
  EXPECT_EQ(picks[2].candidate, 3u);  // farthest from tested and picked
  EXPECT_EQ(picks[2].role, Role::kDiversify);
}

TEST(SelectBatchTest, RedundancyPenaltyAvoidsNearDuplicates) {
  const auto s = IntSpace({11});
  std::vector<space::Config> pool = {space::Config({5}), space::Config({10}), space::Config({6})};
  const std::vector<double> mean = {1.0, 0.8, 0.99};
  const std::vector<double> sd = {0, 0, 0};
  core::Rng rng(1, "select");
  // Without penalty the explore pick is the near-duplicate {6}; with it, the distant {10}.
  auto no_penalty =
      SelectBatch(s, pool, mean, sd, {}, BatchParams{2, 0.0, 0.0, ExploreMode::kUcb, {}}, rng);
  auto penalty =
      SelectBatch(s, pool, mean, sd, {}, BatchParams{2, 0.0, 0.5, ExploreMode::kUcb, {}}, rng);
  EXPECT_EQ(no_penalty[1].candidate, 2u);
  EXPECT_EQ(penalty[1].candidate, 1u);
}

TEST(SelectBatchTest, ReturnsDistinctPicksAndHandlesSmallPools) {
  const auto s = IntSpace({4, 4});
  std::vector<space::Config> pool = {space::Config({0, 0}), space::Config({3, 3})};
  core::Rng rng(1, "select");
  const auto picks = SelectBatch(s, pool, {0.1, 0.2}, {0.1, 0.1}, {},
                                 BatchParams{5, 1.0, 0.2, ExploreMode::kThompson, {}}, rng);
  ASSERT_EQ(picks.size(), 2u);
  EXPECT_NE(picks[0].candidate, picks[1].candidate);
}

TEST(SelectBatchTest, ThompsonIsSeeded) {
  const auto s = IntSpace({6, 6});
  std::vector<space::Config> pool;
  std::vector<double> mean, sd;
  for (uint8_t a = 0; a < 6; ++a) {
    for (uint8_t b = 0; b < 6; ++b) {
      pool.push_back(space::Config({a, b}));
      mean.push_back(0.01 * a);
      sd.push_back(1.0);
    }
  }
  core::Rng r1(9, "select"), r2(9, "select");
  const BatchParams p{4, 1.0, 0.2, ExploreMode::kThompson, {}};
  const auto a = SelectBatch(s, pool, mean, sd, {}, p, r1);
  const auto b = SelectBatch(s, pool, mean, sd, {}, p, r2);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].candidate, b[i].candidate);
}

TEST(SelectBatchTest, ExploitPickStaysInTheTrustRegion) {
  const auto s = IntSpace({5, 5});
  std::vector<space::Config> pool = {space::Config({4, 4}), space::Config({0, 1}),
                                     space::Config({1, 1})};
  const std::vector<double> mean = {9.0, 2.0, 1.0};
  const std::vector<double> sd = {0, 0, 0};
  core::Rng rng(1, "select");
  BatchParams p{1, 1.0, 0.0, ExploreMode::kUcb, {0, 1, 1}};
  EXPECT_EQ(SelectBatch(s, pool, mean, sd, {}, p, rng)[0].candidate, 1u);
  p.exploit_region = {0, 0, 0};  // nothing flagged: the whole pool
  EXPECT_EQ(SelectBatch(s, pool, mean, sd, {}, p, rng)[0].candidate, 0u);
}

TEST(SelectBatchTest, DiversifyPicksTheFarthestAmongTheBestPredicted) {
  const auto s = IntSpace({11});
  // Tested {0}. The farthest candidate {10} is predicted poorly; among the best half of
  // the rest the farthest is {6}.
  std::vector<space::Config> pool = {space::Config({1}), space::Config({10}), space::Config({6}),
                                     space::Config({2}), space::Config({3})};
  const std::vector<double> mean = {5.0, 0.0, 3.0, 2.0, 4.0};
  const std::vector<double> sd = {0, 0, 0, 0, 0};
  const std::vector<space::Config> tested = {space::Config({0})};
  core::Rng rng(1, "select");
  BatchParams p{3, 0.0, 0.0, ExploreMode::kUcb, {}};
  auto picks = SelectBatch(s, pool, mean, sd, tested, p, rng);
  ASSERT_EQ(picks.size(), 3u);
  EXPECT_EQ(picks[2].role, Role::kDiversify);
  EXPECT_EQ(picks[2].candidate, 1u);  // whole pool: pure space filling
  p.diversify_top_fraction = 0.5;     // best 2 of the 3 left: {6} (3.0) and {2} (2.0)
  picks = SelectBatch(s, pool, mean, sd, tested, p, rng);
  EXPECT_EQ(picks[0].candidate, 0u);
  EXPECT_EQ(picks[1].candidate, 4u);
  EXPECT_EQ(picks[2].candidate, 2u);
}

TEST(ModelAscentTest, ClimbsToTheScorersOptimumOverTheWholeSpace) {
  const auto s = IntSpace({6, 7, 6, 5});
  const space::Config target({4, 1, 5, 2});
  BatchScorer score = [&](const std::vector<space::Config>& cs) {
    std::vector<double> out;
    for (const auto& c : cs) {
      double v = 0;
      for (size_t k = 0; k < 4; ++k) v -= std::abs(int(c[k]) - int(target[k]));
      out.push_back(v);
    }
    return out;
  };
  const auto found = ModelAscent(s, {space::Config({0, 6, 0, 0})}, {}, score, 20);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], target);
  // A tested optimum is not returned; too few steps stop short of it.
  EXPECT_TRUE(ModelAscent(s, {space::Config({0, 6, 0, 0})}, {target}, score, 20).empty());
  EXPECT_NE(ModelAscent(s, {space::Config({0, 6, 0, 0})}, {}, score, 2)[0], target);
}

TEST(RedundancyTest, IsOneMinusMinDistance) {
  const auto s = IntSpace({3});
  EXPECT_DOUBLE_EQ(Redundancy(s, space::Config({0}), {}), 0.0);
  EXPECT_DOUBLE_EQ(Redundancy(s, space::Config({0}), {space::Config({2}), space::Config({1})}),
                   0.5);
}

}  // namespace
}  // namespace iorec::acquisition
