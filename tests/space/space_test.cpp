#include "iorec/space/space.hpp"

#include <gtest/gtest.h>

#include <set>

namespace iorec::space {
namespace {

Space MakeSpace(std::vector<size_t> levels) {
  std::vector<Knob> knobs;
  for (size_t i = 0; i < levels.size(); ++i) {
    Knob k;
    k.name = "k" + std::to_string(i);
    for (size_t l = 0; l < levels[i]; ++l) k.values.push_back(KnobValue::Int(l, std::to_string(l)));
    knobs.push_back(k);
  }
  return Space(knobs);
}

TEST(SpaceTest, DefaultSpaceSize) {
  EXPECT_EQ(MakeSpace({6, 7, 6, 5, 6, 7, 6, 6, 6}).Size(), 11430720u);
}

TEST(SpaceTest, RankUnrankRoundTripAndEnumerationOrder) {
  const Space s = MakeSpace({3, 2, 4});
  const auto all = s.Enumerate(1000);
  ASSERT_EQ(all.size(), 24u);
  std::set<Config> unique(all.begin(), all.end());
  EXPECT_EQ(unique.size(), 24u);
  for (uint64_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(s.Rank(all[i]), i);
    EXPECT_EQ(s.Unrank(i), all[i]);
  }
  EXPECT_THROW(s.Enumerate(10), std::exception);
}

TEST(SpaceTest, DistanceIsNormalizedL1) {
  const Space s = MakeSpace({3, 5, 1});
  const Config a({0, 0, 0}), b({2, 4, 0}), c({1, 1, 0});
  EXPECT_DOUBLE_EQ(s.Distance(a, a), 0.0);
  EXPECT_DOUBLE_EQ(s.Distance(a, b), (1.0 + 1.0 + 0.0) / 3.0);
  EXPECT_DOUBLE_EQ(s.Distance(a, c), (0.5 + 0.25) / 3.0);
  EXPECT_DOUBLE_EQ(s.Distance(b, c), s.Distance(c, b));
}

TEST(SpaceTest, OneHotEncoding) {
  const Space s = MakeSpace({2, 3});
  EXPECT_EQ(s.OneHotWidth(), 5u);
  float out[5];
  s.EncodeOneHot(Config({1, 2}), out);
  EXPECT_EQ(std::vector<float>(out, out + 5), (std::vector<float>{0, 1, 0, 0, 1}));
  EXPECT_EQ(s.OneHotNames()[2], "k1=0");
}

TEST(SpaceTest, ModelEncodingAddsOrdinalColumnsForOrderedKnobs) {
  std::vector<Knob> knobs(3);
  knobs[0] = {
      "a", {KnobValue::FromText("1"), KnobValue::FromText("2"), KnobValue::FromText("4")}, true};
  knobs[1] = {"b", {KnobValue::FromText("x"), KnobValue::FromText("y")}, false};
  knobs[2] = {"c", {KnobValue::FromText("1"), KnobValue::FromText("2")}, true};
  const Space s(knobs);
  EXPECT_EQ(s.ConfigWidth(), 7u + 2u);
  std::vector<float> out(s.ConfigWidth());
  s.EncodeConfig(Config({1, 1, 0}), out.data());
  EXPECT_EQ(out, (std::vector<float>{0, 1, 0, 0, 1, 1, 0, 0.5f, 0.0f}));
  EXPECT_EQ(s.ConfigColumnNames()[7], "a#level");
  EXPECT_EQ(s.KnobOfColumn(0), 0u);
  EXPECT_EQ(s.KnobOfColumn(3), 1u);
  EXPECT_EQ(s.KnobOfColumn(6), 2u);
  EXPECT_EQ(s.KnobOfColumn(8), 2u);
}

TEST(KnobValueTest, KeepsTextAndKind) {
  EXPECT_EQ(KnobValue::FromText("64K").kind(), KnobValue::Kind::kString);
  EXPECT_EQ(KnobValue::FromText("64K").text(), "64K");
  EXPECT_EQ(KnobValue::FromText("16").kind(), KnobValue::Kind::kInt);
  EXPECT_EQ(KnobValue::FromText("16").as_int(), 16);
  EXPECT_EQ(KnobValue::FromText("0.5").kind(), KnobValue::Kind::kFloat);
  EXPECT_FALSE(KnobValue::FromText("1") == KnobValue::FromText("1.0"));
}

TEST(SpaceTest, FindLevelMatchesNumericEquivalents) {
  std::vector<Knob> knobs(1);
  knobs[0].name = "x";
  knobs[0].values = {KnobValue::FromText("1"), KnobValue::FromText("2.5"),
                     KnobValue::FromText("4M")};
  Space s(knobs);
  EXPECT_EQ(s.FindLevel(KnobIndex(0), KnobValue::FromText("2.5"))->value, 1u);
  EXPECT_EQ(s.FindLevel(KnobIndex(0), KnobValue::FromText("1.0"))->value, 0u);
  EXPECT_EQ(s.FindLevel(KnobIndex(0), KnobValue::FromText("4M"))->value, 2u);
  EXPECT_FALSE(s.FindLevel(KnobIndex(0), KnobValue::FromText("8M")).has_value());
}

}  // namespace
}  // namespace iorec::space
