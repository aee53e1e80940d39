#pragma once
/// The `runner:` section of a study config: what it holds and how it is validated. The
/// config module hands the section over as a plain core::ConfigNode and collects the located
/// problems; everything about runner internals (metric specs, command placeholders, the
/// synthesizer's layout) stays in this module.
#include <filesystem>
#include <string>
#include <vector>

#include "iorec/core/config_node.hpp"
#include "iorec/space/space.hpp"
#include "iorec/state/gain.hpp"

namespace iorec::runner {

enum class RunnerMode { kStub, kCommand, kReal };
/// Whether larger metric values are better: the study's state::Direction (the study applies
/// it where a metric enters its state; runners report metrics as measured).
using Objective = state::Direction;
/// Where trials run: local processes, Slurm jobs, or an external driver that gets them from
/// `iorec ask` and reports them with `iorec tell` (iorec runs none itself).
enum class ExecutorKind { kLocal, kSlurm, kExternal };

const char* ToString(RunnerMode m);
const char* ToString(ExecutorKind e);
using state::ToString;

/// The real runner's keys: the reference's (runner_real.py) plus launcher, synth_binary,
/// darshan_lib and require_lustre. io_synth_root holds scripts/ (the planner);
/// <out_root>/<workload>/ gets the plan and payload. Paths are resolved against the config
/// file's directory.
struct RealRunnerSettings {
  std::string io_synth_root;
  std::string out_root;
  double cap_total_gib = 512.0;
  /// posix | mpiio | auto (each workload's own io_api); the reference's default is posix.
  std::string io_api = "auto";
  std::string meta_api = "posix";
  /// yes | no (and the reference's synonyms) | auto (each workload's own); "no" unless mpiio.
  std::string mpi_collective_mode = "auto";
  std::string meta_scope = "separate";
  int nprocs_cap = 64;
  /// The log figure optimized, picked as the reference does: this column, else MPIIO_<key>,
  /// else POSIX_<key>, else metric_fallback. The default (the reference's) is the figure at
  /// the workload's own I/O interface: MPI-IO's for MPI-IO runs, POSIX's otherwise.
  std::string metric_key = "agg_perf_by_slowest";
  std::string metric_fallback = "bytes_over_f_time";
  bool delete_existing_darshan = true;  ///< accepted; each trial's log is new in its own dir
  double flush_wait_sec = 10.0;
  bool use_sudo_for_lustre = false;
  bool dry_run = false;
  /// The MPI launch; {nprocs} is min(workload nprocs, nprocs_cap). Split on spaces.
  std::string launcher = "mpiexec -n {nprocs}";
  std::string synth_binary = "mpi_synthio";  ///< a path, or a name looked up on PATH
  /// libdarshan.so to preload; empty: beside the darshan-parser on PATH, else the bare name.
  std::string darshan_lib;
  /// Unmeasured runs of the benchmark (without Darshan) before the measured one, per trial.
  int warmup_runs = 0;
  /// Stop before the first trial when the Lustre knobs cannot take effect (false: warn once).
  bool require_lustre = true;
};

/// `runner.slurm.*`: how trials are submitted with `executor: slurm`.
struct SlurmSettings {
  std::string partition;  ///< empty: the cluster's default partition
  std::string account;
  std::string time;  ///< sbatch --time, e.g. "00:10:00"; empty: the partition's default
  int nodes = 1;
  int ntasks = 1;
  std::vector<std::string> extra_args;  ///< more sbatch arguments (a list, or one string
                                        ///< split on spaces)
  double poll_s = 2.0;                  ///< longest wait between two squeue polls
  /// Array tasks running at once (`sbatch --array=...%N`); 0: no limit. With a limit, a
  /// batch's arrays run one after another, so the limit holds for the whole batch.
  int max_concurrent = 0;
  /// Trials run one after another in one array task (one allocation; `time` covers them all).
  int trials_per_job = 1;
  /// Array tasks per sbatch; a larger batch is split (keep below the site's MaxArraySize).
  int max_array_size = 1000;
  /// A failed sbatch is tried again this many times, after submit_backoff_s doubling up to
  /// 60 s; then the batch's other trials finish and the study stops, resumable.
  int submit_retries = 8;
  double submit_backoff_s = 1.0;
};

struct RunnerSettings {
  RunnerMode mode = RunnerMode::kStub;
  double noise_std = 0.0;   ///< stub: relative noise per replicate
  RealRunnerSettings real;  ///< the reference's real-runner keys (runner.io_synth_root, ...)
  /// command: the shell template run by /bin/sh -c in the trial directory.
  std::string command;
  /// command: stdout_json | stdout_last_number | file_json:<relative path> | darshan:<glob>.
  std::string metric = "stdout_json";
  /// runner.metric_key as written (empty if absent). The command runner's default is
  /// agg_perf_by_slowest; the real runner's is real.metric_key (which this also sets).
  std::string metric_key;
  double timeout_s = 0.0;        ///< per trial; 0: no limit
  int max_retries = 0;           ///< re-runs of a failed trial
  double retry_backoff_s = 1.0;  ///< wait before the first retry; doubles each retry
  Objective objective = Objective::kMaximize;
  ExecutorKind executor = ExecutorKind::kLocal;
  int parallel_trials = 0;  ///< local: trials at once; 0 (absent): the number of cores
  SlurmSettings slurm;

  /// The metric key of the command runner.
  std::string CommandMetricKey() const {
    return metric_key.empty() ? "agg_perf_by_slowest" : metric_key;
  }
  /// runner.metric_unit as written: how outputs label the metric ("MiB/s", "s"); empty: none.
  std::string metric_unit;
  /// What the metric is called in outputs: the real runner's or command runner's key, or
  /// "synthetic throughput" for the stub.
  std::string MetricName() const;
  /// metric_unit, or for the real runner the unit of its Darshan figure (MiB/s, s).
  std::string MetricUnit() const;
};

/// Reads and validates the `runner:` section. Problems are added to `reader`, located as
/// `runner.<key>` (or `parameters` for knob names the runner cannot use). `space` is null
/// when the knobs themselves were invalid (knob-dependent checks are then skipped).
/// Relative paths are resolved against `config_path`'s directory.
RunnerSettings ParseRunnerSettings(core::ConfigReader& reader, const core::ConfigNode& section,
                                   const space::Space* space,
                                   const std::filesystem::path& config_path);

}  // namespace iorec::runner
