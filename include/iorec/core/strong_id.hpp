#pragma once
/// Strong integer types so a knob index is never passed where a level index is meant.
#include <compare>
#include <cstdint>

namespace iorec::core {

template <class Tag>
struct StrongIndex {
  uint32_t value = 0;
  constexpr StrongIndex() = default;
  constexpr explicit StrongIndex(uint32_t v) : value(v) {}
  constexpr auto operator<=>(const StrongIndex&) const = default;
};

using KnobIndex = StrongIndex<struct KnobTag>;
using LevelIndex = StrongIndex<struct LevelTag>;

}  // namespace iorec::core
