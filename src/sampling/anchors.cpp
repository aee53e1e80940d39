#include <algorithm>

#include "iorec/sampling/warm_start.hpp"

namespace iorec::sampling {

std::vector<space::Config> Anchors(const space::Space& space, const space::Config& baseline) {
  const size_t n = space.num_knobs();
  std::vector<uint8_t> a(n), b(n);
  for (size_t k = 0; k < n; ++k) {
    const auto hi = static_cast<uint8_t>(space.levels(k) - 1);
    a[k] = (k % 2 == 0) ? 0 : hi;
    b[k] = (k % 2 == 0) ? hi : 0;
  }
  std::vector<space::Config> out;
  for (auto c : {baseline, space.AllMin(), space.AllMax(), space::Config(a), space::Config(b)}) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace iorec::sampling
