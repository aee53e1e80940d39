#pragma once
/// What the loop records after the warm start and after each active iteration: counters,
/// the learning-curve metrics (regret@3, hit@3, NDCG@3 of each workload's top-3 by robust
/// score) and the batch's surrogate snapshot. The metrics read the study state; all of
/// them are on the perf scale (higher is better), so they mean the same for a minimized
/// metric.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "iorec/space/space.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::loop {

/// Truth for evaluation, when the testbed can provide it (the stub), in the runner's
/// metric units: the study converts it like a measured metric.
class Oracle {
 public:
  virtual ~Oracle() = default;
  /// The noise-free metric of a config on a workload.
  virtual double TrueMetric(uint32_t workload, const space::Config& c) const = 0;
  /// The best achievable metric on a workload (the lowest when minimizing).
  virtual double BestMetric(uint32_t workload) const = 0;
};

struct ConfigPrediction {
  space::Config config;
  double mean = 0.0;
  double stddev = 0.0;
};

struct IterationRecord {
  int iteration = 0;  ///< 0 = after the warm start
  size_t runs = 0;    ///< trials so far, all workloads
  double runs_per_workload = 0.0;
  double best_gain_so_far = 0.0;  ///< mean over workloads of the best relative gain
  double regret_at_3 = 0.0;       ///< mean over workloads
  double hit_at_3 = 0.0;
  double ndcg_at_3 = 0.0;
  /// The metrics compare against the testbed's true optimum (an oracle); else against each
  /// workload's best warm-start result, which the top-3 always holds: regret 0, hit 1.
  bool against_truth = false;
  std::map<std::string, int> candidate_modes;
  /// Workloads per surrogate used this iteration: "gp" (model.local_gp) or "trees".
  /// Empty after the warm start.
  std::map<std::string, int> surrogates;
  int replicate_runs = 0;
  int failed_runs = 0;
  double mean_batch_sigma = 0.0;
  std::vector<std::vector<ConfigPrediction>> top3_uncertainty;  ///< per workload
};

/// What the metrics compare against: the testbed's truth (`oracle_mode: heldout` with an
/// oracle), else each workload's best measured mean perf after the warm start.
struct MetricsReference {
  const Oracle* oracle = nullptr;  ///< null: measured means
  std::vector<double> best;        ///< per workload, perf units (0: nothing to compare with)
};

/// The reference after the warm start. `oracle` may be null.
MetricsReference ReferenceAfterWarmStart(const state::StudyState& state, const Oracle* oracle);

/// The record's counters and metrics; the caller fills the batch fields (modes,
/// surrogates, replicate runs, sigma, snapshot).
IterationRecord MeasureIteration(const state::StudyState& state, int iteration,
                                 const MetricsReference& reference, double robust_z,
                                 int relevance_levels);

/// One iteration's counters and metrics (everything but the top-3 snapshot), as
/// summary.json's history and the store's history rows hold them.
nlohmann::ordered_json IterationJson(const IterationRecord& r);

}  // namespace iorec::loop
