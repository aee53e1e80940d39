#pragma once
/// A workload the study did not measure: which of the two recommenders leads. deploy::ZeroShot
/// (one GP over every measured workload and config) extrapolates across scale; the neighbours'
/// consensus (deploy::Recommender) transfers measured configs directly. When the GP's evidence
/// is weak it falls back towards the baseline; a confident consensus (no warning) that picks a
/// config other than the baseline may then lead instead.
#include <cstddef>
#include <vector>

#include "iorec/deploy/recommender.hpp"
#include "iorec/deploy/zero_shot.hpp"
#include "iorec/space/space.hpp"

namespace iorec::deploy {

struct NewWorkloadRule {
  /// The consensus may lead only when its nearest neighbour is at the same scale (every
  /// count feature such as nprocs equal).
  bool same_scale_only = false;
};

/// True when the consensus top-1 should come first: zero-shot's evidence is weak, the
/// consensus has no warning (not far, spread not high, its top-1 beat the baseline wherever
/// measured), its top-1 is not the baseline, and (with rule.same_scale_only) its nearest
/// neighbour is at the same scale.
bool ConsensusLeads(const ZeroShotRecommendation& zero_shot, const Recommendation& consensus,
                    const space::Config& baseline, const NewWorkloadRule& rule);

/// The configs to recommend, top-1 first, at most `top_k` (>= 1): zero-shot's, or, when
/// ConsensusLeads, the consensus top-1 followed by zero-shot's picks other than it, the
/// baseline kept among them when zero-shot kept it.
std::vector<space::Config> NewWorkloadConfigs(const ZeroShotRecommendation& zero_shot,
                                              const Recommendation& consensus,
                                              const space::Config& baseline,
                                              const NewWorkloadRule& rule, size_t top_k);

}  // namespace iorec::deploy
