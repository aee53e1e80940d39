#pragma once
/// The one record of a study that the loop, its metrics, the recommendation matrix, the
/// held-out evaluation, the reports and the store all read: the workloads, each workload's
/// baseline, and every finished trial with its config and outcome. Pure data; the only
/// place where a measured metric becomes a Perf (state/gain.hpp).
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"
#include "iorec/state/gain.hpp"

namespace iorec::state {

/// Why a trial ran; kImported: measured elsewhere and brought in with `iorec import`.
enum class Source { kBaseline, kWarm, kActive, kReplicate, kImported };
const char* ToString(Source s);

/// One finished trial.
struct Trial {
  uint64_t trial_id = 0;
  uint32_t workload = 0;
  space::Config config;
  Source source = Source::kWarm;
  int iteration = 0;  ///< 0 for baseline and warm start, 1.. for active iterations
  int replicate = 0;  ///< 0 for the first run of a config on a workload
  bool ok = false;
  double metric = 0.0;         ///< as the runner measured it (its units); valid when ok
  Perf perf;                   ///< valid when ok
  std::string failure_reason;  ///< set when !ok
  double wall_seconds = 0.0;
};

/// A config measured on one workload: its successful runs.
struct ConfigStats {
  space::Config config;
  std::vector<Perf> perfs;  ///< one per successful run
  Source first_source = Source::kWarm;
  int first_iteration = 0;

  bool measured() const { return !perfs.empty(); }
  /// Mean perf over runs. Precondition: measured().
  Perf Mean() const;
  /// Sample standard deviation over runs (perf units); 0 for fewer than two runs.
  double Std() const;
  /// The robust score mean - z * std (perf units). Precondition: measured().
  Perf Robust(double z) const;
};

/// Where a workload's baseline perf comes from.
enum class BaselineSource {
  kNone,        ///< no successful run on the workload at all
  kMeasured,    ///< the baseline config's own run
  kMedianWarm,  ///< the baseline run failed: the median warm-start result stands in
};
const char* ToString(BaselineSource s);

struct WorkloadRecord {
  Perf baseline;
  BaselineSource baseline_source = BaselineSource::kNone;
  std::string baseline_failure;      ///< why the baseline run failed, when it did
  std::vector<ConfigStats> configs;  ///< in the order they were first measured
  std::unordered_map<space::Config, size_t, space::ConfigHash> index;

  bool has_baseline() const { return baseline_source != BaselineSource::kNone; }
  /// Some config has a successful run.
  bool has_runs() const;
  /// Gains of `perf` over this workload's baseline. Precondition: has_baseline().
  RelGain Gain(Perf perf) const { return Relative(perf, baseline); }
  LogGain LogGainOf(Perf perf) const { return Log(perf, baseline); }
  /// Null when the config was never tried here.
  const ConfigStats* Find(const space::Config& c) const;
  /// Measured configs by robust score (mean - z * std), best first; ties keep first-measured
  /// order.
  std::vector<const ConfigStats*> Ranked(double z) const;
};

class StudyState {
 public:
  StudyState() = default;
  StudyState(space::Space space, space::Config baseline_config, space::WorkloadSet workloads,
             Direction direction);

  const space::Space& space() const { return space_; }
  const space::Config& baseline_config() const { return baseline_config_; }
  const space::WorkloadSet& workload_set() const { return workloads_; }
  size_t num_workloads() const { return records_.size(); }
  Direction direction() const { return direction_; }
  const WorkloadRecord& record(size_t w) const { return records_[w]; }
  const std::vector<WorkloadRecord>& records() const { return records_; }
  /// Every finished trial, in the order the study recorded them.
  const std::vector<Trial>& trials() const { return trials_; }
  /// Active iterations completed.
  int iterations() const { return iterations_; }
  void set_iterations(int n) { iterations_ = n; }

  /// Records a finished trial. `trial.ok` and `trial.metric` are the runner's; the metric
  /// becomes `trial.perf` here, or the trial fails when it cannot be a perf. A successful
  /// run of the baseline source sets the workload's baseline (an imported run of the
  /// baseline config does not: the study's own run does).
  const Trial& Record(Trial trial);

  /// For each workload whose baseline did not run successfully but which has successful
  /// runs, the median of its measured configs' mean perf stands in as the baseline.
  /// Returns those workloads.
  std::vector<uint32_t> SubstituteMissingBaselines();

  /// The trial's gain over its workload's baseline. Precondition: trial.ok and the
  /// workload has a baseline.
  RelGain Gain(const Trial& trial) const { return records_[trial.workload].Gain(trial.perf); }

 private:
  space::Space space_;
  space::Config baseline_config_;
  space::WorkloadSet workloads_;
  Direction direction_ = Direction::kMaximize;
  std::vector<WorkloadRecord> records_;
  std::vector<Trial> trials_;
  int iterations_ = 0;
};

}  // namespace iorec::state
