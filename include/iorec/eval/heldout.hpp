#pragma once
/// Held-out evaluation: split the study's measurements, retrain the tree ensemble on the
/// training part only (the shipped model's target: deploy::TrainingSet), and score the
/// model's ranking of each workload's held-out configs against their measured gains (perf /
/// baseline perf - 1), next to simple baselines on the same split. Pure: same state,
/// params and rng state give the same result (no file I/O).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "iorec/core/rng.hpp"
#include "iorec/deploy/matrix.hpp"
#include "iorec/eval/bootstrap.hpp"
#include "iorec/model/xgb_ensemble.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::eval {

enum class Split {
  kConfigsPerPattern,  ///< a fraction of each workload's measured configs (never the baseline)
  kPatterns,           ///< whole workloads, deployed to as unseen through the kNN recommender
  kTemporal,           ///< configs first measured in the last iterations
};
const char* ToString(Split s);

/// Minimum number of workloads for Split::kPatterns.
inline constexpr size_t kMinWorkloadsForPatternSplit = 3;
/// Random-order baseline: metrics are averaged over this many seeded permutations.
inline constexpr int kRandomDraws = 20;
/// Relevance grades used for NDCG: gains are scaled linearly to [0, kRelevanceMax].
inline constexpr double kRelevanceMax = 4.0;

struct EvalParams {
  Split split = Split::kConfigsPerPattern;
  double holdout_fraction_configs = 0.2;   ///< of each workload's non-baseline configs
  double holdout_fraction_patterns = 0.2;  ///< of the workloads
  double temporal_holdout_fraction = 0.2;  ///< of the active iterations run
  size_t top_k = 3;
  double hit_tolerance = 0.05;  ///< relative regret at or below this counts as a hit
  int bootstrap_iters = 200;
  double ci_level = 0.95;
  model::EnsembleParams ensemble;
  int knn_neighbors = 5;  ///< kPatterns deployment: neighbours consulted
  int return_top_k = 3;   ///< kPatterns deployment: configs recommended
};

/// Throws core::InputError when the split cannot work with this many workloads
/// (kPatterns needs kMinWorkloadsForPatternSplit).
void ValidateSplit(Split split, size_t num_workloads);

/// Which measured configs of each workload are held out. heldout[w] holds indices into
/// state.record(w).configs; whole-workload splits hold out every config of the workload.
struct SplitAssignment {
  std::vector<std::vector<size_t>> heldout;
  std::vector<std::vector<size_t>> train;
  std::vector<bool> workload_heldout;  ///< kPatterns: the workload is unseen in training
  int temporal_cut = 0;                ///< kTemporal: iterations > cut are held out
};

/// Seeded split. The baseline config is never held out by kConfigsPerPattern.
/// Throws core::InputError as ValidateSplit.
SplitAssignment MakeSplit(const state::StudyState& state, const EvalParams& params, core::Rng& rng);

/// Metrics of one ranking strategy on one workload's held-out configs.
struct StrategyScore {
  double ndcg = 0.0;    ///< NDCG@k, relevance = held-out gains scaled to [0, kRelevanceMax]
  double regret = 0.0;  ///< 1 - best gain in top k / best held-out gain (0 if best <= 0)
  double hit = 0.0;     ///< 1 if regret <= hit_tolerance
  std::optional<double> spearman;  ///< ranking score vs measured gain; none for a fixed pick
  double chosen_gain = 0.0;        ///< best measured gain among the strategy's top k
};

/// kPatterns only: what the kNN recommender returns for the unseen workload.
struct DeploymentCheck {
  std::vector<space::Config> recommended;
  std::vector<std::string> neighbors;
  size_t measured = 0;  ///< recommended configs that were measured on the workload
  std::optional<double> best_measured_gain;  ///< best gain among those
  std::optional<double> regret;              ///< against the workload's best measured gain
};

struct WorkloadEval {
  std::string id;
  size_t n_train = 0;
  size_t n_heldout = 0;
  double best_heldout_gain = 0.0;
  bool positive_best = true;  ///< some held-out config beats the baseline
  StrategyScore model;
  StrategyScore random;           ///< mean over kRandomDraws permutations
  StrategyScore baseline;         ///< always recommend the baseline (gain 0)
  StrategyScore nearest;          ///< copy the nearest workload's ranking of measured configs
  std::vector<double> predicted;  ///< model output per held-out config
  std::vector<double> measured;   ///< measured gain per held-out config
  /// The model's first pick among the held-out configs, its measured gain and its regret
  /// (regret@1 of the model's ranking).
  space::Config top1_config;
  double top1_gain = 0.0;
  double top1_regret = 0.0;
  std::optional<DeploymentCheck> deployment;
};

struct SkippedWorkload {
  std::string id;
  size_t n_heldout = 0;
  std::string reason;
};

/// Aggregate over evaluated workloads with bootstrap CIs (resampling unit: workload).
struct StrategyAggregate {
  Interval ndcg, regret, hit;
  std::optional<Interval> spearman;
};

/// Model minus baseline per workload, positive = the model is better (for regret:
/// baseline regret - model regret), bootstrapped over workloads (paired).
struct Lift {
  std::string over;  ///< "random", "baseline_config", "nearest_workload_best"
  Interval ndcg, regret, hit;
};

struct EvalResult {
  Split split = Split::kConfigsPerPattern;
  EvalParams params;
  size_t train_rows = 0;
  size_t train_runs = 0;    ///< successful runs of the training configs
  size_t heldout_runs = 0;  ///< successful runs of the held-out configs
  int temporal_cut = 0;
  std::vector<std::string> heldout_workloads;  ///< kPatterns
  std::vector<WorkloadEval> workloads;
  std::vector<SkippedWorkload> skipped;
  size_t workloads_without_positive_gain = 0;
  StrategyAggregate model, random, baseline, nearest;
  Interval model_top1_regret;  ///< the model's regret@1 over workloads
  std::vector<Lift> lifts;
  std::optional<Interval> deploy_regret;  ///< kPatterns, over workloads with a measured pick
};

/// Runs the whole evaluation. `matrix` is the study's recommendation matrix (kPatterns
/// deploys through its training workloads' rows). Streams: rng.Fork("split"),
/// Fork("model"), Fork("random"), Fork("bootstrap"). Throws core::InputError for an
/// impossible split.
EvalResult Evaluate(const state::StudyState& state, const deploy::RecommendationMatrix& matrix,
                    const EvalParams& params, core::Rng& rng);

/// Scores one ranking (indices into `gains`, best first) of held-out gains.
/// `scores` (same length as gains, higher = better) gives Spearman; pass empty for none.
StrategyScore ScoreRanking(const std::vector<size_t>& order, const std::vector<double>& gains,
                           const std::vector<double>& scores, size_t k, double hit_tolerance);

}  // namespace iorec::eval
