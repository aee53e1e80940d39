#pragma once
/// The study as an ask/tell loop: `Study` hands out batches of trials (the warm start,
/// then one batch per active iteration, plus replicates) and takes their outcomes back,
/// until its stop criteria end it; `Finish` then trains the deployable model and builds
/// the recommendation matrix. Everything it learns lives in one state::StudyState.
/// Observers see every trial and iteration (progress, persistence). `RunStudy` drives a
/// Study with an executor: ask, execute, tell.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iorec/config/study_config.hpp"
#include "iorec/deploy/matrix.hpp"
#include "iorec/loop/stop.hpp"
#include "iorec/model/local_gp.hpp"
#include "iorec/model/xgb_ensemble.hpp"
#include "iorec/runner/runner.hpp"
#include "iorec/sampling/warm_start.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::loop {

class LoopObserver {
 public:
  virtual ~LoopObserver() = default;
  /// A new phase starts ("warm_start", "active", "final"); total = expected steps.
  virtual void OnPhase(std::string_view /*phase*/, size_t /*total*/) {}
  virtual void OnTrial(const state::Trial& /*trial*/) {}
  /// After the warm start (iteration 0) and after each active iteration.
  virtual void OnIteration(const IterationRecord& /*rec*/, const state::StudyState& /*state*/) {}
  /// Something the user must know, e.g. a baseline replaced by the median warm result.
  virtual void OnWarning(const std::string& /*message*/) {}
};

struct StudyResult {
  state::StudyState state;
  sampling::WarmStartResult warm;
  std::vector<IterationRecord> history;
  std::vector<double> oracle_best;  ///< per workload, the perf the metrics compare against
  std::shared_ptr<model::XgbEnsemble> model;
  deploy::RecommendationMatrix matrix;
  std::string stop_reason;
  std::vector<std::string> warnings;  ///< as reported through LoopObserver::OnWarning
  /// Workloads without any successful run (the study stopped after its warm start).
  std::vector<uint32_t> workloads_without_runs;
  int iterations_run() const { return state.iterations(); }
};

/// A run measured outside the study (`iorec import`): workload, config and metric. It enters
/// the study's state as an imported trial (never as the baseline) when the study next plans
/// from what it knows, once it has handed out `enters_before_batch` batches of trials (the
/// warm start is batch 0): before the warm start or an iteration's active batch (an
/// iteration's replicate batch is planned without it), else before Finish. So a study that is
/// replayed with it makes the same choices up to that point, and uses it from there on like
/// any trial.
struct ImportedTrial {
  uint32_t workload = 0;
  space::Config config;
  double metric = 0.0;  ///< as measured, in the runner's units
  int enters_before_batch = 0;
};

class Study {
 public:
  /// `oracle` may be null: the metrics then compare against the best measured config
  /// whatever `oracle_mode` says. The oracle only feeds the metrics, never the choice of
  /// configs. `imported` enter in their batch order, then in the given order. All arguments
  /// must outlive the study.
  Study(const config::StudyConfig& cfg, const space::WorkloadSet& workloads, const Oracle* oracle,
        std::vector<LoopObserver*> observers, std::vector<ImportedTrial> imported = {});
  ~Study();
  Study(const Study&) = delete;
  Study& operator=(const Study&) = delete;

  /// The trials to run next, with their trial ids; the same batch until it is told.
  /// Empty once Done().
  const std::vector<runner::TrialRequest>& Ask();
  /// The outcomes of the asked batch, in its order. A failed trial is data; the study goes
  /// on with what succeeded. Throws core::Error when nothing was asked or the count differs.
  void Tell(const std::vector<runner::TrialOutcome>& outcomes);
  /// A stop criterion ended the study (stop_reason() says which).
  bool Done() const;
  const std::string& stop_reason() const;
  const state::StudyState& state() const;

  /// Precondition: Done(). Trains the tree ensemble `recommend` uses and builds the
  /// recommendation matrix. Throws core::Error when no trial succeeded at all.
  StudyResult Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Drives a Study to its end: ask, execute, tell, then Finish.
StudyResult RunStudy(const config::StudyConfig& cfg, const space::WorkloadSet& workloads,
                     runner::Executor& executor, const Oracle* oracle,
                     const std::vector<LoopObserver*>& observers,
                     std::vector<ImportedTrial> imported = {});

model::EnsembleParams EnsembleParamsFrom(const config::StudyConfig& cfg);

}  // namespace iorec::loop
