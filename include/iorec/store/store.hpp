#pragma once
/// The study store: everything a study has measured, so a crashed study loses nothing.
/// The loop and the runners only see this interface (through StoreExecutor and
/// StoreObserver, see recorder.hpp). SqliteStore keeps it in `<output-dir>/study.db`;
/// MemoryStore keeps it in memory for unit tests.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "iorec/runner/runner.hpp"
#include "iorec/space/workload.hpp"

namespace iorec::store {

/// Version of the study.db schema this build writes. Versions 1 (before `imported`) and 2
/// (before the onboarding tables) are read too, and upgraded in place when opened for writing.
inline constexpr int kSchemaVersion = 3;
inline constexpr int kOldestSchemaVersion = 1;

enum class TrialStatus { kPending, kRunning, kDone, kFailed };
const char* ToString(TrialStatus s);
/// Parses "pending" etc.; throws core::Error on anything else.
TrialStatus TrialStatusFromString(const std::string& s);
/// Parses "baseline" etc.; throws core::Error on anything else.
runner::TrialSource TrialSourceFromString(const std::string& s);

/// One trial as stored. The key (trial_id, workload, levels, source, iteration,
/// replicate) is fixed when the trial is recorded as pending; the rest is its outcome.
struct TrialRecord {
  uint64_t trial_id = 0;
  uint32_t workload = 0;        ///< index into the study's workloads
  std::vector<uint8_t> levels;  ///< the config as level indices
  std::string values_json;      ///< the config as knob -> value text (JSON object)
  runner::TrialSource source = runner::TrialSource::kWarm;
  int iteration = -1;  ///< as requested: -1 for baseline and warm start
  int replicate = 0;
  int batch = 0;  ///< 0 = warm start, then one per RunBatch call
  TrialStatus status = TrialStatus::kPending;
  bool ok = false;     ///< TrialOutcome::ok
  double value = 0.0;  ///< TrialOutcome::value: the metric as measured (NaN when not finite)
  /// Relative gain over the workload's baseline (perf / baseline perf - 1), set once the
  /// loop applied it.
  std::optional<double> gain;
  std::string failure_reason;  ///< TrialOutcome::failure_reason
  double wall_seconds = 0.0;
  std::string stdout_tail, stderr_tail, trial_dir;
  double started_at = 0.0;  ///< unix seconds; 0 = never started
  double ended_at = 0.0;    ///< unix seconds; 0 = not finished
  int attempts = 0;         ///< times it was handed to a runner

  /// True when `o` has the same key (what was requested), ignoring the outcome.
  bool SameKey(const TrialRecord& o) const;
  /// The stored outcome as the runner returned it.
  runner::TrialOutcome Outcome() const;
};

/// A run measured outside the study and brought in with `iorec import` (loop::ImportedTrial).
struct ImportedRecord {
  uint64_t seq = 0;  ///< import order, from 1
  uint32_t workload = 0;
  std::vector<uint8_t> levels;
  std::string values_json;  ///< the config as knob -> value text (JSON object)
  double metric = 0.0;      ///< as measured, in the runner's units
  /// The study's batches of trials recorded when it was imported: it enters the study
  /// before the next one (set by Store::AddImported).
  int enters_before_batch = 0;
  std::string origin;     ///< "<file>:<line>"
  std::string file_hash;  ///< SHA-1 of the imported file's text
  double imported_at = 0.0;
};

/// A workload added to a finished study with `iorec onboard`.
struct OnboardWorkloadRecord {
  uint32_t idx = 0;          ///< onboarding order, from 0
  space::Workload workload;  ///< id, source file, attributes, features in the study's order
  int budget = 0;            ///< trials to run on it, its baseline run included
  double added_at = 0.0;
};

/// One trial of an onboarded workload. `run.workload` is the onboarded workload's idx,
/// `run.iteration` its round (0: its first trial), `run.source` kBaseline for the baseline
/// config and kActive otherwise; ids share the study's trial id space (they follow its
/// trials), so `iorec tell` takes both.
struct OnboardTrialRecord {
  TrialRecord run;
  std::string pick;  ///< why it ran: "baseline", "zero_shot" or "transfer"
};

/// The study row: config, seed, version and progress.
struct StudyInfo {
  std::string config_yaml;  ///< canonical YAML (sorted keys)
  std::string config_hash;  ///< hex FNV-1a of config_yaml
  std::string config_path;  ///< where the config was read from, for messages and `report`
  uint64_t seed = 0;
  std::string iorec_version;
  std::string runner;
  std::vector<std::string> knob_names;
  std::vector<std::vector<std::string>> knob_values;  ///< per knob, values as written
  double created_at = 0.0;
  double updated_at = 0.0;
  std::string phase;  ///< "created", "warm_start", "active", "final", "complete"
};

/// One per-iteration history row (IterationRecord's scalars plus its JSON).
struct HistoryRow {
  int iteration = 0;
  uint64_t runs = 0;
  double best_gain_so_far = 0.0;
  double regret_at_3 = 0.0;
  double hit_at_3 = 0.0;
  double ndcg_at_3 = 0.0;
  std::string json;
};

/// Per-workload counts for `iorec status`.
struct WorkloadStatus {
  uint32_t workload = 0;
  std::string id;
  uint64_t done = 0, pending = 0, running = 0, failed = 0;
  std::optional<double> baseline_perf;
  std::optional<double> best_perf;  ///< the metric of the trial with the best gain
  std::optional<double> best_gain;  ///< max stored (relative) gain
};

struct StatusSummary {
  std::vector<WorkloadStatus> workloads;
  uint64_t total = 0, done = 0, pending = 0, running = 0, failed = 0;
  uint64_t imported = 0;   ///< runs brought in with `iorec import` (not in `total`)
  int max_iteration = -1;  ///< highest iteration with any trial
  int last_history_iteration = -1;
  double last_trial_end = 0.0;
};

/// Storage of one study. Every mutating call is one transaction; a call that throws
/// leaves the store as it was before it.
class Store {
 public:
  virtual ~Store() = default;

