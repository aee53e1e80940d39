#pragma once
/// What one trial is and what it returns. A failed or timed-out trial is data
/// (TrialOutcome::ok == false), never an exception.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "iorec/core/error.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::runner {

/// Why a trial runs (the study state's own enum).
using TrialSource = state::Source;
using state::ToString;

struct TrialRequest {
  uint32_t workload_index = 0;
  const space::Workload* workload = nullptr;  ///< non-owning; outlives the trial
  space::Config config;
  TrialSource source = TrialSource::kWarm;
  int iteration = -1;  ///< -1 for baseline and warm start
  int replicate = 0;   ///< 0 for the first run of a config on a workload
  uint64_t trial_id = 0;
};

struct TrialOutcome {
  bool ok = false;
  /// The metric as measured, in the runner's units; valid when ok. The study applies the
  /// objective's direction when it records the trial (state::PerfFromMetric).
  double value = 0.0;
  std::string failure_reason;  ///< set when !ok
  double wall_seconds = 0.0;
  std::string stdout_tail;
  std::string stderr_tail;
  std::string trial_dir;
  int attempts = 1;          ///< runs it took, retries included
  bool interrupted = false;  ///< killed by Ctrl-C: not a result, the trial is still pending
};

/// Thrown by an executor when an interrupt (SIGINT/SIGTERM) stopped a batch. Trials that
/// finished before were reported through TrialDoneFn; the others are pending.
class Interrupted : public core::Error {
 public:
  explicit Interrupted(const std::string& what) : core::Error(what) {}
};

/// Runs one trial. Implementations must be safe to call from several threads at once.
class Runner {
 public:
  virtual ~Runner() = default;
  virtual TrialOutcome Run(const TrialRequest& request) = 0;
  /// Short name for summaries ("stub", "command", ...).
  virtual std::string name() const = 0;
};

/// Called once per trial as soon as it finishes (any order), with its batch index.
using TrialDoneFn = std::function<void(size_t index, const TrialOutcome& outcome)>;

/// Where the trials of a running batch are, for progress displays. Counts add up to the
/// batch's size (trials answered without running, e.g. from a store, are not in the batch).
struct BatchProgress {
  size_t waiting = 0;   ///< not handed to the scheduler yet (throttled, or sbatch backing off)
  size_t queued = 0;    ///< submitted, not started
  size_t running = 0;   ///< started, not finished
  size_t retrying = 0;  ///< failed, waiting for its next attempt
  size_t done = 0;      ///< finished with a result
  size_t failed = 0;    ///< finished without a result (no attempts left)
  std::string note;     ///< what holds the batch up, e.g. "sbatch failed (try 2 of 9): ..."
  bool operator==(const BatchProgress&) const = default;
};
/// Called (on the RunBatch thread) when the counts change.
using BatchProgressFn = std::function<void(const BatchProgress&)>;

/// Where trials run: runs a batch and returns outcomes in request order.
class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::vector<TrialOutcome> RunBatch(const std::vector<TrialRequest>& batch,
                                             const TrialDoneFn& on_done) = 0;
  std::vector<TrialOutcome> RunBatch(const std::vector<TrialRequest>& batch) {
    return RunBatch(batch, TrialDoneFn());
  }
  /// Executors that know more than "finished or not" (a batch scheduler's queue) report
  /// per-trial states here during long batches; the others never call it.
  void SetProgress(BatchProgressFn fn) { progress_ = std::move(fn); }

 protected:
  void ReportProgress(const BatchProgress& p) const {
    if (progress_) progress_(p);
  }

 private:
  BatchProgressFn progress_;
};

/// Runs each trial in turn on the calling thread.
class SerialExecutor final : public Executor {
 public:
  explicit SerialExecutor(Runner& runner) : runner_(runner) {}
  using Executor::RunBatch;
  std::vector<TrialOutcome> RunBatch(const std::vector<TrialRequest>& batch,
                                     const TrialDoneFn& on_done) override;

 private:
  Runner& runner_;
};

}  // namespace iorec::runner
