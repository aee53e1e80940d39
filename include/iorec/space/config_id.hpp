#pragma once
/// The reference io_recommender's name for a config, so that iorec's outputs and a reference
/// user's scripts agree on which config is which.
#include <string>

#include "iorec/space/space.hpp"

namespace iorec::space {

/// The reference's config_id: the first 16 hex digits of the SHA-1 of "knob=value" pairs
/// sorted by knob name and joined with '|', each value as Python prints the value PyYAML
/// reads from the config (an integer in decimal, a float as Python's repr, a string as
/// written).
std::string ConfigId(const Space& space, const Config& config);

/// A knob value as Python's str() prints what PyYAML reads for it: integers in decimal,
/// floats PyYAML recognises (a '.' is required; an exponent needs a sign) as repr(float),
/// anything else as written.
std::string PythonValueText(const KnobValue& v);

/// Python's repr() of a double: the shortest round-trip digits, fixed notation when the
/// decimal exponent is in [-4, 16) ("0.0001", "1e+16", "1e-05", "2.0").
std::string PythonFloatRepr(double v);

}  // namespace iorec::space
