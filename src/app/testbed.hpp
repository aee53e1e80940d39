#pragma once
// Chooses the runner, executor and (when the testbed knows the truth) the oracle for a
// study from its config.
#include <filesystem>
#include <memory>

#include "iorec/config/study_config.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/runner/runner.hpp"

namespace iorec::app {

struct Testbed {
  std::unique_ptr<runner::Runner> runner;      ///< null with runner.executor: external but stub
  std::unique_ptr<runner::Executor> executor;  ///< null with runner.executor: external
  std::unique_ptr<loop::Oracle> oracle;        ///< null unless the runner knows the truth
};

/// The default of runner.parallel_trials: the number of cores.
int DefaultParallelTrials();

/// `out_dir` is where trial directories go for runners that need them
/// (`<out_dir>/trials/<workload>/<trial-id>/`). For the command and real runners this also
/// installs SIGINT/SIGTERM handlers: Ctrl-C kills running trials and the batch stops with
/// runner::Interrupted.
/// `study_workloads`: how many of `ws` are the study's own (the rest are onboarded ones,
/// which the stub testbed adds without changing the study's truth); all by default.
Testbed MakeTestbed(const config::StudyConfig& cfg, const space::WorkloadSet& ws,
                    const std::filesystem::path& out_dir,
                    size_t study_workloads = static_cast<size_t>(-1));

}  // namespace iorec::app
