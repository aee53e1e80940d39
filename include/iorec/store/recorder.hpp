#pragma once
/// Connects the study driver to a Store without the driver knowing: StoreExecutor
/// decorates the real executor (records each batch as pending, runs only what the store
/// has not finished, commits every trial as it finishes) and StoreObserver records the
/// derived data (gains, history, phase). Because a study is a deterministic function of
/// (config, seed, trial outcomes), resuming is replaying the driver from the start: stored
/// outcomes come back without running, so the outputs equal an uninterrupted run's.
#include <map>
#include <string>
#include <vector>

#include "iorec/loop/study.hpp"
#include "iorec/store/store.hpp"

namespace iorec::store {

/// Test hooks read from the environment (all off by default):
///  IOREC_FAULT_EXIT_AFTER_TRIALS=N  _exit(137) right after the N-th trial committed by
///                                   this process (N=0: once the first batch is running).
///  IOREC_FAULT_EXIT_MID_BATCH=B     _exit(137) in batch B (0 = warm start) after it is
///                                   marked running and half of its trials are committed.
///  IOREC_FAULT_EXIT_AT_PHASE=P      _exit(137) when phase P starts ("active", "final",
///                                   or "write": after the outputs, before "complete").
///  IOREC_FAULT_HOLD_UNTIL=F         after the first committed trial, create F.held and
///                                   wait (holding the directory's lock) until F exists.
struct FaultPlan {
  long exit_after_trials = -1;
  long exit_mid_batch = -1;
  std::string exit_at_phase;
  std::string hold_until;
  static FaultPlan FromEnv();
  /// Exits the process with 137 if `phase` is the configured one.
  void MaybeExitAtPhase(const std::string& phase) const;
  /// Exits the process with 137 when `committed` (trials committed by this process) is
  /// exit_after_trials (`iorec onboard`'s trials).
  void MaybeExitAfterTrials(size_t committed) const;
};

/// The exit code of an injected fault (as after kill -9).
inline constexpr int kFaultExitCode = 137;

/// Thrown by a StoreExecutor that leaves unfinished trials to an external driver
/// (`runner.executor: external`): the batch's trials nobody has told yet, now pending in the
/// store.
class TrialsPending : public core::Error {
 public:
  explicit TrialsPending(std::vector<TrialRecord> trials);
  const std::vector<TrialRecord>& trials() const { return trials_; }

 private:
  std::vector<TrialRecord> trials_;
};

/// What a StoreExecutor does with the trials of a batch the store has not finished.
enum class Unfinished {
  kRun,           ///< hand them to the inner executor (iorec run)
  kRefuse,        ///< the study is incomplete: core::InputError (iorec report)
  kLeavePending,  ///< record them as pending and throw TrialsPending (ask/tell)
};

class StoreExecutor final : public runner::Executor {
 public:
  /// Runs unfinished trials on `inner`; with a null `inner` they are refused (kRefuse).
  StoreExecutor(Store& store, const space::Space& space, runner::Executor* inner,
                FaultPlan faults = {});
  /// Precondition: `policy` is not kRun (there is no executor to run on).
  StoreExecutor(Store& store, const space::Space& space, Unfinished policy);

  using Executor::RunBatch;
  std::vector<runner::TrialOutcome> RunBatch(const std::vector<runner::TrialRequest>& batch,
                                             const runner::TrialDoneFn& on_done) override;

  /// Trials answered from the store / run by the inner executor in this process.
  size_t replayed() const { return replayed_; }
  size_t ran() const { return ran_; }
  /// Wall time spent in store calls (the store's overhead).
  double store_seconds() const { return store_seconds_; }

 private:
  TrialRecord RecordFor(const runner::TrialRequest& r) const;
  /// Batch indices the store answers, and those it has not finished (`fresh`: the records
  /// of trials it has never seen).
  void Classify(const std::vector<runner::TrialRequest>& batch, std::vector<size_t>& from_store,
                std::vector<size_t>& to_run, std::vector<TrialRecord>& fresh) const;
  /// The warm-start set, from the first batch (the first workload's configs, baseline first).
  void RecordWarmStart(const std::vector<runner::TrialRequest>& batch);
  /// Marks `to_run` running, runs them on the inner executor and commits each outcome.
  void RunUnfinished(const std::vector<runner::TrialRequest>& batch,
                     const std::vector<size_t>& to_run, const runner::TrialDoneFn& on_done,
                     std::vector<runner::TrialOutcome>& out);
  void Commit(TrialRecord& t, const runner::TrialOutcome& o);
  void AfterCommit(size_t committed_in_batch, size_t half);

  Store& store_;
  const space::Space& space_;
  runner::Executor* inner_;
  Unfinished policy_ = Unfinished::kRun;
  FaultPlan faults_;
  std::map<uint64_t, TrialRecord> known_;
  int batch_ = 0;
  size_t replayed_ = 0;
  size_t ran_ = 0;
  size_t committed_ = 0;
  double store_seconds_ = 0.0;
};

/// Records phases, and with each iteration's history row the gains of the trials told
/// since the previous one (they are derived: a replay rewrites them).
class StoreObserver final : public loop::LoopObserver {
 public:
  StoreObserver(Store& store, FaultPlan faults = {}) : store_(store), faults_(std::move(faults)) {}
  void OnPhase(std::string_view phase, size_t total) override;
  void OnIteration(const loop::IterationRecord& rec, const state::StudyState& state) override;
  /// Wall time spent in store calls.
  double store_seconds() const { return store_seconds_; }

 private:
  Store& store_;
  FaultPlan faults_;
  size_t applied_ = 0;  ///< trials of the state whose gains were written
  double store_seconds_ = 0.0;
};

/// A config as the store keeps it beside its levels: knob -> value as written (JSON object).
std::string ConfigValuesJson(const space::Space& space, const space::Config& c);

/// The history row stored for an iteration record.
HistoryRow ToHistoryRow(const loop::IterationRecord& rec);

}  // namespace iorec::store
