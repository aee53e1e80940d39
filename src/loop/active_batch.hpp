#pragma once
// One active iteration's batch, in the steps the README describes: fit the surrogates,
// seed each workload's candidate pool (the model's own optima and the neighbours' best
// configs), build the pool, score it, select the batch (exploit, explore, diversify).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "iorec/acquisition/acquisition.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/loop/iteration.hpp"
#include "iorec/model/local_gp.hpp"
#include "iorec/model/xgb_ensemble.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::loop {

/// Step "fit": the iteration's surrogates. Per-workload GPs (model.local_gp) where a
/// workload has runs; the tree ensemble, fitted only when some workload needs it, for the
/// others.
class FittedSurrogates {
 public:
  FittedSurrogates(const config::StudyConfig& cfg, const state::StudyState& state, int iteration,
                   model::GpHyper& hyper);
  const model::Surrogate& For(size_t workload) const;
  /// Workloads per surrogate name ("gp", "trees").
  std::map<std::string, int> Census(size_t num_workloads) const;

 private:
  std::unique_ptr<model::GpSurrogate> gp_;
  std::unique_ptr<model::XgbEnsemble> trees_;
  std::unique_ptr<model::TreeSurrogate> tree_view_;
};

/// What one iteration's workloads share: each workload's best measured configs (elites)
/// and its nearest other workloads, nearest first.
struct TransferSources {
  std::vector<std::vector<space::Config>> elites;
  std::vector<std::vector<size_t>> neighbors;
};
TransferSources FindTransferSources(const config::StudyConfig& cfg, const state::StudyState& state);

/// One workload's share of the batch.
struct WorkloadBatch {
  acquisition::PoolMode pool_mode = acquisition::PoolMode::kEnumerated;
  std::vector<space::Config> picks;
  std::vector<double> pick_stddev;     ///< the surrogate's spread for each pick
  std::vector<ConfigPrediction> top3;  ///< the pool's best three by predicted mean
};

/// Steps "seeds", "pool", "score" and "select" for workload `w` in iteration `t`.
WorkloadBatch PlanWorkloadBatch(const config::StudyConfig& cfg, const state::StudyState& state,
                                const model::Surrogate& surrogate, const TransferSources& sources,
                                int t, uint32_t w);

/// The UCB width of iteration t: linear from beta_start to beta_end.
double BetaAt(const config::StudyConfig& cfg, int t);

}  // namespace iorec::loop
