#pragma once
/// `runner.mode: real`: drives the reference synthesizer as external programs. Per workload,
/// the planner (features2synth_opsaware.py) writes a plan under <out_root>/<workload>/; each
/// trial gets a copy that names files in its own payload directory. Per trial, a script run in
/// the trial directory (inside the job with `executor: slurm`): records and sets the Lustre
/// client knobs with `lctl` once on every node of the trial (restored on exit; what a crashed
/// trial left behind is restored first), stripes the payload directories with `lfs
/// setstripe`, pre-sizes the data files with the plan's run_prep.sh, launches mpi_synthio with
/// Darshan preloaded and the MPI-IO knobs as its ROMIO-hint flags, waits for the flush, and
/// removes the data files. The metric and the log's features come from the trial's own Darshan log,
/// read by iorec's Darshan reader. docs/runners.md and docs/real-testbed.md give the commands.
#include <filesystem>
#include <iosfwd>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "iorec/darshan/summary.hpp"
#include "iorec/runner/command_runner.hpp"
#include "iorec/runner/settings.hpp"

namespace iorec::runner {

struct RealRunnerOptions : RealRunnerSettings {
  std::ostream* dry_run_out = nullptr;  ///< where dry_run prints (null: stdout)
  double timeout_s = 0.0;
  RetryPolicy retry;
  std::filesystem::path trials_root;
  std::vector<std::string> feature_names;
  std::string python = "python3";
};

/// Relative path of the planner under io_synth_root.
inline constexpr const char* kSynthesizerScript = "scripts/features2synth_opsaware.py";
/// Per-trial files in the trial directory.
inline constexpr const char* kFidelityFile = "fidelity.json";
inline constexpr const char* kLctlApplyScript = "lctl_apply.sh";
inline constexpr const char* kLctlRestoreScript = "lctl_restore.sh";
/// What a dry-run trial records: every config equal, every gain 0.
inline constexpr double kDryRunMetric = 1.0;
/// The trial's copies of the workload's plan.csv and run_prep.sh, naming the files of the
/// trial's own payload directory (<out_root>/<workload>/payload-<trial id>).
inline constexpr const char* kTrialPlanFile = "plan.csv";
inline constexpr const char* kTrialPrepScript = "run_prep.sh";

/// The Lustre knobs the real runner applies (stripe_count, stripe_size, osc_/mdc_ RPC knobs)
/// that `space` holds, in space order.
std::vector<std::string> LustreKnobsIn(const space::Space& space);

/// A stripe size as `lfs setstripe -S` takes it, as the reference converts it: text ending in
/// K, M or G is kept (upper-cased); a number is KiB, written in the largest exact unit
/// ("1024" -> "1M", "65536" -> "64M", "48" -> "48K").
std::string LfsStripeSize(const std::string& value);

/// The reference's reading of runner.mpi_collective_mode: yes/y/1/true/on/collective -> "yes",
/// anything else -> "no"; always "no" unless io_api is "mpiio".
std::string CollectiveFlag(const std::string& mode, const std::string& io_api);

/// The arguments the plan's run_from_features.sh passes to mpi_synthio (after the binary,
/// without the optional MPI tuning flags). Throws core::Error when no launch line is found.
std::vector<std::string> SynthArgsFromRunScript(const std::string& script_text,
                                                const std::string& script_name);

/// A metric picked from a log's summary as the reference picks a darshan_summary.csv column:
/// `key` itself, else MPIIO_<key>, else POSIX_<key>, else the fallback (`bytes_over_f_time`:
/// bytes moved over F_READ+F_WRITE+F_META time of the io_api's module, in MiB/s).
struct PickedMetric {
  MetricReading reading;
  std::string column;  ///< which column gave the value ("POSIX_agg_perf_by_slowest", ...)
};
PickedMetric PickMetric(const darshan::LogSummary& summary, const std::string& key,
                        const std::string& fallback, const std::string& io_api);
/// One darshan_summary.csv-style column of a summary: <MODULE>_<perf field> (agg_perf_by_slowest,
/// agg_time_by_slowest, total_bytes, ...) or <MODULE>_<COUNTER> totals. nullopt when absent.
std::optional<double> SummaryColumn(const darshan::LogSummary& summary, const std::string& column);

class RealRunner final : public ShellRunner {
 public:
  RealRunner(const space::Space& space, RealRunnerOptions options);

  std::string name() const override { return "real"; }
  std::filesystem::path TrialDir(const TrialRequest& request) const override;
  /// Runs the planner for the request's workload on first use (not in dry_run).
  TrialJob Plan(const TrialRequest& request) override;
  void Prepare(const TrialRequest& request, const TrialJob& job) override;
  TrialOutcome Finish(const TrialRequest& request, const TrialJob& job,
                      const ProcessResult& result) override;
  const RetryPolicy& retry() const override { return options_.retry; }
  /// dry_run: prints every command and returns the placeholder metric kDryRunMetric;
  /// otherwise ShellRunner::Run.
  TrialOutcome Run(const TrialRequest& request) override;

  /// Checks before the first trial that the Lustre knobs can take effect: out_root on a
  /// Lustre file system, lfs and lctl on PATH. Throws core::InputError naming the knobs, or,
  /// with require_lustre false, returns the warning to print once ("" when all is well).
  std::string CheckLustre() const;

  /// The planner command for a workload (argv).
  std::vector<std::string> PlannerCommand(const TrialRequest& request) const;
  /// The per-node scripts that record and set, and that restore, the client knobs (empty
  /// when the space has no lctl knobs). Both take the trial's owner id as $1: a trial waits
  /// while another live one holds the node's settings, and puts back what a dead one left.
  std::string LctlApplyScript(const TrialRequest& request) const;
  std::string LctlRestoreScript() const;

 private:
  struct WorkloadPlan {
    int nprocs = 1;
    std::string io_api, collective;
    std::vector<std::string> synth_args;  ///< from run_from_features.sh (empty in dry_run)
  };
  std::string WorkloadId(const TrialRequest& r) const;
  std::filesystem::path WorkloadFile(const TrialRequest& r) const;
  std::filesystem::path OutRoot() const;
  std::filesystem::path PlanDir(const TrialRequest& r) const;
  std::filesystem::path PayloadDir(const TrialRequest& r) const;
  void WriteTrialPlan(const TrialRequest& r, const std::filesystem::path& trial_dir) const;
  std::string LctlCommand() const;
  std::string LctlPrelude() const;
  WorkloadPlan Intent(const TrialRequest& r) const;
  const WorkloadPlan& EnsurePlan(const TrialRequest& r);
  std::string KnobText(const TrialRequest& r, const std::string& name) const;
  std::string TrialScript(const TrialRequest& r, const WorkloadPlan& plan,
                          const std::filesystem::path& trial_dir) const;
  std::vector<std::string> LaunchCommand(const TrialRequest& r, const WorkloadPlan& plan,
                                         const std::filesystem::path& trial_dir,
                                         const std::filesystem::path& log) const;

  const space::Space& space_;
  RealRunnerOptions options_;
  std::mutex mu_;
  std::map<std::string, WorkloadPlan> plans_;  ///< by workload id, once planned
  std::map<std::string, bool> printed_;        ///< dry_run: planner already printed
};

}  // namespace iorec::runner
