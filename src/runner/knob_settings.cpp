#include "iorec/runner/knob_settings.hpp"

#include <array>

#include "iorec/core/units.hpp"

namespace iorec::runner {
namespace {

constexpr std::array<KnobSetting, 9> kKnobs = {{
    {"stripe_count", KnobTarget::kStripeCount, "", ""},
    {"stripe_size", KnobTarget::kStripeSize, "", ""},
    {"osc_max_pages_per_rpc", KnobTarget::kLctl, "osc.*.max_pages_per_rpc", ""},
    {"osc_max_rpcs_in_flight", KnobTarget::kLctl, "osc.*.max_rpcs_in_flight", ""},
    {"mdc_max_pages_per_rpc", KnobTarget::kLctl, "mdc.*.max_pages_per_rpc", ""},
    {"mdc_max_rpcs_in_flight", KnobTarget::kLctl, "mdc.*.max_rpcs_in_flight", ""},
    {"num_aggregators", KnobTarget::kRomioHint, "cb_nodes", "--mpi-num-aggregators"},
    {"collective_buffer_size", KnobTarget::kRomioHint, "cb_buffer_size",
     "--mpi-collective-buffer-size"},
    {"aggregators_per_client", KnobTarget::kRomioHint, "cb_config_list",
     "--mpi-aggregators-per-client"},
}};

}  // namespace

std::span<const KnobSetting> KnownKnobSettings() { return kKnobs; }

const KnobSetting* FindKnobSetting(std::string_view knob) {
  for (const auto& k : kKnobs) {
    if (k.knob == knob) return &k;
  }
  return nullptr;
}

std::string RomioHintNumber(std::string_view value) {
  const auto n = core::ParseSize(value);
  if (!n || *n == 0) return "";
  const bool plain = value.find_first_not_of("0123456789") == std::string_view::npos;
  return plain ? std::string(value) : std::to_string(*n);
}

std::string RomioHintValue(const KnobSetting& setting, std::string_view value) {
  const std::string n = RomioHintNumber(value);
  if (n.empty() || setting.target != KnobTarget::kRomioHint) return "";
  return setting.setting == "cb_config_list" ? "*:" + n : n;
}

}  // namespace iorec::runner
