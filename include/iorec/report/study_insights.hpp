#pragma once
/// What a study's measurements say to a reader on a real testbed: the best measured metric so
/// far per workload (a learning curve in the metric's units), the share of runs per phase, the
/// run-to-run noise and which top configs it cannot tell apart, what the regret/hit curves
/// compare against, and the effect of each knob's levels. Pure functions of the config and the
/// study result.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "iorec/config/study_config.hpp"
#include "iorec/deploy/expectation.hpp"
#include "iorec/loop/study.hpp"

namespace iorec::report {

/// The metric's name, unit and direction as the runner reports it.
deploy::MetricInfo MetricOf(const config::StudyConfig& cfg, const state::StudyState& st);

/// True when the results come from the synthetic stub testbed, not from measurements.
bool IsSynthetic(const config::StudyConfig& cfg);
/// " [synthetic: stub testbed]" for plot titles of a stub study; else "".
std::string SyntheticTag(const config::StudyConfig& cfg);

/// True when the study's regret/hit/NDCG compared against the testbed's true optimum (the
/// stub with `active.oracle_mode: heldout`); else against each workload's best warm-start
/// result, where regret@3 is 0 and hit@3 is 1 at every iteration.
bool MetricsAgainstTruth(const loop::StudyResult& res);
/// What the regret/hit/NDCG curves compare against, for readers.
std::string MetricsReferenceNote(bool against_truth);

/// Trials of one phase (baseline, warm start, active, replicates; failed ones included), and
/// the runs brought in with `iorec import` when there are any.
struct PhaseRuns {
  std::string phase;  ///< "baseline", "warm_start", "active", "replicates", "imported"
  size_t runs = 0;
  double share = 0.0;  ///< of all trials, 0..1
};
std::vector<PhaseRuns> RunsByPhase(const state::StudyState& st);

/// best[t][w]: the best mean perf of workload w over the configs it ran by the end of
/// iteration t (0 = warm start); nullopt while it has no successful run.
std::vector<std::vector<std::optional<state::Perf>>> BestPerfByIteration(
    const state::StudyState& st);
/// best[w][i]: the same after workload w's i-th trial (in execution order). A replicate that
/// lowers the best config's mean lowers it.
std::vector<std::vector<std::optional<state::Perf>>> BestPerfByTrial(const state::StudyState& st);

/// The noise the study measured and, per workload, whether its top configs are told apart.
struct RankComparison {
  int rank = 0;             ///< 2 or 3: compared with the top config
  bool within = false;      ///< the difference is within what the noise can produce
  double difference = 0.0;  ///< relative, (1 + gain of #1) / (1 + gain of #rank) - 1
  double threshold = 0.0;   ///< the relative difference the noise can hide
};
struct WorkloadNoise {
  std::string workload;
  int top_runs = 0;                        ///< runs of the top config
  std::optional<double> top_relative_std;  ///< its own spread, when it ran 2+ times
  std::vector<RankComparison> compared;    ///< empty when the noise is unknown
};
struct StudyNoise {
  deploy::Noise noise;
  std::vector<WorkloadNoise> workloads;  ///< matrix rows with a top config
};
/// Compares each workload's top config with its #2 and #3 (deploy::CompareWithNoise).
StudyNoise NoiseOfStudy(const state::StudyState& st, const deploy::RecommendationMatrix& m);

/// The gains of one knob level over every (workload, measured config) with that level.
struct LevelEffect {
  std::string value;
  size_t configs = 0;
  double median = 0.0, q25 = 0.0, q75 = 0.0;  ///< relative gains; 0 when configs == 0
};
struct KnobEffect {
  std::string knob;
  std::vector<LevelEffect> levels;
};
std::vector<KnobEffect> KnobEffects(const state::StudyState& st);

/// A 2-D projection of the workloads' features (the first two principal components of the
/// standardized features), for a map of the workloads.
struct WorkloadPoint {
  std::string workload;
  double x = 0.0, y = 0.0;
};
/// The points of `ws`, then those of `added` (new workloads, in `ws`'s feature order),
/// projected on the axes of `ws` alone.
std::vector<WorkloadPoint> WorkloadMap(const space::WorkloadSet& ws,
                                       const std::vector<space::Workload>& added = {});

/// summary.json's reader fields: "synthetic", "metric", "metrics_reference", "runs_by_phase",
/// "noise" (with per-workload "top_configs") and "best_measured_by_iteration"
/// (per workload, in the metric's units, null before its first successful run).
void AddInsightsJson(const config::StudyConfig& cfg, const loop::StudyResult& res,
                     nlohmann::ordered_json& j);

}  // namespace iorec::report
