#include "iorec/loop/study.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "active_batch.hpp"
#include "iorec/core/error.hpp"
#include "iorec/deploy/training.hpp"

namespace iorec::loop {

model::EnsembleParams EnsembleParamsFrom(const config::StudyConfig& cfg) {
  model::EnsembleParams p;
  p.objective = cfg.model.mode == config::ModelMode::kRanking ? model::Objective::kRanking
                                                              : model::Objective::kRegression;
  p.members = cfg.active.ensemble_size;
  p.relevance_levels = cfg.model.relevance_levels;
  p.num_rounds = cfg.model.num_rounds;
  p.max_depth = cfg.model.max_depth;
  p.learning_rate = cfg.model.learning_rate;
  p.subsample_fraction = cfg.model.subsample_fraction;
  p.min_child_weight = cfg.model.min_child_weight;
  return p;
}

struct Study::Impl {
  enum class Phase { kStart, kWarmStart, kActive, kReplicates, kDone };

  Impl(const config::StudyConfig& c, const space::WorkloadSet& w, const Oracle* o,
       std::vector<LoopObserver*> obs, std::vector<ImportedTrial> imp)
      : cfg(c),
        ws(w),
        oracle(c.active.oracle_mode == config::OracleMode::kHeldout ? o : nullptr),
        observers(std::move(obs)),
        state(c.space, c.baseline, w, c.runner.objective),
        stops(StopCriteriaFrom(c)),
        imported(std::move(imp)) {
    std::stable_sort(imported.begin(), imported.end(), [](const auto& a, const auto& b) {
      return a.enters_before_batch < b.enters_before_batch;
    });
  }

  template <class F>
  void Notify(F&& f) {
    for (auto* o : observers) f(o);
  }

  runner::TrialRequest Request(uint32_t w, const space::Config& c, state::Source source,
                               int iteration) const {
    runner::TrialRequest r;
    r.workload_index = w;
    r.workload = &ws.workloads[w];
    r.config = c;
    r.source = source;
    r.iteration = iteration;
    return r;
  }

  void Hand(std::vector<runner::TrialRequest> reqs) {
    for (auto& r : reqs) r.trial_id = next_trial_id++;
    batches += !reqs.empty();
    pending = std::move(reqs);
  }

  /// Records the imported trials due before batch `next_batch` (called where the study is
  /// about to learn from its state: before an active batch, or before the final model).
  void AdmitImports(int next_batch) {
    for (; admitted < imported.size() && imported[admitted].enters_before_batch <= next_batch;
         ++admitted) {
      const ImportedTrial& in = imported[admitted];
      state::Trial trial;
      trial.trial_id = next_trial_id++;
      trial.workload = in.workload;
      trial.config = in.config;
      trial.source = state::Source::kImported;
      trial.iteration = state.iterations();
      trial.ok = true;
      trial.metric = in.metric;
      state.Record(std::move(trial));
    }
  }

  void AskWarmStart();
  void AskActive();
  std::vector<runner::TrialRequest> Replicates() const;
  void Record(const std::vector<runner::TrialOutcome>& outcomes);
  void CloseWarmStart();
  void CloseIteration();
  void CheckStop(const IterationRecord& rec);

