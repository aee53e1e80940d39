#pragma once
/// Candidate pools and batch selection for one workload. Pure: same inputs and Rng
/// state give the same output.
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "iorec/core/rng.hpp"
#include "iorec/space/space.hpp"

namespace iorec::acquisition {

using ConfigSet = std::unordered_set<space::Config, space::ConfigHash>;

enum class PoolMode { kEnumerated, kMutation };
const char* ToString(PoolMode m);

struct CandidatePool {
  std::vector<space::Config> configs;  ///< distinct, none tested
  PoolMode mode = PoolMode::kEnumerated;
};

struct PoolParams {
  uint64_t enum_threshold_hard = 52920;  ///< enumerate untested configs when Size() <= this
  size_t max_pool = 12000;
  size_t num_parents = 8;  ///< top configs whose 1- and 2-knob mutations are added
};

/// Enumerates all untested configs when the space is small; otherwise `seeds` first (e.g.
/// configs that did well on similar workloads, or the model's local optima), then the
/// 1-knob mutations of `parents` (best first), a share of their 2-knob mutations, then
/// random configs, until `max_pool`.
CandidatePool BuildCandidatePool(const space::Space& space, const ConfigSet& tested,
                                 const std::vector<space::Config>& parents,
                                 const PoolParams& params, core::Rng& rng,
                                 const std::vector<space::Config>& seeds = {});

/// Scores a batch of configs (higher is better), e.g. the surrogate's mean.
using BatchScorer = std::function<std::vector<double>(const std::vector<space::Config>&)>;

/// Steepest-ascent hill climbing over single-knob moves on `score`, from each start, for
/// at most `max_steps` moves each. Returns the distinct local optima reached that are not
/// in `tested`, best first. Explores the whole space, not a sample, at the cost of
/// (sum of levels) scores per step.
std::vector<space::Config> ModelAscent(const space::Space& space,
                                       const std::vector<space::Config>& starts,
                                       const ConfigSet& tested, const BatchScorer& score,
                                       int max_steps);

enum class ExploreMode { kUcb, kThompson };
enum class Role { kExploit, kExplore, kDiversify, kFill };
const char* ToString(Role r);

struct Pick {
  size_t candidate = 0;  ///< index into the pool
  Role role = Role::kExploit;
  double score = 0.0;  ///< the value the role maximised
};

struct BatchParams {
  size_t batch = 3;
  double beta = 1.0;    ///< UCB width
  double lambda = 0.2;  ///< redundancy penalty weight
  ExploreMode explore = ExploreMode::kUcb;
  /// When non-empty (one flag per candidate), the exploit pick is limited to flagged
  /// candidates, e.g. the incumbent's neighbourhood (a trust region), where the model's
  /// ranking is most reliable. Falls back to all candidates when none is flagged.
  std::vector<char> exploit_region;
  /// The diversify pick is the farthest candidate among the best `diversify_top_fraction`
  /// of the pool by predicted mean (1 = the whole pool, pure space filling).
  double diversify_top_fraction = 1.0;
};

/// 1 - (min normalized L1 distance from c to `others`); 0 when `others` is empty.
double Redundancy(const space::Space& space, const space::Config& c,
                  const std::vector<space::Config>& others);

/// Picks min(batch, pool size) distinct candidates: exploit (argmax mean), explore (UCB
/// mean + beta*std - lambda*redundancy, or a Thompson draw from N(mean, std) minus the
/// penalty), diversify (farthest from tested and already picked, among the best
/// diversify_top_fraction of the remaining pool by mean), then the rest by the
/// explore score. Redundancy is measured against tested plus already-picked configs.
std::vector<Pick> SelectBatch(const space::Space& space, const std::vector<space::Config>& pool,
                              const std::vector<double>& mean, const std::vector<double>& stddev,
                              const std::vector<space::Config>& tested, const BatchParams& params,
                              core::Rng& rng);

}  // namespace iorec::acquisition
