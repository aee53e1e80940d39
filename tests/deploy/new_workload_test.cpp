#include "iorec/deploy/new_workload.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace iorec::deploy {
namespace {

const space::Config kBase({0, 0}), kA({1, 1}), kB({2, 2}), kC({3, 0});

ZeroShotRecommendation Weak() {
  ZeroShotRecommendation z;
  z.weak_evidence = true;
  z.configs = {{kBase, {}, 0.1, false}, {kA, {}, 0.1, false}, {kB, {}, 0.1, false}};
  return z;
}

Recommendation Consensus(space::Config first, bool same_scale) {
  Recommendation r;
  r.configs.push_back({first, 0.0, 0.0, false, {}, 0.9, "neighbor:w1"});
  r.configs.push_back({kA, 0.0, 0.0, false, {}, 0.8, "neighbor:w1"});
  r.nearest_same_scale = same_scale;
  return r;
}

TEST(NewWorkloadTest, ConfidentConsensusLeadsWhenZeroShotIsWeakKeepingTheBaseline) {
  const auto out = NewWorkloadConfigs(Weak(), Consensus(kC, false), kBase, {}, 3);
  EXPECT_EQ(out, (std::vector<space::Config>{kC, kBase, kA}));
}

TEST(NewWorkloadTest, ZeroShotKeepsTheLeadWhenItsEvidenceIsStrong) {
  auto z = Weak();
  z.weak_evidence = false;
  z.configs = {{kA, {}, 0.1, true}, {kB, {}, 0.1, false}, {kC, {}, 0.1, false}};
  EXPECT_FALSE(ConsensusLeads(z, Consensus(kC, true), kBase, {}));
  EXPECT_EQ(NewWorkloadConfigs(z, Consensus(kC, true), kBase, {}, 3),
            (std::vector<space::Config>{kA, kB, kC}));
}

TEST(NewWorkloadTest, AFlaggedOrBaselineConsensusDoesNotLead) {
  auto warned = Consensus(kC, true);
  warned.warnings.push_back("nearest known workload is far");
  EXPECT_FALSE(ConsensusLeads(Weak(), warned, kBase, {}));
  EXPECT_FALSE(ConsensusLeads(Weak(), Consensus(kBase, true), kBase, {}));
  EXPECT_EQ(NewWorkloadConfigs(Weak(), warned, kBase, {}, 3),
            (std::vector<space::Config>{kBase, kA, kB}));
}

TEST(NewWorkloadTest, SameScaleRuleNeedsTheNearestNeighbourAtTheSameScale) {
  const NewWorkloadRule same{true};
  EXPECT_FALSE(ConsensusLeads(Weak(), Consensus(kC, false), kBase, same));
  EXPECT_TRUE(ConsensusLeads(Weak(), Consensus(kC, true), kBase, same));
}

TEST(NewWorkloadTest, ConsensusTopOneAlreadyAmongZeroShotPicksIsNotRepeated) {
  const auto out = NewWorkloadConfigs(Weak(), Consensus(kB, false), kBase, {}, 3);
  EXPECT_EQ(out, (std::vector<space::Config>{kB, kBase, kA}));
}

}  // namespace
}  // namespace iorec::deploy
