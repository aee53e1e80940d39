#include "iorec/store/recorder.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "iorec/core/error.hpp"

namespace iorec::store {
namespace {

long EnvLong(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return (end && *end == '\0') ? n : fallback;
}

[[noreturn]] void FaultExit() { ::_exit(kFaultExitCode); }

std::string DescribeKey(const TrialRecord& t) {
  return "trial " + std::to_string(t.trial_id) + " (workload " + std::to_string(t.workload) + ", " +
         runner::ToString(t.source) + ", iteration " + std::to_string(t.iteration) +
         ", replicate " + std::to_string(t.replicate) + ", levels " +
         [&] {
           std::string s;
           for (size_t i = 0; i < t.levels.size(); ++i)
             s += (i ? "," : "") + std::to_string(t.levels[i]);
           return s;
         }() +
         ")";
}

/// Adds the time of its scope to `acc` (store overhead, for timing.json).
class ScopeTimer {
 public:
  explicit ScopeTimer(double& acc) : acc_(acc), t0_(std::chrono::steady_clock::now()) {}
  ~ScopeTimer() {
    acc_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

 private:
  double& acc_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace

FaultPlan FaultPlan::FromEnv() {
  FaultPlan f;
  f.exit_after_trials = EnvLong("IOREC_FAULT_EXIT_AFTER_TRIALS", -1);
  f.exit_mid_batch = EnvLong("IOREC_FAULT_EXIT_MID_BATCH", -1);
  const char* p = std::getenv("IOREC_FAULT_EXIT_AT_PHASE");
  f.exit_at_phase = p ? p : "";
  const char* h = std::getenv("IOREC_FAULT_HOLD_UNTIL");
  f.hold_until = h ? h : "";
  return f;
}

void FaultPlan::MaybeExitAtPhase(const std::string& phase) const {
  if (!exit_at_phase.empty() && exit_at_phase == phase) FaultExit();
}

void FaultPlan::MaybeExitAfterTrials(size_t committed) const {
  if (exit_after_trials >= 0 && committed == static_cast<size_t>(exit_after_trials)) FaultExit();
}

TrialsPending::TrialsPending(std::vector<TrialRecord> trials)
    : core::Error(std::to_string(trials.size()) + " trial(s) wait for their results"),
      trials_(std::move(trials)) {}

StoreExecutor::StoreExecutor(Store& store, const space::Space& space, runner::Executor* inner,
                             FaultPlan faults)
    : store_(store),
      space_(space),
      inner_(inner),
      policy_(inner ? Unfinished::kRun : Unfinished::kRefuse),
      faults_(std::move(faults)) {
  const ScopeTimer timer(store_seconds_);
  for (auto& t : store_.Trials()) {
    const uint64_t id = t.trial_id;
    known_.emplace(id, std::move(t));
  }
}

StoreExecutor::StoreExecutor(Store& store, const space::Space& space, Unfinished policy)
    : StoreExecutor(store, space, nullptr) {
  policy_ = policy;
}

TrialRecord StoreExecutor::RecordFor(const runner::TrialRequest& r) const {
  TrialRecord t;
  t.trial_id = r.trial_id;
  t.workload = r.workload_index;
  t.levels = r.config.levels();
  t.values_json = ConfigValuesJson(space_, r.config);
  t.source = r.source;
  t.iteration = r.iteration;
  t.replicate = r.replicate;
  t.batch = batch_;
  return t;
}

void StoreExecutor::Classify(const std::vector<runner::TrialRequest>& batch,
                             std::vector<size_t>& from_store, std::vector<size_t>& to_run,
                             std::vector<TrialRecord>& fresh) const {
  for (size_t i = 0; i < batch.size(); ++i) {
    TrialRecord want = RecordFor(batch[i]);
    auto it = known_.find(want.trial_id);
    if (it == known_.end()) {
      fresh.push_back(want);
      to_run.push_back(i);
      continue;
    }
    if (!it->second.SameKey(want)) {
      throw core::Error("study database disagrees with the study being replayed: stored " +
                        DescribeKey(it->second) + ", requested " + DescribeKey(want) +
                        "; the config, the workloads or iorec itself changed. Use "
                        "`iorec run --restart` to start over (the old study is kept)");
    }
    if (it->second.status == TrialStatus::kDone || it->second.status == TrialStatus::kFailed) {
      from_store.push_back(i);
    } else {
      to_run.push_back(i);  // pending or running when the last process died: run again
    }
  }
}

void StoreExecutor::RecordWarmStart(const std::vector<runner::TrialRequest>& batch) {
  if (batch_ != 0 || batch.empty()) return;
  std::vector<std::vector<uint8_t>> warm;
  for (const auto& r : batch) {
    if (r.workload_index == batch.front().workload_index) warm.push_back(r.config.levels());
  }
  const ScopeTimer timer(store_seconds_);
  if (store_.WarmStart() != warm) store_.PutWarmStart(warm);
}

std::vector<runner::TrialOutcome> StoreExecutor::RunBatch(
    const std::vector<runner::TrialRequest>& batch, const runner::TrialDoneFn& on_done) {
  std::vector<runner::TrialOutcome> out(batch.size());
  std::vector<TrialRecord> fresh;  // not in the store yet
  std::vector<size_t> to_run;      // batch indices the store has not finished
  std::vector<size_t> from_store;  // batch indices answered by the store
  Classify(batch, from_store, to_run, fresh);
  if (!to_run.empty() && policy_ == Unfinished::kRefuse) {
    throw core::InputError(
        "the study is incomplete: " + std::to_string(to_run.size()) + " trial(s) of batch " +
        std::to_string(batch_) +
        " have not finished (first: " + DescribeKey(RecordFor(batch[to_run.front()])) +
        "); resume it with `iorec run` first (or, with runner.executor: external, report the "
        "pending trials with `iorec ask` and `iorec tell`)");
  }
  RecordWarmStart(batch);
  {
    const ScopeTimer timer(store_seconds_);
    store_.AddPending(fresh);
  }
  for (auto& t : fresh) {
    const uint64_t id = t.trial_id;
    known_.emplace(id, std::move(t));
  }
  if (!to_run.empty() && policy_ == Unfinished::kLeavePending) {
    std::vector<TrialRecord> pending;
    for (size_t i : to_run) pending.push_back(known_.at(batch[i].trial_id));
    throw TrialsPending(std::move(pending));
  }
  for (size_t i : from_store) {
    out[i] = known_.at(batch[i].trial_id).Outcome();
    ++replayed_;
    if (on_done) on_done(i, out[i]);
  }
  if (!to_run.empty()) RunUnfinished(batch, to_run, on_done, out);
  ++batch_;
  return out;
}

void StoreExecutor::Commit(TrialRecord& t, const runner::TrialOutcome& o) {
  t.status = (o.ok && std::isfinite(o.value)) ? TrialStatus::kDone : TrialStatus::kFailed;
  t.ok = o.ok;
  t.value = o.value;
  t.attempts += std::max(1, o.attempts) - 1;  // retries inside the runner count as attempts
  t.failure_reason = o.failure_reason;
  t.wall_seconds = o.wall_seconds;
  t.stdout_tail = o.stdout_tail;
  t.stderr_tail = o.stderr_tail;
  t.trial_dir = o.trial_dir;
  t.ended_at = NowSeconds();
  const ScopeTimer timer(store_seconds_);
  store_.CommitTrial(t);
}

void StoreExecutor::AfterCommit(size_t committed_in_batch, size_t half) {
  if (faults_.exit_after_trials > 0 &&
      committed_ == static_cast<size_t>(faults_.exit_after_trials)) {
    FaultExit();
  }
  if (faults_.exit_mid_batch == batch_ && committed_in_batch == half) FaultExit();
  if (!faults_.hold_until.empty() && committed_ == 1) {
    std::ofstream(faults_.hold_until + ".held") << ::getpid() << "\n";
    // Bounded so that a test that died cannot leave this process behind for good.
    for (int i = 0; i < 60000 && !std::filesystem::exists(faults_.hold_until); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

void StoreExecutor::RunUnfinished(const std::vector<runner::TrialRequest>& batch,
                                  const std::vector<size_t>& to_run,
                                  const runner::TrialDoneFn& on_done,
                                  std::vector<runner::TrialOutcome>& out) {
  std::vector<uint64_t> ids;
  std::vector<runner::TrialRequest> sub;
  for (size_t i : to_run) {
    ids.push_back(batch[i].trial_id);
    sub.push_back(batch[i]);
  }
  const double submitted = NowSeconds();
  {
    const ScopeTimer timer(store_seconds_);
    store_.MarkRunning(ids, submitted);
  }
  for (uint64_t id : ids) {
    auto& k = known_.at(id);
    k.status = TrialStatus::kRunning;
    k.started_at = submitted;
    k.attempts += 1;
  }
  if (faults_.exit_after_trials == 0) FaultExit();
  const size_t half = to_run.size() / 2;
  if (faults_.exit_mid_batch == batch_ && half == 0) FaultExit();
  size_t committed_here = 0;
  std::mutex mu;  // executors may report finished trials from several threads
  auto done = [&](size_t j, const runner::TrialOutcome& o) {
    const std::lock_guard<std::mutex> guard(mu);
    if (o.interrupted) return;  // not a result: stays running, re-run on resume
    const size_t i = to_run[j];
    Commit(known_.at(batch[i].trial_id), o);
    out[i] = o;
    ++ran_;
    ++committed_;
    ++committed_here;
    if (on_done) on_done(i, o);
    AfterCommit(committed_here, half);
  };
  std::vector<runner::TrialOutcome> outcomes;
  try {
    outcomes = inner_->RunBatch(sub, done);
  } catch (const runner::Interrupted&) {
    // Ctrl-C: the trials that did not finish were killed; record them as pending so
    // `status` says so and a resumed study runs them again.
    const std::lock_guard<std::mutex> guard(mu);
    for (uint64_t id : ids) {
      TrialRecord& t = known_.at(id);
      if (t.status != TrialStatus::kRunning) continue;
      t.status = TrialStatus::kPending;
      t.failure_reason = "interrupted";
      const ScopeTimer timer(store_seconds_);
      store_.CommitTrial(t);
    }
    throw;
  }
  if (outcomes.size() != sub.size() || committed_here != sub.size()) {
    throw core::Error("executor returned " + std::to_string(outcomes.size()) + " outcomes (" +
                      std::to_string(committed_here) + " reported done) for " +
                      std::to_string(sub.size()) + " trials");
  }
}

std::string ConfigValuesJson(const space::Space& space, const space::Config& c) {
  nlohmann::ordered_json values = nlohmann::ordered_json::object();
  for (size_t k = 0; k < space.num_knobs() && k < c.size(); ++k) {
    values[space.knobs()[k].name] = space.Value(c, k).text();
  }
  return values.dump();
}

HistoryRow ToHistoryRow(const loop::IterationRecord& rec) {
  HistoryRow h;
  h.iteration = rec.iteration;
  h.runs = rec.runs;
  h.best_gain_so_far = rec.best_gain_so_far;
  h.regret_at_3 = rec.regret_at_3;
  h.hit_at_3 = rec.hit_at_3;
  h.ndcg_at_3 = rec.ndcg_at_3;
  h.json = loop::IterationJson(rec).dump();
  return h;
}

void StoreObserver::OnPhase(std::string_view phase, size_t /*total*/) {
  const std::string p(phase);
  {
    const ScopeTimer timer(store_seconds_);
    store_.SetPhase(p, NowSeconds());
  }
  faults_.MaybeExitAtPhase(p);
}

void StoreObserver::OnIteration(const loop::IterationRecord& rec, const state::StudyState& state) {
  // Gains are final once an iteration closes (a failed baseline is replaced at the end of
  // the warm start).
  std::vector<std::pair<uint64_t, double>> gains;
  const auto& trials = state.trials();
  for (; applied_ < trials.size(); ++applied_) {
    const auto& t = trials[applied_];
    // Imported runs are not in the trials table (Store::AddImported keeps them).
    if (t.ok && t.source != state::Source::kImported)
      gains.emplace_back(t.trial_id, state.Gain(t).value);
  }
  const ScopeTimer timer(store_seconds_);
  store_.PutDerived(gains, {ToHistoryRow(rec)});
}

}  // namespace iorec::store