  /// The study row, or nothing for a fresh store.
  virtual std::optional<StudyInfo> Study() = 0;
  /// Creates the study row and its workloads (one transaction).
  virtual void CreateStudy(const StudyInfo& info, const space::WorkloadSet& ws) = 0;
  /// Records the phase and the update time.
  virtual void SetPhase(const std::string& phase, double now) = 0;
  virtual space::WorkloadSet Workloads() = 0;

  /// The warm-start set, in order.
  virtual void PutWarmStart(const std::vector<std::vector<uint8_t>>& configs) = 0;
  virtual std::vector<std::vector<uint8_t>> WarmStart() = 0;

  /// Inserts trials as pending; trials whose id already exists are left alone.
  virtual void AddPending(const std::vector<TrialRecord>& trials) = 0;
  /// Marks trials running: started_at = now, attempts + 1.
  virtual void MarkRunning(const std::vector<uint64_t>& ids, double now) = 0;
  /// Stores a finished trial's outcome and status (done or failed).
  virtual void CommitTrial(const TrialRecord& trial) = 0;
  /// Derived data: gains of applied trials and history rows (one transaction).
  virtual void PutDerived(const std::vector<std::pair<uint64_t, double>>& gains,
                          const std::vector<HistoryRow>& history) = 0;

  /// Appends imported runs (one transaction) and returns the batch they enter before: the
  /// number of batches of trials recorded so far. Sets each record's seq and
  /// enters_before_batch.
  virtual int AddImported(std::vector<ImportedRecord> records) = 0;
  /// Every imported run, in import order.
  virtual std::vector<ImportedRecord> Imported() = 0;

  /// All trials, by trial id.
  virtual std::vector<TrialRecord> Trials() = 0;
  virtual std::vector<HistoryRow> History() = 0;
  virtual StatusSummary Summary() = 0;

  /// Onboarded workloads (one transaction): new idx values are inserted, existing ones get
  /// the record's budget.
  virtual void PutOnboardWorkloads(const std::vector<OnboardWorkloadRecord>& records) = 0;
  /// Every onboarded workload, by idx.
  virtual std::vector<OnboardWorkloadRecord> OnboardWorkloads() = 0;
  /// Inserts onboarding trials as pending; ids already stored are left alone.
  virtual void AddOnboardPending(const std::vector<OnboardTrialRecord>& trials) = 0;
  /// Marks onboarding trials running: started_at = now, attempts + 1.
  virtual void MarkOnboardRunning(const std::vector<uint64_t>& ids, double now) = 0;
  /// Stores a finished onboarding trial's outcome and status (`run` of an
  /// OnboardTrialRecord).
  virtual void CommitOnboardTrial(const TrialRecord& run) = 0;
  /// Every onboarding trial, by trial id.
  virtual std::vector<OnboardTrialRecord> OnboardTrials() = 0;
};

/// A Store in memory, for unit tests.
class MemoryStore final : public Store {
 public:
  std::optional<StudyInfo> Study() override;
  void CreateStudy(const StudyInfo& info, const space::WorkloadSet& ws) override;
  void SetPhase(const std::string& phase, double now) override;
  space::WorkloadSet Workloads() override;
  void PutWarmStart(const std::vector<std::vector<uint8_t>>& configs) override;
  std::vector<std::vector<uint8_t>> WarmStart() override;
  void AddPending(const std::vector<TrialRecord>& trials) override;
  void MarkRunning(const std::vector<uint64_t>& ids, double now) override;
  void CommitTrial(const TrialRecord& trial) override;
  void PutDerived(const std::vector<std::pair<uint64_t, double>>& gains,
                  const std::vector<HistoryRow>& history) override;
  int AddImported(std::vector<ImportedRecord> records) override;
  std::vector<ImportedRecord> Imported() override;
  std::vector<TrialRecord> Trials() override;
  std::vector<HistoryRow> History() override;
  StatusSummary Summary() override;
  void PutOnboardWorkloads(const std::vector<OnboardWorkloadRecord>& records) override;
  std::vector<OnboardWorkloadRecord> OnboardWorkloads() override;
  void AddOnboardPending(const std::vector<OnboardTrialRecord>& trials) override;
  void MarkOnboardRunning(const std::vector<uint64_t>& ids, double now) override;
  void CommitOnboardTrial(const TrialRecord& run) override;
  std::vector<OnboardTrialRecord> OnboardTrials() override;

  /// Number of CommitTrial calls, for tests.
  size_t commits() const { return commits_; }

 private:
  std::optional<StudyInfo> study_;
  space::WorkloadSet ws_;
  std::vector<std::vector<uint8_t>> warm_;
  std::map<uint64_t, TrialRecord> trials_;
  std::map<int, HistoryRow> history_;
  std::vector<ImportedRecord> imported_;
  std::map<uint32_t, OnboardWorkloadRecord> onboard_workloads_;
  std::map<uint64_t, OnboardTrialRecord> onboard_trials_;
  size_t commits_ = 0;
};

/// Computes a StatusSummary from trials and workloads (MemoryStore, tests).
StatusSummary SummarizeTrials(const std::vector<TrialRecord>& trials, const space::WorkloadSet& ws,
                              const std::vector<HistoryRow>& history);

/// Current time in unix seconds.
double NowSeconds();

}  // namespace iorec::store
