#include "iorec/sampling/warm_start.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace iorec::sampling {
namespace {

using space::Config;
using space::Knob;
using space::KnobValue;
using space::Space;

Space MakeSpace(const std::vector<size_t>& levels, const std::vector<std::string>& names = {}) {
  std::vector<Knob> knobs;
  for (size_t i = 0; i < levels.size(); ++i) {
    Knob k;
    k.name = i < names.size() ? names[i] : "k" + std::to_string(i);
    for (size_t l = 0; l < levels[i]; ++l) {
      k.values.push_back(KnobValue::Int(static_cast<int64_t>(l), std::to_string(l)));
    }
    knobs.push_back(k);
  }
  return Space(knobs);
}

Space DefaultSpace() {
  return MakeSpace({6, 7, 6, 5, 6, 7, 6, 6, 6},
                   {"stripe_count", "stripe_size", "osc_max_pages_per_rpc", "mdc_max_pages_per_rpc",
                    "osc_max_rpcs_in_flight", "mdc_max_rpcs_in_flight", "num_aggregators",
                    "collective_buffer_size", "aggregators_per_client"});
}

Config DefaultBaseline() { return Config({0, 2, 5, 4, 1, 1, 2, 2, 1}); }

Space FourKnobSpace() { return MakeSpace({6, 7, 6, 6}); }
Config FourKnobBaseline() { return Config({0, 0, 0, 0}); }

void ExpectDistinct(const std::vector<Config>& configs) {
  const std::set<Config> unique(configs.begin(), configs.end());
  EXPECT_EQ(unique.size(), configs.size());
}

void ExpectAnchorsFirst(const Space& s, const Config& baseline,
                        const std::vector<Config>& configs) {
  const auto anchors = Anchors(s, baseline);
  ASSERT_GE(configs.size(), anchors.size());
  for (size_t i = 0; i < anchors.size(); ++i) EXPECT_EQ(configs[i], anchors[i]) << i;
}

TEST(CoverageTest, CountsDistinctValuePairsByHand) {
  // Knob pairs: (0,1) 2x2=4, (0,2) 2x3=6, (1,2) 2x3=6 -> 16 value pairs.
  const Space s = MakeSpace({2, 2, 3});
  EXPECT_EQ(Coverage(s, {}).covered, 0u);
  EXPECT_EQ(Coverage(s, {}).total, 16u);
  // Each row covers 3 pairs; the two rows share none.
  std::vector<Config> rows = {Config({0, 0, 0}), Config({1, 1, 2})};
  EXPECT_EQ(Coverage(s, rows).covered, 6u);
  // (0,1,0) adds k0k1=(0,1) and k1k2=(1,0); k0k2=(0,0) is already covered.
  rows.push_back(Config({0, 1, 0}));
  EXPECT_EQ(Coverage(s, rows).covered, 8u);
  // A duplicate row adds nothing.
  rows.push_back(Config({0, 1, 0}));
  const PairCoverage c = Coverage(s, rows);
  EXPECT_EQ(c.covered, 8u);
  EXPECT_DOUBLE_EQ(c.percent(), 50.0);
  // The whole space covers everything.
  EXPECT_EQ(Coverage(s, s.Enumerate(100)).covered, 16u);
}

TEST(WarmStartTest, DefaultSpaceAt45) {
  const Space s = DefaultSpace();
  core::Rng rng(42, "warm_start");
  const auto r = BuildWarmStart(s, DefaultBaseline(), 45, rng);
  EXPECT_EQ(r.configs.size(), 45u);
  EXPECT_EQ(r.coverage.total, 1343u);
  // See docs/warm_start.md: OA seed + annealing reaches 96.5-96.9% (42-47 pairs missing) for
  // seeds 1-5, 7 and 42 (42 missing for this seed); 99% was not reached. The counting bound
  // with these anchors is 1,337 pairs (99.55%).
  EXPECT_GE(r.coverage.percent(), 96.5) << r.coverage.covered;
  EXPECT_LE(r.coverage.covered, 1337u);
  EXPECT_EQ(Coverage(s, r.configs).covered, r.coverage.covered);
  EXPECT_FALSE(r.enumerated);
  EXPECT_EQ(r.num_anchors, 5u);
  ExpectDistinct(r.configs);
  ExpectAnchorsFirst(s, DefaultBaseline(), r.configs);
}

TEST(WarmStartTest, DefaultSpaceReachesNinetyNinePercentAt48) {
  // With these anchors 48 rows are the fewest at which the search reaches 99% (7-10 missing for
  // seeds 1-3, see docs/warm_start.md).
  const Space s = DefaultSpace();
  core::Rng rng(42, "warm_start");
  const auto r = BuildWarmStart(s, DefaultBaseline(), 48, rng);
  EXPECT_EQ(r.configs.size(), 48u);
  EXPECT_GE(r.coverage.percent(), 99.0) << r.coverage.covered;
  EXPECT_EQ(Coverage(s, r.configs).covered, r.coverage.covered);
  ExpectDistinct(r.configs);
  ExpectAnchorsFirst(s, DefaultBaseline(), r.configs);
}

TEST(WarmStartTest, FullPairwiseCoverageForFourKnobSpace) {
  // 100% pairwise coverage for the 4-knob space. With these anchors 44 rows are needed (see
  // docs/warm_start.md for why 43 is impossible).
  const Space s = FourKnobSpace();
  core::Rng rng(7, "warm_start");
  const auto r = BuildWarmStart(s, FourKnobBaseline(), 44, rng);
  EXPECT_EQ(r.configs.size(), 44u);
  EXPECT_TRUE(r.enumerated);
  EXPECT_EQ(r.coverage.covered, r.coverage.total);
  EXPECT_EQ(Coverage(s, r.configs).covered, r.coverage.total);
  ExpectDistinct(r.configs);
  ExpectAnchorsFirst(s, FourKnobBaseline(), r.configs);
}

TEST(WarmStartTest, FourKnobAt43MissesAtMostOnePair) {
  const Space s = FourKnobSpace();
  core::Rng rng(7, "warm_start");
  const auto r = BuildWarmStart(s, FourKnobBaseline(), 43, rng);
  EXPECT_EQ(r.configs.size(), 43u);
  EXPECT_GE(r.coverage.covered + 1, r.coverage.total);
  ExpectDistinct(r.configs);
}

TEST(FullPairwiseCoverTest, FourKnobSpace) {
  const Space s = FourKnobSpace();
  core::Rng rng(7, "full_cover");
  const auto cover = FullPairwiseCover(s, FourKnobBaseline(), rng);
  EXPECT_LE(cover.size(), 44u);
  EXPECT_GE(cover.size(), 42u);  // 7 x 6 value pairs of knobs 1 and 0
  const auto cov = Coverage(s, cover);
  EXPECT_EQ(cov.covered, cov.total);
  ExpectDistinct(cover);
  ExpectAnchorsFirst(s, FourKnobBaseline(), cover);
}

TEST(FullPairwiseCoverTest, FourKnobSpaceWithoutAnchorsReachesLowerBound) {
  // A plain covering array CA(42; 2, 7^1 6^3): 42 = 7 x 6 rows is the lower bound.
  const Space s = FourKnobSpace();
  core::Rng rng(7, "full_cover");
  const auto cover = FullPairwiseCover(s, FourKnobBaseline(), rng, /*with_anchors=*/false);
  EXPECT_EQ(cover.size(), 42u);
  const auto cov = Coverage(s, cover);
  EXPECT_EQ(cov.covered, cov.total);
  ExpectDistinct(cover);
}

TEST(FullPairwiseCoverTest, SmallSpaceWithoutAnchorsFindsOrthogonalArray) {
  const Space s = MakeSpace({3, 3, 3, 3});  // OA(9, 4, 3, 2)
  core::Rng rng(3, "full_cover");
  const auto cover = FullPairwiseCover(s, Config({1, 1, 1, 1}), rng, /*with_anchors=*/false);
  EXPECT_EQ(cover.size(), 9u);
  const auto cov = Coverage(s, cover);
  EXPECT_EQ(cov.covered, cov.total);
  ExpectDistinct(cover);
}

TEST(FullPairwiseCoverTest, SmallSpace) {
  const Space s = MakeSpace({3, 3, 3, 3});  // an OA(9, 4, 3, 2) exists
  core::Rng rng(3, "full_cover");
  const Config base({1, 1, 1, 1});
  const auto cover = FullPairwiseCover(s, base, rng);
  const auto cov = Coverage(s, cover);
  EXPECT_EQ(cov.covered, cov.total);
  EXPECT_LE(cover.size(), 12u);
  ExpectDistinct(cover);
  ExpectAnchorsFirst(s, base, cover);
}

TEST(WarmStartTest, SameSeedSameConfigs) {
  const Space s = DefaultSpace();
  core::Rng a(11, "warm_start"), b(11, "warm_start"), c(12, "warm_start");
  const auto ra = BuildWarmStart(s, DefaultBaseline(), 20, a);
  const auto rb = BuildWarmStart(s, DefaultBaseline(), 20, b);
  const auto rc = BuildWarmStart(s, DefaultBaseline(), 20, c);
  EXPECT_EQ(ra.configs, rb.configs);
  EXPECT_EQ(ra.coverage.covered, rb.coverage.covered);
  EXPECT_NE(ra.configs, rc.configs);
}

TEST(WarmStartTest, SameSeedSameConfigsEnumerated) {
  const Space s = MakeSpace({4, 4, 4});
  const Config base({0, 0, 0});
  core::Rng a(5, "warm_start"), b(5, "warm_start");
  EXPECT_EQ(BuildWarmStart(s, base, 14, a).configs, BuildWarmStart(s, base, 14, b).configs);
}

TEST(WarmStartTest, TargetNotAboveAnchorsReturnsAnchors) {
  const Space s = DefaultSpace();
  const auto anchors = Anchors(s, DefaultBaseline());
  for (size_t target : {0u, 3u, 5u}) {
    core::Rng rng(1, "warm_start");
    const auto r = BuildWarmStart(s, DefaultBaseline(), target, rng);
    EXPECT_EQ(r.configs, anchors);
    EXPECT_EQ(r.num_anchors, anchors.size());
    EXPECT_EQ(r.coverage.covered, Coverage(s, anchors).covered);
  }
}

TEST(WarmStartTest, SpaceSmallerThanTargetReturnsWholeSpace) {
  const Space s = MakeSpace({2, 3, 2});
  const Config base({1, 1, 0});
  core::Rng rng(1, "warm_start");
  const auto r = BuildWarmStart(s, base, 100, rng);
  EXPECT_EQ(r.configs.size(), 12u);
  EXPECT_TRUE(r.enumerated);
  EXPECT_EQ(r.coverage.covered, r.coverage.total);
  ExpectDistinct(r.configs);
  ExpectAnchorsFirst(s, base, r.configs);
}

TEST(WarmStartTest, FillIsDistinctAndSpreadOnceFullyCovered) {
  // Target far above a full cover: after full coverage the fill keeps adding distinct configs.
  const Space s = MakeSpace({3, 3, 3});
  const Config base({0, 0, 0});
  core::Rng rng(2, "warm_start");
  const auto r = BuildWarmStart(s, base, 20, rng);
  EXPECT_EQ(r.configs.size(), 20u);
  EXPECT_EQ(r.coverage.covered, r.coverage.total);
  ExpectDistinct(r.configs);
  ExpectAnchorsFirst(s, base, r.configs);
}

}  // namespace
}  // namespace iorec::sampling
