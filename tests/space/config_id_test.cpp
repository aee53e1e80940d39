#include "iorec/space/config_id.hpp"

#include <gtest/gtest.h>

namespace iorec::space {
namespace {

Knob MakeKnob(const std::string& name, std::vector<KnobValue> values) {
  Knob k;
  k.name = name;
  k.values = std::move(values);
  return k;
}

TEST(ConfigIdTest, MatchesTheReferenceForItsBaseline) {
  // The reference config's baseline; the expected id is what the reference's
  // config_id_from_params returns for it (Python 3, hashlib).
  auto i = [](int64_t v) { return KnobValue::Int(v, std::to_string(v)); };
  const Space space(
      {MakeKnob("stripe_count", {i(1), i(2)}),
       MakeKnob("stripe_size", {KnobValue::String("64K"), KnobValue::String("1M")}),
       MakeKnob("osc_max_pages_per_rpc", {i(1024)}), MakeKnob("mdc_max_pages_per_rpc", {i(256)}),
       MakeKnob("osc_max_rpcs_in_flight", {i(8)}), MakeKnob("mdc_max_rpcs_in_flight", {i(8)}),
       MakeKnob("num_aggregators", {i(4)}), MakeKnob("collective_buffer_size", {i(16777216)}),
       MakeKnob("aggregators_per_client", {i(2)})});
  EXPECT_EQ(ConfigId(space, Config({0, 1, 0, 0, 0, 0, 0, 0, 0})), "8fa747b503c7b8a5");
  EXPECT_NE(ConfigId(space, Config({1, 1, 0, 0, 0, 0, 0, 0, 0})), "8fa747b503c7b8a5");
}

TEST(ConfigIdTest, ValuesPrintAsPythonPrintsWhatPyYamlReads) {
  // PyYAML reads 2.50 and 1.0e-5 as floats, 1e3 (no '.') and 64K as strings.
  const Space space(
      {MakeKnob("b", {KnobValue::FromText("2.50")}), MakeKnob("a", {KnobValue::FromText("64K")}),
       MakeKnob("c", {KnobValue::FromText("1.0e-5")}), MakeKnob("d", {KnobValue::FromText("1e3")}),
       MakeKnob("e", {KnobValue::FromText("1.0e+16")}),
       MakeKnob("f", {KnobValue::FromText("3.")})});
  EXPECT_EQ(PythonValueText(space.knob(KnobIndex(0)).values[0]), "2.5");
  EXPECT_EQ(PythonValueText(space.knob(KnobIndex(2)).values[0]), "1e-05");
  EXPECT_EQ(PythonValueText(space.knob(KnobIndex(3)).values[0]), "1e3");
  EXPECT_EQ(PythonValueText(space.knob(KnobIndex(4)).values[0]), "1e+16");
  EXPECT_EQ(PythonValueText(space.knob(KnobIndex(5)).values[0]), "3.0");
  // Python: config_id_from_params({"b": 2.5, "a": "64K", "c": 1e-05, "d": "1e3",
  //                                "e": 1e+16, "f": 3.0})
  EXPECT_EQ(ConfigId(space, Config({0, 0, 0, 0, 0, 0})), "394a26e54831f0d4");
}

TEST(ConfigIdTest, FloatReprFollowsPython) {
  EXPECT_EQ(PythonFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PythonFloatRepr(1e-05), "1e-05");
  EXPECT_EQ(PythonFloatRepr(1e16), "1e+16");
  EXPECT_EQ(PythonFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(PythonFloatRepr(2.0), "2.0");
  EXPECT_EQ(PythonFloatRepr(0.1), "0.1");
  EXPECT_EQ(PythonFloatRepr(123456.789), "123456.789");
  EXPECT_EQ(PythonFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(PythonFloatRepr(1.5e300), "1.5e+300");
  EXPECT_EQ(PythonFloatRepr(5e-324), "5e-324");
  EXPECT_EQ(PythonFloatRepr(0.0), "0.0");
}

}  // namespace
}  // namespace iorec::space
