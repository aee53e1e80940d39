#include "testbed.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "iorec/core/error.hpp"
#include "iorec/runner/command_runner.hpp"
#include "iorec/runner/executors.hpp"
#include "iorec/runner/process.hpp"
#include "iorec/runner/real_runner.hpp"
#include "iorec/runner/stub_testbed.hpp"

namespace iorec::app {
namespace {

/// The stub's truth, for `oracle_mode: heldout` and quality benchmarks.
class StubOracle final : public loop::Oracle {
 public:
  StubOracle(const runner::StubTestbed& tb, const config::StudyConfig& cfg) : tb_(tb) {
    for (uint32_t w = 0; w < tb.num_workloads(); ++w) {
      best_.push_back(
          tb.FindOptimum(w, cfg.active.oracle_enum_threshold, cfg.active.oracle_sampled).perf);
    }
  }
  double TrueMetric(uint32_t w, const space::Config& c) const override {
    return tb_.TruePerf(w, c);
  }
  double BestMetric(uint32_t w) const override { return best_[w]; }

 private:
  const runner::StubTestbed& tb_;
  std::vector<double> best_;
};

runner::RetryPolicy RetryOf(const config::RunnerConfig& r) {
  runner::RetryPolicy p;
  p.max_retries = r.max_retries;
  p.backoff_s = r.retry_backoff_s;
  return p;
}

}  // namespace

int DefaultParallelTrials() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

namespace {

/// The stub testbed as the runner, and its truth as the oracle.
void UseStub(const config::StudyConfig& cfg, const space::WorkloadSet& ws, size_t study_workloads,
             Testbed& tb) {
  auto stub = std::make_unique<runner::StubTestbed>(cfg.space, ws, cfg.seed, cfg.runner.noise_std,
                                                    study_workloads);
  tb.oracle = std::make_unique<StubOracle>(*stub, cfg);
  tb.runner = std::move(stub);
}

std::unique_ptr<runner::CommandRunner> MakeCommandRunner(const config::StudyConfig& cfg,
                                                         const space::WorkloadSet& ws,
                                                         const std::filesystem::path& trials_root) {
  const config::RunnerConfig& rc = cfg.runner;
  runner::CommandRunnerOptions o;
  o.command = rc.command;
  std::string why;
  auto metric = runner::ParseMetricSpec(rc.metric, &why);
  if (!metric) throw core::InputError(cfg.source_path.string() + ": runner.metric: " + why);
  o.metric = *metric;
  o.metric.key = rc.CommandMetricKey();
  o.timeout_s = rc.timeout_s;
  o.retry = RetryOf(rc);
  o.trials_root = trials_root;
  o.config_dir = cfg.source_path.has_parent_path() ? cfg.source_path.parent_path()
                                                   : std::filesystem::path(".");
  o.seed = cfg.seed;
  o.feature_names = ws.feature_names;
  return std::make_unique<runner::CommandRunner>(cfg.space, std::move(o));
}

std::unique_ptr<runner::RealRunner> MakeRealRunner(const config::StudyConfig& cfg,
                                                   const space::WorkloadSet& ws,
                                                   const std::filesystem::path& trials_root) {
  const config::RunnerConfig& rc = cfg.runner;
  runner::RealRunnerOptions o;
  static_cast<runner::RealRunnerSettings&>(o) = rc.real;
  o.timeout_s = rc.timeout_s;
  o.retry = RetryOf(rc);
  o.trials_root = trials_root;
  o.feature_names = ws.feature_names;
  auto real = std::make_unique<runner::RealRunner>(cfg.space, std::move(o));
  // Before the first trial: Lustre knobs that cannot take effect stop the study (or,
  // with runner.require_lustre: false, are named once).
  if (const std::string warning = real->CheckLustre(); !warning.empty()) {
    spdlog::warn("{}", warning);
  }
  return real;
}

/// The executor of trials that run as processes: Slurm job arrays or a local pool.
std::unique_ptr<runner::Executor> MakeShellExecutor(const config::RunnerConfig& rc,
                                                    runner::ShellRunner& shell,
                                                    runner::Runner& runner,
                                                    const std::filesystem::path& out_dir) {
  // Real trials: Ctrl-C kills running trials and stops the study gracefully.
  runner::InstallInterruptHandlers();
  const bool dry_run = rc.mode == config::RunnerMode::kReal && rc.real.dry_run;
  if (rc.executor == config::ExecutorKind::kSlurm && !dry_run) {
    runner::SlurmOptions so;
    static_cast<runner::SlurmSettings&>(so) = rc.slurm;
    so.work_dir = std::filesystem::absolute(out_dir) / "slurm";
    return std::make_unique<runner::SlurmExecutor>(shell, std::move(so));
  }
  const int parallel = rc.mode == config::RunnerMode::kReal ? 1
                       : rc.parallel_trials > 0             ? rc.parallel_trials
                                                            : DefaultParallelTrials();
  return std::make_unique<runner::LocalExecutor>(runner, parallel);
}

}  // namespace

Testbed MakeTestbed(const config::StudyConfig& cfg, const space::WorkloadSet& ws,
                    const std::filesystem::path& out_dir, size_t study_workloads) {
  Testbed tb;
  const config::RunnerConfig& rc = cfg.runner;
  if (rc.executor == config::ExecutorKind::kExternal) {
    // An external driver runs the trials; only the stub's truth is still of use.
    if (rc.mode == config::RunnerMode::kStub) UseStub(cfg, ws, study_workloads, tb);
    return tb;
  }
  const std::filesystem::path trials_root = std::filesystem::absolute(out_dir) / "trials";
  runner::ShellRunner* shell = nullptr;
  switch (rc.mode) {
    case config::RunnerMode::kStub:
      UseStub(cfg, ws, study_workloads, tb);
      tb.executor = std::make_unique<runner::SerialExecutor>(*tb.runner);
      return tb;
    case config::RunnerMode::kCommand: {
      auto cmd = MakeCommandRunner(cfg, ws, trials_root);
      shell = cmd.get();
      tb.runner = std::move(cmd);
      break;
    }
    case config::RunnerMode::kReal: {
      auto real = MakeRealRunner(cfg, ws, trials_root);
      shell = real.get();
      tb.runner = std::move(real);
      break;
    }
  }
  tb.executor = MakeShellExecutor(rc, *shell, *tb.runner, out_dir);
  return tb;
}

}  // namespace iorec::app
