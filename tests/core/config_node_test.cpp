// The plain config tree and its reader: typed fields, ranges, unknown keys, locations.
#include "iorec/core/config_node.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace iorec::core {
namespace {

using ::testing::ElementsAre;

ConfigNode S(const std::string& text, bool quoted = false) {
  return ConfigNode::Scalar(text, quoted);
}

ConfigNode M(std::vector<std::pair<std::string, ConfigNode>> kv) {
  std::vector<ConfigNode> keys, values;
  for (auto& [k, v] : kv) {
    keys.push_back(S(k));
    values.push_back(std::move(v));
  }
  return ConfigNode::Map(std::move(keys), std::move(values));
}

TEST(ConfigReaderTest, ReadsTypedFieldsAndLeavesDefaultsOnProblems) {
  const ConfigNode node = M({{"n", S("12")},
                             {"x", S("0.5")},
                             {"flag", S("yes")},
                             {"name", S("abc", true)},
                             {"mode", S("Real")},
                             {"bad_int", S("12", true)},
                             {"low", S("-1")},
                             {"frac", S("1")},
                             {"big", S("1000001")},
                             {"count", S("18446744073709551615")}});
  ConfigReader r("c.yaml");
  const ConfigMap m = r.Map(node, "sec", {});
  int n = 0, bad_int = 7, low = 3;
  double x = 0, frac = 0.25;
  bool flag = false;
  std::string name;
  enum class Mode { kA, kReal } mode = Mode::kA;
  r.IntField(m, "sec", "n", n, 1);
  r.DoubleField(m, "sec", "x", x, ConfigReader::Between(0.0, 1e6));
  r.BoolField(m, "sec", "flag", flag);
  r.StringField(m, "sec", "name", name);
  r.EnumField(m, "sec", "mode", mode, {"a", "real"}, {Mode::kA, Mode::kReal});
  r.IntField(m, "sec", "bad_int", bad_int, 0);
  r.IntField(m, "sec", "low", low, 0);
  r.DoubleField(m, "sec", "frac", frac, ConfigReader::Open01());
  double big = 1;
  uint64_t count = 5;
  r.DoubleField(m, "sec", "big", big, ConfigReader::Between(0.0, 1e6));
  r.UintField(m, "sec", "count", count, 1000);
  EXPECT_EQ(n, 12);
  EXPECT_DOUBLE_EQ(x, 0.5);
  EXPECT_TRUE(flag);
  EXPECT_EQ(name, "abc");
  EXPECT_EQ(mode, Mode::kReal);
  EXPECT_EQ(bad_int, 7);
  EXPECT_EQ(low, 3);
  EXPECT_DOUBLE_EQ(frac, 0.25);
  EXPECT_DOUBLE_EQ(big, 1);
  EXPECT_EQ(count, 5u);
  EXPECT_THAT(r.problems().items(),
              ElementsAre("c.yaml: sec.bad_int: expected an integer, got the string \"12\"",
                          "c.yaml: sec.low: must be >= 0, got -1",
                          "c.yaml: sec.frac: must be in (0, 1), got 1",
                          "c.yaml: sec.big: must be in [0, 1000000], got 1000001",
                          "c.yaml: sec.count: must be <= 1000, got 18446744073709551615"));
}

TEST(ConfigReaderTest, UnknownDuplicateAndNonScalarKeys) {
  std::vector<ConfigNode> keys = {S("batch_per_iteration"), S("zzz"), S("a"), S("a"),
                                  ConfigNode::List({S("k")})};
  std::vector<ConfigNode> values(keys.size(), S("1"));
  const ConfigNode node = ConfigNode::Map(std::move(keys), std::move(values));
  ConfigReader r("c.yaml");
  const ConfigMap m = r.Map(node, "active", {"batch_per_iter", "a"});
  EXPECT_TRUE(m.valid);
  ASSERT_EQ(m.entries().size(), 1u);
  EXPECT_EQ(m.entries()[0].first, "a");
  EXPECT_THAT(
      r.problems().items(),
      ElementsAre(
          "c.yaml: active.batch_per_iteration: unknown key (did you mean 'active.batch_per_iter'?)",
          "c.yaml: active.zzz: unknown key; known keys: batch_per_iter, a",
          "c.yaml: active.a: duplicate key",
          "c.yaml: active: keys must be plain names, got a list"));
}

TEST(ConfigReaderTest, NotAMappingAndMissingValues) {
  ConfigReader r("c.yaml");
  EXPECT_FALSE(r.Map(S("x"), "runner", {}).valid);
  EXPECT_TRUE(r.Map(ConfigNode(), "runner", {}).valid);
  EXPECT_FALSE(r.Int(ConfigNode(), "runner.n").has_value());
  EXPECT_FALSE(r.Uint(S("-3"), "seed").has_value());
  EXPECT_FALSE(r.Double(S("inf"), "x").has_value());
  EXPECT_THAT(r.problems().items(),
              ElementsAre("c.yaml: runner: expected a mapping of keys to values, got 'x'",
                          "c.yaml: runner.n: missing value (expected an integer)",
                          "c.yaml: seed: must be >= 0, got -3",
                          "c.yaml: x: must be a finite number, got inf"));
}

}  // namespace
}  // namespace iorec::core
