#pragma once
// The harder deployment test of the quality benchmark (issue 14): unseen workloads derived
// from the training workloads, features perturbed within their groups and nprocs scaled.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"
#include "testbeds.hpp"

namespace iorec::bench {

/// Indices of the pct_* features that sum to 1 together (docs/features.md: reads/writes,
/// bytes read/written, the five access kinds over all calls, the read and the write size
/// bins, shared/unique files and bytes, read-only/read-write/write-only files and bytes).
/// Every other pct_* feature is a group of its own; nprocs and unknown names are in none.
std::vector<std::vector<size_t>> FeatureGroups(const std::vector<std::string>& names);

struct UnseenWorkload {
  space::Workload workload;
  size_t parent = 0;           ///< index of the training workload it derives from
  double nprocs_factor = 1.0;  ///< nprocs = max(1, round(parent nprocs * factor))
};

/// `per_workload` derived workloads per training workload: every pct_* feature moved by a
/// uniform draw in [-max_shift, max_shift] and clamped to [0, 1], then each group that
/// summed to 1 renormalized (a group that was all zero, e.g. the read sizes of a job that
/// never reads, stays zero); nprocs scaled by a factor from `factors`, each factor used
/// equally often (shuffled). Deterministic in `seed`.
std::vector<UnseenWorkload> MakeUnseenSet(const space::WorkloadSet& training, int per_workload,
                                          const std::vector<double>& factors, double max_shift,
                                          uint64_t seed);

/// What a recommender returns for one workload, as the benchmark scores it.
struct Picks {
  std::vector<space::Config> configs;  ///< best first
  bool flagged = false;                ///< a warning was attached
};

/// Per-seed results of the unseen test, aggregated by `UnseenTable` across seeds.
struct UnseenScores {
  /// Per unseen workload (same order as the set).
  std::vector<double> top1, best3, baseline, copy_nearest_true, copy_parent_true;
  std::vector<int> top1_worse, best3_worse, flagged;
  std::vector<double> factor;
  /// Scalars the caller adds (e.g. how many candidate configs were measured at several
  /// neighbours), averaged over seeds as they are.
  std::map<std::string, double> diagnostics;
};

/// Scores `recommend` on every unseen workload against the testbed's truth.
/// `nearest(features)` is the training workload the recommender calls nearest.
UnseenScores ScoreUnseen(const BenchTestbed& tb, const space::WorkloadSet& training,
                         const std::vector<UnseenWorkload>& unseen, const space::Config& baseline,
                         const std::function<Picks(const std::vector<double>&)>& recommend,
                         const std::function<size_t(const std::vector<double>&)>& nearest);

/// Accumulates UnseenScores over seeds and writes the JSON summary (mean over seeds of each
/// seed's mean, with min and max; counts per seed; everything split by nprocs factor).
class UnseenTable {
 public:
  void Add(const UnseenScores& s);
  nlohmann::ordered_json Json() const;
  /// One line per seed for stderr.
  static std::string Line(const UnseenScores& s);

 private:
  std::vector<UnseenScores> seeds_;
};

}  // namespace iorec::bench
