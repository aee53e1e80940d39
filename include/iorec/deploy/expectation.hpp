#pragma once
/// What a recommended config is expected to give, with an interval, and whether the study can
/// tell the top configs apart from its run-to-run noise. Pure functions of the recommendation
/// matrix (or the study state) and a recommendation; perfs on the higher-is-better scale
/// (state/gain.hpp), converted to the metric's units only where they are shown.
#include <string>
#include <vector>

#include "iorec/deploy/matrix.hpp"
#include "iorec/deploy/recommender.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::deploy {

/// What the study measured, for showing perfs in the metric's own units and direction.
struct MetricInfo {
  state::Direction direction = state::Direction::kMaximize;
  std::string name;  ///< e.g. "agg_perf_by_slowest"; may be empty
  std::string unit;  ///< e.g. "MiB/s", "s"; may be empty
};

/// The run-to-run spread of a study: every config measured more than once on a workload
/// contributes its sample standard deviation relative to its mean (perf scale).
struct Noise {
  std::vector<double> relative_std;  ///< one per replicated (workload, config), ascending
  /// sqrt of the mean relative variance, weighted by degrees of freedom (runs - 1): the
  /// spread of one run, pooled over the study. 0 when nothing was replicated.
  double pooled = 0.0;
  bool known() const { return !relative_std.empty(); }
  double Median() const;  ///< precondition: known()
  double Max() const;     ///< precondition: known()
};

/// From the configs the matrix lists (what a model directory holds).
Noise NoiseOf(const RecommendationMatrix& matrix);
/// From every measured config of a study.
Noise NoiseOf(const state::StudyState& state);

/// Where a config's expected performance comes from.
enum class Basis {
  kMeasuredHere,  ///< runs of this config on this very workload
  kCurrent,       ///< the workload's current settings (the study's baseline config)
  kNeighbour,     ///< runs on the nearest measured workloads that ran it
  kModel,         ///< a model's predicted log gain (tree ensemble, or the zero-shot GP)
  kUnknown,       ///< nothing to expect a number from (a ranking model's score only)
};
const char* ToString(Basis b);

/// z of the two-sided 90% interval: where one run with the settings is expected to fall,
/// under a normal approximation of the run-to-run spread.
inline constexpr double kIntervalZ = 1.645;

/// One run's expected performance with a config. Gains are over the workload's current
/// settings (the baseline config).
struct Expectation {
  Basis basis = Basis::kUnknown;
  std::string measured_on;  ///< the workload whose runs it rests on (kMeasuredHere: itself)
  int runs = 0;             ///< runs of the config behind the estimate
  int neighbours = 0;       ///< kNeighbour: neighbours that measured it
  bool has_gain = false;
  state::RelGain gain, gain_lo, gain_hi;
  /// The interval is known: from replicates (this config's, or the study's pooled spread),
  /// the spread over several neighbours, or the model's spread.
  bool has_interval = false;
  /// Perfs as measured on `measured_on` (kMeasuredHere, kNeighbour, kCurrent of a measured
  /// workload), with that workload's baseline perf.
  bool has_perf = false;
  state::Perf perf, perf_lo, perf_hi, baseline;
};

/// A measured config of matrix row `w`: its mean, and an interval from its own spread when it
/// ran 3 or more times, else the study's pooled spread, else its own when it ran twice.
Expectation ExpectMeasured(const RecommendationMatrix& matrix, size_t w, const MatrixEntry& entry,
                           const Noise& noise);

/// The expectation of one of `rec`'s configs. A measured workload's own configs (and its
/// baseline) are kMeasuredHere/kCurrent; configs measured on neighbours are kNeighbour: the
/// gain is the nearest-weighted mean (weights 1, 1/2, 1/3, ... as the recommender's
/// consensus) of mean perf / baseline perf over the neighbours that ran it, the interval
/// spans their lowest to highest widened by the pooled spread; the perfs are the nearest
/// such neighbour's. Other configs are kModel when `regression_model` (the score is a log
/// gain, the interval its spread over the ensemble), else kUnknown.
Expectation Expect(const RecommendationMatrix& matrix, const Recommendation& rec,
                   const RecommendedConfig& config, const space::Config& baseline,
                   const Noise& noise, bool regression_model);

/// Two configs' expected gains against the noise: they are within noise when their ratio
/// differs from 1 by less than 2 standard errors of the difference of two means of runs
/// with the pooled spread (2 * pooled * sqrt(1/runs_a + 1/runs_b)).
struct NoiseComparison {
  bool comparable = false;  ///< both rest on runs on the same workload, and the noise is known
  bool within = false;
  double difference = 0.0;  ///< (1 + gain_a) / (1 + gain_b) - 1
  double threshold = 0.0;   ///< the relative difference the noise can hide
};
NoiseComparison CompareWithNoise(const Expectation& a, const Expectation& b, const Noise& noise);

}  // namespace iorec::deploy