  const config::StudyConfig& cfg;
  const space::WorkloadSet& ws;
  const Oracle* oracle;
  std::vector<LoopObserver*> observers;
  state::StudyState state;
  std::vector<std::unique_ptr<StopCriterion>> stops;
  Phase phase = Phase::kStart;
  std::vector<runner::TrialRequest> pending;
  uint64_t next_trial_id = 1;
  int batches = 0;  ///< non-empty batches handed out
  std::vector<ImportedTrial> imported;
  size_t admitted = 0;      ///< imported trials recorded so far
  int t = 0;                ///< the active iteration in progress
  model::GpHyper gp_hyper;  ///< the local GPs' hyperparameters, refined every iteration
  sampling::WarmStartResult warm;
  MetricsReference reference;
  std::vector<IterationRecord> history;
  IterationRecord batch;                          ///< the iteration's batch fields so far
  std::vector<runner::TrialRequest> active_reqs;  ///< the iteration's active batch
  double mean_sigma = 0.0;
  std::string stop_reason;
  std::vector<std::string> warnings;
};

void Study::Impl::AskWarmStart() {
  core::Rng rng(cfg.seed, "warm_start");
  warm = sampling::BuildWarmStart(cfg.space, cfg.baseline,
                                  static_cast<size_t>(cfg.warm_start.target_size), rng);
  Notify([&](LoopObserver* o) { o->OnPhase("warm_start", warm.configs.size() * ws.size()); });
  std::vector<runner::TrialRequest> reqs;
  for (uint32_t w = 0; w < ws.size(); ++w) {
    // The baseline runs first for each workload; it is also the warm set's first anchor.
    reqs.push_back(Request(w, cfg.baseline, state::Source::kBaseline, -1));
    for (const auto& c : warm.configs) {
      if (c != cfg.baseline) reqs.push_back(Request(w, c, state::Source::kWarm, -1));
    }
  }
  Hand(std::move(reqs));
  phase = Phase::kWarmStart;
}

void Study::Impl::AskActive() {
  const FittedSurrogates surrogates(cfg, state, t, gp_hyper);
  const TransferSources sources = FindTransferSources(cfg, state);
  batch = IterationRecord{};
  batch.surrogates = surrogates.Census(ws.size());
  batch.top3_uncertainty.resize(ws.size());
  std::vector<runner::TrialRequest> reqs;
  double sigma_sum = 0.0;
  for (uint32_t w = 0; w < ws.size(); ++w) {
    WorkloadBatch b = PlanWorkloadBatch(cfg, state, surrogates.For(w), sources, t, w);
    batch.candidate_modes[acquisition::ToString(b.pool_mode)] += 1;
    for (size_t i = 0; i < b.picks.size(); ++i) {
      reqs.push_back(Request(w, b.picks[i], state::Source::kActive, t));
      sigma_sum += b.pick_stddev[i];
    }
    batch.top3_uncertainty[w] = std::move(b.top3);
  }
  mean_sigma = reqs.empty() ? 0.0 : sigma_sum / static_cast<double>(reqs.size());
  active_reqs = reqs;
  Hand(std::move(reqs));
}

/// Replicates of each workload's best new configs of the iteration, to beat noise on the
/// finalists.
std::vector<runner::TrialRequest> Study::Impl::Replicates() const {
  std::vector<runner::TrialRequest> reps;
  if (cfg.active.replicate_top_n <= 0 || cfg.active.replicate_repeats <= 0) return reps;
  for (uint32_t w = 0; w < ws.size(); ++w) {
    std::vector<const runner::TrialRequest*> mine;
    for (const auto& r : active_reqs) {
      if (r.workload_index == w) mine.push_back(&r);
    }
    const auto& rec = state.record(w);
    auto perf_of = [&](const runner::TrialRequest* r) {
      const auto* cs = rec.Find(r->config);
      return cs->measured() ? cs->Mean().value : -std::numeric_limits<double>::infinity();
    };
    std::stable_sort(mine.begin(), mine.end(),
                     [&](auto* a, auto* b) { return perf_of(a) > perf_of(b); });
    const size_t n = std::min<size_t>(mine.size(), static_cast<size_t>(cfg.active.replicate_top_n));
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(perf_of(mine[i]))) continue;
      for (int rep = 1; rep <= cfg.active.replicate_repeats; ++rep) {
        runner::TrialRequest r = *mine[i];
        r.source = state::Source::kReplicate;
        r.replicate = rep;
        reps.push_back(std::move(r));
      }
    }
  }
  return reps;
}

void Study::Impl::Record(const std::vector<runner::TrialOutcome>& outcomes) {
  if (pending.empty()) throw core::Error("Study::Tell: no batch was asked");
  if (outcomes.size() != pending.size()) {
    throw core::Error("Study::Tell: " + std::to_string(outcomes.size()) + " outcomes for " +
                      std::to_string(pending.size()) + " asked trials");
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    const auto& r = pending[i];
    const auto& out = outcomes[i];
    state::Trial trial;
    trial.trial_id = r.trial_id;
    trial.workload = r.workload_index;
    trial.config = r.config;
    trial.source = r.source;
    trial.iteration = std::max(0, r.iteration);
    trial.replicate = r.replicate;
    trial.ok = out.ok;
    trial.metric = out.value;
    trial.failure_reason = out.failure_reason;
    trial.wall_seconds = out.wall_seconds;
    const state::Trial& recorded = state.Record(std::move(trial));
    Notify([&](LoopObserver* o) { o->OnTrial(recorded); });
  }
  pending.clear();
}

void Study::Impl::CloseWarmStart() {
  for (uint32_t w : state.SubstituteMissingBaselines()) {
    const auto& rec = state.record(w);
    char perf[32];
    std::snprintf(perf, sizeof perf, "%.6g",
                  state::MetricFromPerf(rec.baseline, state.direction()));
    warnings.push_back(
        "workload " + ws.workloads[w].id + ": the baseline run failed (" + rec.baseline_failure +
        "); its gains are measured against the median warm-start result (" + perf + ") instead");
    Notify([&](LoopObserver* o) { o->OnWarning(warnings.back()); });
  }
  reference = ReferenceAfterWarmStart(state, oracle);
  history.push_back(
      MeasureIteration(state, 0, reference, cfg.active.robust_score_z, cfg.model.relevance_levels));
  Notify([&](LoopObserver* o) { o->OnIteration(history.back(), state); });
  CheckStop(history.back());
  if (phase == Phase::kDone) return;
  Notify([&](LoopObserver* o) {
    o->OnPhase("active", static_cast<size_t>(cfg.active.iterations) * ws.size() *
                             static_cast<size_t>(cfg.active.batch_per_iter));
  });
  t = 1;
  phase = Phase::kActive;
}

