#pragma once
/// JSON helpers shared by the writers.
#include <nlohmann/json.hpp>

#include "iorec/space/space.hpp"

namespace iorec::report {

/// A knob value as JSON, keeping its written kind: integer, float or string.
nlohmann::ordered_json KnobValueJson(const space::KnobValue& v);
/// {"knob": value, ...} in knob order.
nlohmann::ordered_json ConfigJson(const space::Space& space, const space::Config& c);
/// Parses a KnobValue back from JSON written by KnobValueJson.
space::KnobValue KnobValueFromJson(const nlohmann::json& j);

}  // namespace iorec::report
