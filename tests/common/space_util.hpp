#pragma once
// Small search spaces for tests of any module.
#include <string>
#include <vector>

#include "iorec/space/space.hpp"

namespace iorec::test_support {

/// Knobs "k0", "k1", ... with integer values 0..levels[i]-1 (written as such); all ordered
/// unless `ordered` says otherwise for a knob.
inline space::Space IntSpace(const std::vector<size_t>& levels,
                             const std::vector<bool>& ordered = {}) {
  std::vector<space::Knob> knobs;
  for (size_t i = 0; i < levels.size(); ++i) {
    space::Knob k;
    k.name = "k" + std::to_string(i);
    k.is_ordered = ordered.empty() || ordered[i];
    for (size_t l = 0; l < levels[i]; ++l) {
      k.values.push_back(space::KnobValue::Int(static_cast<int64_t>(l), std::to_string(l)));
    }
    knobs.push_back(k);
  }
  return space::Space(knobs);
}

}  // namespace iorec::test_support
