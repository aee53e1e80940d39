#include "iorec/runner/knob_settings.hpp"

#include <gtest/gtest.h>

namespace iorec::runner {
namespace {

TEST(KnobSettingsTest, EveryRealKnobHasItsSetting) {
  ASSERT_EQ(KnownKnobSettings().size(), 9u);
  EXPECT_EQ(FindKnobSetting("stripe_count")->target, KnobTarget::kStripeCount);
  EXPECT_EQ(FindKnobSetting("stripe_size")->target, KnobTarget::kStripeSize);
  EXPECT_EQ(FindKnobSetting("osc_max_pages_per_rpc")->setting, "osc.*.max_pages_per_rpc");
  EXPECT_EQ(FindKnobSetting("mdc_max_rpcs_in_flight")->setting, "mdc.*.max_rpcs_in_flight");
  EXPECT_EQ(FindKnobSetting("num_aggregators")->setting, "cb_nodes");
  EXPECT_EQ(FindKnobSetting("collective_buffer_size")->setting, "cb_buffer_size");
  EXPECT_EQ(FindKnobSetting("aggregators_per_client")->setting, "cb_config_list");
  EXPECT_EQ(FindKnobSetting("aggregators_per_client")->synth_flag, "--mpi-aggregators-per-client");
  EXPECT_EQ(FindKnobSetting("bs"), nullptr);
}

TEST(KnobSettingsTest, RomioHintValuesAreWholeNumbers) {
  const auto& nodes = *FindKnobSetting("num_aggregators");
  const auto& buffer = *FindKnobSetting("collective_buffer_size");
  const auto& list = *FindKnobSetting("aggregators_per_client");
  EXPECT_EQ(RomioHintValue(nodes, "4"), "4");
  EXPECT_EQ(RomioHintValue(buffer, "16777216"), "16777216");
  EXPECT_EQ(RomioHintValue(buffer, "16M"), "16777216");
  EXPECT_EQ(RomioHintValue(buffer, "64KiB"), "65536");
  EXPECT_EQ(RomioHintValue(list, "2"), "*:2");
  EXPECT_EQ(RomioHintValue(nodes, "0"), "");
  EXPECT_EQ(RomioHintValue(nodes, "two"), "");
  EXPECT_EQ(RomioHintValue(buffer, "1.5M"), "");
  EXPECT_EQ(RomioHintValue(*FindKnobSetting("stripe_count"), "4"), "");
}

}  // namespace
}  // namespace iorec::runner