void Study::Impl::CloseIteration() {
  state.set_iterations(t);
  IterationRecord rec =
      MeasureIteration(state, t, reference, cfg.active.robust_score_z, cfg.model.relevance_levels);
  rec.candidate_modes = std::move(batch.candidate_modes);
  rec.surrogates = std::move(batch.surrogates);
  rec.top3_uncertainty = std::move(batch.top3_uncertainty);
  rec.mean_batch_sigma = mean_sigma;
  for (const auto& trial : state.trials()) {
    rec.replicate_runs += trial.source == state::Source::kReplicate && trial.iteration == t;
  }
  history.push_back(std::move(rec));
  Notify([&](LoopObserver* o) { o->OnIteration(history.back(), state); });
  CheckStop(history.back());
  if (phase == Phase::kDone) return;
  ++t;
  phase = Phase::kActive;
}

void Study::Impl::CheckStop(const IterationRecord& rec) {
  for (auto& s : stops) {
    std::string why = s->Check(rec, state);
    if (why.empty()) continue;
    stop_reason = std::move(why);
    phase = Phase::kDone;
    return;
  }
}

Study::Study(const config::StudyConfig& cfg, const space::WorkloadSet& workloads,
             const Oracle* oracle, std::vector<LoopObserver*> observers,
             std::vector<ImportedTrial> imported)
    : impl_(std::make_unique<Impl>(cfg, workloads, oracle, std::move(observers),
                                   std::move(imported))) {}

Study::~Study() = default;

const std::vector<runner::TrialRequest>& Study::Ask() {
  Impl& s = *impl_;
  while (s.pending.empty() && s.phase != Impl::Phase::kDone) {
    s.AdmitImports(s.batches);
    if (s.phase == Impl::Phase::kStart) {
      s.AskWarmStart();
    } else {
      s.AskActive();
      // A workload whose candidates ran out adds nothing; with none left the iteration ends.
      if (s.pending.empty()) s.CloseIteration();
    }
  }
  return s.pending;
}

void Study::Tell(const std::vector<runner::TrialOutcome>& outcomes) {
  Impl& s = *impl_;
  s.Record(outcomes);
  switch (s.phase) {
    case Impl::Phase::kWarmStart:
      s.CloseWarmStart();
      break;
    case Impl::Phase::kActive: {
      auto reps = s.Replicates();
      if (reps.empty()) {
        s.CloseIteration();
      } else {
        s.Hand(std::move(reps));
        s.phase = Impl::Phase::kReplicates;
      }
      break;
    }
    case Impl::Phase::kReplicates:
      s.CloseIteration();
      break;
    case Impl::Phase::kStart:
    case Impl::Phase::kDone:
      break;
  }
}

bool Study::Done() const { return impl_->phase == Impl::Phase::kDone; }
const std::string& Study::stop_reason() const { return impl_->stop_reason; }
const state::StudyState& Study::state() const { return impl_->state; }

StudyResult Study::Finish() {
  Impl& s = *impl_;
  if (!Done()) throw core::Error("Study::Finish: the study is not done");
  s.Notify([&](LoopObserver* o) { o->OnPhase("final", 1); });
  s.AdmitImports(std::numeric_limits<int>::max());
  const model::Dataset data = deploy::TrainingSet(s.state);
  if (data.num_rows() == 0) {
    throw core::Error("no trial of the study succeeded; nothing to learn from (" + s.stop_reason +
                      ")");
  }
  StudyResult res;
  res.model = std::make_shared<model::XgbEnsemble>(EnsembleParamsFrom(s.cfg));
  core::Rng final_rng = core::Rng(s.cfg.seed, "model").Fork("final");
  res.model->Fit(data, final_rng);
  res.matrix = deploy::BuildMatrix(s.state, static_cast<size_t>(s.cfg.deploy.topk_per_pattern),
                                   s.cfg.active.robust_score_z);
  for (uint32_t w = 0; w < s.state.num_workloads(); ++w) {
    if (!s.state.record(w).has_runs()) res.workloads_without_runs.push_back(w);
  }
  res.warm = std::move(s.warm);
  res.history = std::move(s.history);
  res.oracle_best = s.reference.best;
  res.stop_reason = s.stop_reason;
  res.warnings = s.warnings;
  res.state = std::move(s.state);
  return res;
}

StudyResult RunStudy(const config::StudyConfig& cfg, const space::WorkloadSet& workloads,
                     runner::Executor& executor, const Oracle* oracle,
                     const std::vector<LoopObserver*>& observers,
                     std::vector<ImportedTrial> imported) {
  Study study(cfg, workloads, oracle, observers, std::move(imported));
  while (!study.Done()) {
    const auto& batch = study.Ask();
    if (batch.empty()) break;
    study.Tell(executor.RunBatch(batch));
  }
  return study.Finish();
}

}  // namespace iorec::loop
