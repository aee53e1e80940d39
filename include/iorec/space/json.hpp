#pragma once
/// Configs and knob values as JSON (outputs, the model directory, `iorec ask`).
#include <nlohmann/json.hpp>

#include "iorec/space/space.hpp"

namespace iorec::space {

/// A knob value as JSON, keeping its written kind: integer, float or string.
nlohmann::ordered_json KnobValueJson(const KnobValue& v);
/// {"knob": value, ...} in knob order.
nlohmann::ordered_json ConfigJson(const Space& space, const Config& c);

}  // namespace iorec::space
