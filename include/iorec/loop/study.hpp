#pragma once
/// The study driver: warm start, the active-learning loop, final training and the
/// recommendation matrix. Observers see every trial and iteration (progress, persistence).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "iorec/acquisition/acquisition.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/deploy/recommender.hpp"
#include "iorec/model/xgb_ensemble.hpp"
#include "iorec/runner/runner.hpp"
#include "iorec/sampling/warm_start.hpp"

namespace iorec::loop {

/// One finished trial.
struct Observation {
  uint64_t trial_id = 0;
  uint32_t workload = 0;
  space::Config config;
  runner::TrialSource source = runner::TrialSource::kWarm;
  int iteration = 0;  ///< 0 for baseline and warm start, 1.. for active iterations
  int replicate = 0;
  bool ok = false;
  double perf = 0.0;
  double gain = 0.0;  ///< perf - baseline perf of the workload
  std::string failure_reason;
  double wall_seconds = 0.0;
};

/// Truth for evaluation, when the testbed can provide it (the stub).
class Oracle {
 public:
  virtual ~Oracle() = default;
  /// Noise-free performance of a config on a workload.
  virtual double TruePerf(uint32_t workload, const space::Config& c) const = 0;
  /// Best achievable performance on a workload.
  virtual double BestPerf(uint32_t workload) const = 0;
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
  double best_gain_so_far = 0.0;  ///< mean over workloads of best relative gain (perf/base - 1)
  double regret_at_3 = 0.0;       ///< mean over workloads
  double hit_at_3 = 0.0;
  double ndcg_at_3 = 0.0;
  std::map<std::string, int> candidate_modes;
  /// Workloads per surrogate used this iteration: "gp" (model.local_gp) or "trees".
  /// Empty after the warm start.
  std::map<std::string, int> surrogates;
  int replicate_runs = 0;
  int failed_runs = 0;
  double mean_batch_sigma = 0.0;
  std::vector<std::vector<ConfigPrediction>> top3_uncertainty;  ///< per workload
};

class LoopObserver {
 public:
  virtual ~LoopObserver() = default;
  /// A new phase starts ("warm_start", "active", "final"); total = expected steps.
  virtual void OnPhase(std::string_view /*phase*/, size_t /*total*/) {}
  virtual void OnTrial(const Observation& /*obs*/) {}
  virtual void OnIteration(const IterationRecord& /*rec*/) {}
};

/// Per workload, per config aggregate of its runs.
struct ConfigStats {
  space::Config config;
  std::vector<double> perfs;
  runner::TrialSource first_source = runner::TrialSource::kWarm;
  int first_iteration = 0;
  double Mean() const;
  double Std() const;
};

struct WorkloadState {
  double baseline_perf = 0.0;
  bool baseline_ok = false;
  std::vector<ConfigStats> configs;
  std::unordered_map<space::Config, size_t, space::ConfigHash> index;
};

struct StudyResult {
  sampling::WarmStartResult warm;
  std::vector<Observation> observations;
  std::vector<IterationRecord> history;
  std::vector<WorkloadState> workloads;
  std::vector<double> oracle_best;  ///< per workload, the perf the metrics compare against
  std::shared_ptr<model::XgbEnsemble> model;
  deploy::RecommendationMatrix matrix;
  int iterations_run = 0;
  std::string stop_reason;
};

/// Runs a whole study. `oracle` may be null; the metrics then compare against the best
/// warm observation whatever `oracle_mode` says. The oracle only feeds the metrics, never
/// the choice of configs. Throws core::Error when every trial of a batch fails (after
/// recording them).
StudyResult RunStudy(const config::StudyConfig& cfg, const space::WorkloadSet& workloads,
                     runner::Executor& executor, const Oracle* oracle,
                     const std::vector<LoopObserver*>& observers);

/// Builds the training set from the study state: one row per measured workload/config,
/// target = log(mean perf / baseline perf) of the workload.
model::Dataset BuildDataset(const space::Space& space, const space::WorkloadSet& workloads,
                            const std::vector<WorkloadState>& states);

/// The models' target for a run: log(perf / baseline perf) of the workload (relative gain
/// when either is not positive).
double ModelTarget(const WorkloadState& state, double perf);

/// Ranks a workload's measured configs by robust score (mean gain - z * std), best first.
std::vector<const ConfigStats*> RankMeasured(const WorkloadState& state, double z);

model::EnsembleParams EnsembleParamsFrom(const config::StudyConfig& cfg);

}  // namespace iorec::loop
