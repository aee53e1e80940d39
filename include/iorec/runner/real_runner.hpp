#pragma once
/// `runner.mode: real`: the Lustre bridge of the reference tool. Per trial: synthesize the
/// workload's benchmark (once per workload), set the Lustre client knobs with lctl, stripe
/// the payload directories with lfs, run the benchmark with the MPI-IO knobs in its
/// environment, wait for the flush, analyse the Darshan logs and read the metric from
/// darshan_summary.csv. See docs/runners.md for the exact commands.
#include <filesystem>
#include <iosfwd>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "iorec/runner/command_runner.hpp"
#include "iorec/runner/settings.hpp"

namespace iorec::runner {

struct RealRunnerOptions : RealRunnerSettings {
  std::ostream* dry_run_out = nullptr;  ///< where dry_run prints (null: stdout)
  double timeout_s = 0.0;
  RetryPolicy retry;
  Objective objective = Objective::kMaximize;
  std::filesystem::path trials_root;
  std::vector<std::string> feature_names;
  std::string python = "python3";
};

/// Relative paths of the reference scripts under io_synth_root.
inline constexpr const char* kSynthesizerScript = "scripts/features2synth_opsaware.py";
inline constexpr const char* kAnalysisScript =
    "analysis/scripts_analysis/analyze_darshan_merged.py";

class RealRunner final : public ShellRunner {
 public:
  RealRunner(const space::Space& space, RealRunnerOptions options);

  std::string name() const override { return "real"; }
  std::filesystem::path TrialDir(const TrialRequest& request) const override;
  TrialJob Plan(const TrialRequest& request) override;
  void Prepare(const TrialRequest& request, const TrialJob& job) override;
  TrialOutcome Finish(const TrialRequest& request, const TrialJob& job,
                      const ProcessResult& result) override;
  const RetryPolicy& retry() const override { return options_.retry; }
  /// dry_run: prints the commands and returns a failed outcome; otherwise ShellRunner::Run.
  TrialOutcome Run(const TrialRequest& request) override;

  /// The synthesizer command for a workload (argv).
  std::vector<std::string> SynthesizerCommand(const TrialRequest& request) const;
  /// The trial's commands in order, one shell line each (what dry_run prints after the
  /// synthesizer).
  std::vector<std::string> TrialCommands(const TrialRequest& request) const;

 private:
  std::string WorkloadId(const TrialRequest& r) const;
  std::filesystem::path WorkloadFile(const TrialRequest& r) const;
  std::filesystem::path PlanDir(const TrialRequest& r) const;
  void EnsurePlan(const TrialRequest& r);

  const space::Space& space_;
  RealRunnerOptions options_;
  std::mutex mu_;
  std::map<std::string, bool> planned_;  ///< workloads whose synthesizer plan exists
  std::map<std::string, bool> printed_;  ///< dry_run: synthesizer already printed
};

/// Reads `column` (or, if absent, `fallback`) from the last row of a darshan_summary.csv.
/// Both are tried as given and with a POSIX_ prefix.
MetricReading ReadSummaryCsv(const std::filesystem::path& csv, const std::string& column,
                             const std::string& fallback);

}  // namespace iorec::runner
