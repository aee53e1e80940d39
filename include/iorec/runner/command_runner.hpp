#pragma once
/// `runner.mode: command`: a trial is a shell command run by /bin/sh -c in a fresh trial
/// directory `<output-dir>/trials/<workload>/<trial-id>/`; the metric is read from its
/// stdout or from a file it wrote.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iorec/runner/command_template.hpp"
#include "iorec/runner/process.hpp"
#include "iorec/runner/runner.hpp"
#include "iorec/runner/settings.hpp"

namespace iorec::runner {

/// Where a trial's metric comes from.
struct MetricSpec {
  enum class Kind { kStdoutJson, kStdoutLastNumber, kFileJson, kDarshan };
  Kind kind = Kind::kStdoutJson;
  std::string path;                         ///< file_json: path relative to the trial dir;
                                            ///< darshan: glob relative to the trial dir
  std::string key = "agg_perf_by_slowest";  ///< JSON key (dotted path or /json/pointer)
};

/// Parses `stdout_json`, `stdout_last_number`, `file_json:<relative path>` or
/// `darshan:<glob>`. On failure returns nullopt and sets `error`.
std::optional<MetricSpec> ParseMetricSpec(const std::string& text, std::string* error);

/// A metric read from text: ok with a finite value, or an error message.
struct MetricReading {
  bool ok = false;
  double value = 0.0;
  std::string error;
};

/// The number under `key` in the last JSON object of `text`. `key` is a top-level key, a
/// dotted path (`jobs.0.read.bw`) or a JSON pointer (`/jobs/0/read/bw`).
MetricReading ExtractJsonMetric(std::string_view text, const std::string& key);
/// The last whitespace-separated token of `text` that is a number.
MetricReading ExtractLastNumber(std::string_view text);

/// How often and how patiently a failed trial is re-run.
struct RetryPolicy {
  int max_retries = 0;          ///< extra attempts after the first
  double backoff_s = 1.0;       ///< wait before retry k is backoff_s * 2^(k-1) ...
  double backoff_max_s = 60.0;  ///< ... capped at this
  double Delay(int retry) const;
};

/// A trial as a shell command in its own directory, ready for an executor.
struct TrialJob {
  std::filesystem::path trial_dir;
  std::string command;                                   ///< run by /bin/sh -c
  std::vector<std::pair<std::string, std::string>> env;  ///< added to the environment
  double timeout_s = 0.0;                                ///< <= 0: none
  std::string request_json;  ///< what the trial is (written as request.json; used on resume)
  /// It changes node-wide settings (Lustre client knobs): no other job may share its nodes
  /// (the Slurm executor submits it with --exclusive).
  bool whole_nodes = false;
};

/// File names inside a trial directory.
inline constexpr const char* kStdoutFile = "stdout.txt";
inline constexpr const char* kStderrFile = "stderr.txt";
inline constexpr const char* kRequestFile = "request.json";
inline constexpr const char* kOutcomeFile = "outcome.json";
/// While the trial's command runs: its process group (ProcessSpec::group_file).
inline constexpr const char* kGroupFile = "process_group";
/// Bytes of stdout/stderr kept in TrialOutcome.
inline constexpr size_t kTailBytes = 4096;

/// A runner whose trials are shell commands. The local executor calls Run(); the Slurm
/// executor calls Prepare(), submits the job itself, then calls Finish().
class ShellRunner : public Runner {
 public:
  /// Where a request's trial directory is.
  virtual std::filesystem::path TrialDir(const TrialRequest& request) const = 0;
  /// What the trial runs, without touching the disk (so a resumed Slurm study can compare
  /// it with the request.json of a trial submitted before).
  virtual TrialJob Plan(const TrialRequest& request) = 0;
  /// Creates a fresh, empty trial directory and writes what the command needs.
  virtual void Prepare(const TrialRequest& request, const TrialJob& job) = 0;
  /// Called before attempt `attempt` (1-based) runs; attempt > 1 keeps the previous logs
  /// as stdout.attempt<N>.txt / stderr.attempt<N>.txt.
  virtual void BeginAttempt(const TrialJob& job, int attempt);
  /// Turns a finished run into an outcome (reads the metric).
  virtual TrialOutcome Finish(const TrialRequest& request, const TrialJob& job,
                              const ProcessResult& result) = 0;
  virtual const RetryPolicy& retry() const = 0;

  /// Prepare, run locally with retries and backoff, Finish; writes outcome.json.
  TrialOutcome Run(const TrialRequest& request) override;

 protected:
  /// The part of an outcome every shell runner fills the same way: trial directory, wall
  /// time, log tails, interruption, and the failure reason when the process failed.
  static TrialOutcome ProcessOutcome(const TrialJob& job, const ProcessResult& result);
};

/// Writes outcome.json into the trial directory (best effort).
void WriteOutcomeFile(const TrialOutcome& outcome);

struct CommandRunnerOptions {
  std::string command;  ///< the template
  MetricSpec metric;
  double timeout_s = 0.0;
  RetryPolicy retry;
  std::filesystem::path trials_root;       ///< <output-dir>/trials
  std::filesystem::path config_dir;        ///< for {config_dir}
  uint64_t seed = 7;                       ///< study seed; each trial's {seed} derives from it
  std::vector<std::string> feature_names;  ///< to write workloads that have no source file
};

class CommandRunner final : public ShellRunner {
 public:
  /// Throws core::InputError for an invalid template or knob names.
  CommandRunner(const space::Space& space, CommandRunnerOptions options);

  std::string name() const override { return "command"; }
  std::filesystem::path TrialDir(const TrialRequest& request) const override;
  TrialJob Plan(const TrialRequest& request) override;
  void Prepare(const TrialRequest& request, const TrialJob& job) override;
  void BeginAttempt(const TrialJob& job, int attempt) override;
  TrialOutcome Finish(const TrialRequest& request, const TrialJob& job,
                      const ProcessResult& result) override;
  const RetryPolicy& retry() const override { return options_.retry; }

 private:
  std::filesystem::path WorkloadFile(const TrialRequest& request,
                                     const std::filesystem::path& trial_dir) const;

  const space::Space& space_;
  CommandRunnerOptions options_;
  CommandTemplate template_;
};

/// The {seed} of a trial: a hash of the study seed, workload, config and replicate, in
/// [0, 2^31).
uint64_t TrialSeed(uint64_t study_seed, const std::string& workload_id, const space::Config& config,
                   int replicate);
/// A workload id made safe as one path component: kept as it is when it holds only
/// [A-Za-z0-9_.-] (96 bytes at most, not "." or ".."); otherwise every other byte becomes
/// `_` and `-<8 hex digits of a hash of the id>` is appended, so `a b` -> `a_b-<hash>`
/// never meets the directory of a workload named `a_b`.
std::string SafeDirName(const std::string& id);
/// Sets the measured value, or fails the outcome when the reading failed or is NaN/inf.
void SetMetric(TrialOutcome& outcome, const MetricReading& reading);
/// The workload as a JSON object (features by name, then attributes), as written to
/// workload.json for workloads without a source file.
std::string WorkloadJson(const space::Workload& workload,
                         const std::vector<std::string>& feature_names);

}  // namespace iorec::runner
