#pragma once
/// Warm start: anchor configs, then a strength-2 (pairwise) covering set over the knobs.
#include <cstdint>
#include <vector>

#include "iorec/core/rng.hpp"
#include "iorec/space/space.hpp"

namespace iorec::sampling {

/// Baseline, all-min, all-max, checkerboard A (even knobs low, odd knobs high) and
/// B (the reverse), in that order, duplicates removed (first occurrence kept).
std::vector<space::Config> Anchors(const space::Space& space, const space::Config& baseline);

struct PairCoverage {
  uint64_t covered = 0;
  uint64_t total = 0;  ///< sum over knob pairs (i<j) of levels_i * levels_j
  double percent() const { return total ? 100.0 * static_cast<double>(covered) / total : 100.0; }
};

/// Value pairs covered by a set of configs.
PairCoverage Coverage(const space::Space& space, const std::vector<space::Config>& configs);

struct WarmStartResult {
  std::vector<space::Config> configs;  ///< anchors first, then the pairwise fill
  size_t num_anchors = 0;
  PairCoverage coverage;
  bool enumerated = false;  ///< candidate pool was the whole space (<= kEnumerateLimit)
};

/// Spaces at most this large are enumerated for the greedy fill.
inline constexpr uint64_t kEnumerateLimit = 50000;

/// Builds exactly max(target_size, #anchors) distinct configs (fewer only if the space is
/// smaller), maximising pair coverage. Deterministic in (inputs, rng state).
WarmStartResult BuildWarmStart(const space::Space& space, const space::Config& baseline,
                               size_t target_size, core::Rng& rng);

/// Smallest set found that covers every pair. With anchors (default) they come first and are
/// kept; without, the result is a plain covering array (baseline unused). For tests and
/// reporting how far a target size is from full coverage.
std::vector<space::Config> FullPairwiseCover(const space::Space& space,
                                             const space::Config& baseline, core::Rng& rng,
                                             bool with_anchors = true);

}  // namespace iorec::sampling
