#pragma once
/// Where trials run: a bounded local pool of child processes, or Slurm job arrays. Both return
/// outcomes in request order, whatever the completion order, so a study's outputs do not
/// depend on how many trials ran at once.
#include <filesystem>
#include <string>
#include <vector>

#include "iorec/runner/command_runner.hpp"
#include "iorec/runner/runner.hpp"
#include "iorec/runner/settings.hpp"

namespace iorec::runner {

/// Runs up to `parallel_trials` trials at once, each on its own thread (a shell runner's
/// trial is a child process in its own process group). On SIGINT/SIGTERM (see
/// InstallInterruptHandlers) running trials are killed, no new ones start, finished ones
/// are reported, and RunBatch throws Interrupted.
class LocalExecutor final : public Executor {
 public:
  LocalExecutor(Runner& runner, int parallel_trials);
  using Executor::RunBatch;
  std::vector<TrialOutcome> RunBatch(const std::vector<TrialRequest>& batch,
                                     const TrialDoneFn& on_done) override;
  int parallel_trials() const { return parallel_; }

 private:
  Runner& runner_;
  int parallel_;
};

/// Settings of the Slurm executor: `runner.slurm.*`, and what the study adds.
struct SlurmOptions : SlurmSettings {
  /// Where array scripts and their logs go (`<output-dir>/slurm`; relative: to the working
  /// directory); on a file system the compute nodes share, like the trial directories.
  std::filesystem::path work_dir;
  /// Client commands (override in tests).
  std::string sbatch = "sbatch";
  std::string squeue = "squeue";
  std::string scancel = "scancel";
  double client_timeout_s = 60.0;    ///< per client command
  int client_failures_allowed = 10;  ///< consecutive squeue failures before giving up
};

/// File names the Slurm executor keeps in a trial directory.
inline constexpr const char* kJobScriptFile = "job.sh";
inline constexpr const char* kJobIdFile = "job_id";      ///< "<array id>_<task>"
inline constexpr const char* kJobNameFile = "job_name";  ///< the array job's name
inline constexpr const char* kStartedFile = "started";   ///< written when the trial starts
inline constexpr const char* kExitCodeFile = "exit_code";
inline constexpr const char* kTimedOutFile = "timed_out";  ///< the trial's timeout fired

/// Runs a batch as Slurm job arrays: each trial's `job.sh` (in its trial directory) runs in
/// an array task, `trials_per_job` trials per task, at most `max_concurrent` tasks at once.
/// squeue is polled for the whole batch. A failed sbatch is retried with backoff; a job
/// Slurm no longer knows is lost and its trials are re-run (up to the runner's max_retries).
/// The job id and name are stored in the trial directory: a trial already submitted with
/// the same request.json (a resumed study) is re-attached, not submitted twice. Ctrl-C
/// cancels the batch's jobs.
class SlurmExecutor final : public Executor {
 public:
  SlurmExecutor(ShellRunner& runner, SlurmOptions options);
  using Executor::RunBatch;
  std::vector<TrialOutcome> RunBatch(const std::vector<TrialRequest>& batch,
                                     const TrialDoneFn& on_done) override;

  /// What happened, for logs and tests.
  struct Stats {
    int sbatch_calls = 0;     ///< successful sbatch calls (one per array)
    int sbatch_failures = 0;  ///< failed sbatch calls (each retried)
    int submitted = 0;        ///< trial submissions (a retried trial counts again)
    int reattached = 0;       ///< trials found already submitted by an earlier run
    int lost = 0;             ///< trials whose job Slurm forgot
    int polls = 0;            ///< squeue calls
  };
  const Stats& stats() const { return stats_; }

 private:
  class Batch;

  ShellRunner& runner_;
  SlurmOptions options_;
  Stats stats_;
};

/// A trial's `job.sh`: runs the trial's command in its directory with its environment,
/// stdout/stderr to the trial's files, under `timeout` when the trial has one, and records
/// `started`, `exit_code` and `timed_out` there. Every value is shell-quoted.
std::string TrialJobScript(const TrialRequest& request, const TrialJob& job);

/// The script of one array job: task k runs the `job.sh` of the k-th group of trial
/// directories, one after another.
std::string ArrayJobScript(const std::string& job_name,
                           const std::vector<std::vector<std::filesystem::path>>& tasks);

}  // namespace iorec::runner
