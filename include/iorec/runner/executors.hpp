#pragma once
/// Where trials run: a bounded local pool of child processes, or Slurm jobs. Both return
/// outcomes in request order, whatever the completion order, so a study's outputs do not
/// depend on how many trials ran at once.
#include <string>
#include <vector>

#include "iorec/runner/command_runner.hpp"
#include "iorec/runner/runner.hpp"

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

/// Settings of the Slurm executor (`runner.slurm.*`).
struct SlurmOptions {
  std::string partition;  ///< empty: the cluster's default
  std::string account;
  std::string time;  ///< --time, e.g. "00:10:00"; empty: the partition's default
  int nodes = 1;
  int ntasks = 1;
  std::vector<std::string> extra_args;  ///< passed to sbatch as they are
  double poll_s = 2.0;                  ///< longest wait between two squeue calls
  /// Client commands (override in tests).
  std::string sbatch = "sbatch";
  std::string squeue = "squeue";
  std::string scancel = "scancel";
  double client_timeout_s = 60.0;   ///< per client command
  int client_failures_allowed = 3;  ///< consecutive squeue failures before giving up
};

/// File names the Slurm executor keeps in a trial directory.
inline constexpr const char* kJobScriptFile = "job.sh";
inline constexpr const char* kJobIdFile = "job_id";
inline constexpr const char* kExitCodeFile = "exit_code";

/// Each trial is one `sbatch --parsable` job whose script, stdout and stderr live in the
/// trial directory; squeue is polled for all of a batch's jobs at once. A job Slurm no
/// longer knows is lost and re-submitted (up to the runner's max_retries). The job id is
/// stored in the trial directory: a trial already submitted with the same request.json
/// (a resumed study) is re-attached, not submitted twice. Ctrl-C cancels the batch's jobs.
class SlurmExecutor final : public Executor {
 public:
  SlurmExecutor(ShellRunner& runner, SlurmOptions options);
  using Executor::RunBatch;
  std::vector<TrialOutcome> RunBatch(const std::vector<TrialRequest>& batch,
                                     const TrialDoneFn& on_done) override;

  /// The job script for a trial (exposed for tests).
  std::string JobScript(const TrialRequest& request, const TrialJob& job) const;
  /// Submits and returns counts of what happened, for logs and tests.
  struct Stats {
    int submitted = 0;
    int reattached = 0;
    int lost = 0;
    int polls = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  ShellRunner& runner_;
  SlurmOptions options_;
  Stats stats_;
};

}  // namespace iorec::runner
