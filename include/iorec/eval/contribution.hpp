#pragma once
/// Did active learning earn its runs? Compares what the warm start found with what the
/// active loop (and its replicates) added, per workload and overall. Pure.
#include <cstddef>
#include <string>
#include <vector>

#include "iorec/state/study_state.hpp"

namespace iorec::eval {

struct WorkloadContribution {
  std::string id;
  double best_warm_gain = 0.0;      ///< best relative gain of a baseline/warm config
  double best_active_gain = 0.0;    ///< best relative gain of an active config; NaN if none
  double active_improvement = 0.0;  ///< max(0, best_active - best_warm)
  double topk_active_share = 0.0;   ///< share of the final top-k first found by active trials
  size_t top_k = 0;                 ///< size of the final top-k (may be < k)
  int first_active_beat_iteration =
      -1;                    ///< first iteration whose new config beat the warm best; -1 never
  size_t warm_trials = 0;    ///< baseline + warm trials (including failed)
  size_t active_trials = 0;  ///< active + replicate trials (including failed)
  double warm_mean_gain_per_trial = 0.0;      ///< mean relative gain of successful warm trials
  double active_mean_gain_per_trial = 0.0;    ///< same for active/replicate trials; NaN if none
  double warm_improvement_per_trial = 0.0;    ///< max(0, best_warm) / warm_trials
  double active_improvement_per_trial = 0.0;  ///< active_improvement / active_trials (0 if none)
};

struct ContributionReport {
  std::vector<WorkloadContribution> workloads;
  double mean_best_warm_gain = 0.0;
  double mean_best_overall_gain = 0.0;  ///< mean of max(best warm, best active)
  double mean_active_improvement = 0.0;
  double topk_active_share = 0.0;  ///< pooled over workloads
  size_t workloads_active_beat_warm = 0;
  double median_first_beat_iteration = 0.0;  ///< over workloads where active beat warm; NaN if none
  size_t warm_trials = 0;
  size_t active_trials = 0;
  double warm_mean_gain_per_trial = 0.0;
  double active_mean_gain_per_trial = 0.0;
  double warm_improvement_per_trial = 0.0;
  double active_improvement_per_trial = 0.0;
};

/// The reference io_recommender's contribution figures, by its definitions but with
/// iorec's gains (perf / baseline perf - 1; the reference: perf - baseline perf).
/// Warm = baseline and warm-start runs; active = active and replicate runs.
struct ReferenceTopConfig {
  space::Config config;
  double best_gain = 0.0;                            ///< of the config's best single run
  state::Source best_source = state::Source::kWarm;  ///< that run's
  int best_iteration = 0;                            ///< that run's
};

struct ReferencePatternContribution {
  std::string id;
  double best_warm_gain = 0.0;        ///< best warm run; NaN without one
  double best_active_gain = 0.0;      ///< best active run; NaN without one
  int new_best_found_iteration = -1;  ///< first iteration with a run above the warm best
  double topk_from_active_percent = 0.0;
  std::vector<ReferenceTopConfig> topk;  ///< by best single run, best first
};

struct ReferenceImprovementStep {
  int iteration = 0;
  double mean_improvement_over_warm = 0.0;  ///< mean over workloads of best so far - warm best
  size_t patterns_improved = 0;             ///< workloads whose best so far beats the warm best
};

struct ReferenceContribution {
  size_t top_k = 0;
  double pct_top_k_from_active = 0.0;  ///< pooled over workloads
  std::vector<ReferencePatternContribution> per_pattern;
  std::vector<ReferenceImprovementStep> trajectory;  ///< iterations 0 .. last
};

/// The reference's figures from the successful runs; top_k of at least 1 per workload.
ReferenceContribution ComputeReferenceContribution(const state::StudyState& state, size_t top_k);

/// Gains are perf / baseline perf - 1. The final top-k of a workload is its `top_k` best
/// measured configs by robust score (mean - robust_z * std), the order of the
/// recommendation matrix.
ContributionReport ComputeContribution(const state::StudyState& state, size_t top_k,
                                       double robust_z);

}  // namespace iorec::eval
