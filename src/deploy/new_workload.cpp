#include "iorec/deploy/new_workload.hpp"

#include <algorithm>

namespace iorec::deploy {

bool ConsensusLeads(const ZeroShotRecommendation& zero_shot, const Recommendation& consensus,
                    const space::Config& baseline, const NewWorkloadRule& rule) {
  return zero_shot.weak_evidence && consensus.warnings.empty() && !consensus.configs.empty() &&
         consensus.configs.front().config != baseline &&
         (!rule.same_scale_only || consensus.nearest_same_scale);
}

std::vector<space::Config> NewWorkloadConfigs(const ZeroShotRecommendation& zero_shot,
                                              const Recommendation& consensus,
                                              const space::Config& baseline,
                                              const NewWorkloadRule& rule, size_t top_k) {
  std::vector<space::Config> out;
  if (ConsensusLeads(zero_shot, consensus, baseline, rule))
    out.push_back(consensus.configs.front().config);
  for (const auto& p : zero_shot.configs) {
    if (out.size() >= top_k) break;
    if (std::find(out.begin(), out.end(), p.config) == out.end()) out.push_back(p.config);
  }
  const bool zero_shot_kept_baseline =
      std::any_of(zero_shot.configs.begin(), zero_shot.configs.end(),
                  [&](const ZeroShotPick& p) { return p.config == baseline; });
  if (zero_shot_kept_baseline && std::find(out.begin(), out.end(), baseline) == out.end())
    out.back() = baseline;
  return out;
}

}  // namespace iorec::deploy
