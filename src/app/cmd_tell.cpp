// `iorec tell DIR TRIAL_ID VALUE` / `iorec tell DIR TRIAL_ID --failed REASON`: records what an
// external driver measured for a pending trial of a study with runner.executor: external.
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "commands.hpp"
#include "drive.hpp"
#include "iorec/core/error.hpp"
#include "iorec/store/session.hpp"

namespace iorec::app {
namespace {

struct TellOptions {
  std::string dir;
  uint64_t trial_id = 0;
  std::string value;
  std::string failed;
};

/// The outcome the options describe. Throws InputError for a value that is not a number.
runner::TrialOutcome OutcomeOf(const TellOptions& opt, bool failed) {
  runner::TrialOutcome o;
  if (failed) {
    o.ok = false;
    o.failure_reason = opt.failed.empty() ? "failed" : opt.failed;
    return o;
  }
  char* end = nullptr;
  const double v = std::strtod(opt.value.c_str(), &end);
  if (opt.value.empty() || end == nullptr || *end != '\0' || !std::isfinite(v)) {
    throw core::InputError("VALUE: not a finite number: '" + opt.value +
                           "' (report a failed trial with --failed REASON)");
  }
  o.ok = true;
  o.value = v;
  return o;
}

void TellCommand(const TellOptions& opt, bool failed, const GlobalOptions& g) {
  SetupLogging(g);
  if (failed == !opt.value.empty()) {
    throw core::InputError("tell: give exactly one of VALUE or --failed REASON");
  }
  const runner::TrialOutcome outcome = OutcomeOf(opt, failed);
  const config::StudyConfig cfg = StoredStudyConfig(opt.dir, /*require_external=*/true);
  const store::DirLock lock = store::DirLock::Wait(opt.dir);
  auto db = OpenStudyDir(opt.dir, /*read_only=*/false, /*quick_check=*/false);
  store::TellTrial(*db, opt.trial_id, outcome);
  if (failed) {
    std::printf("trial %llu: recorded as failed (%s)\n",
                static_cast<unsigned long long>(opt.trial_id), outcome.failure_reason.c_str());
    return;
  }
  std::string why;
  if (!state::PerfFromMetric(outcome.value, cfg.runner.objective, &why)) {
    spdlog::warn("trial {}: {}; the study counts the trial as failed", opt.trial_id, why);
  }
  std::printf("trial %llu: recorded %.10g\n", static_cast<unsigned long long>(opt.trial_id),
              outcome.value);
}

}  // namespace

void AddTellCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<TellOptions>();
  auto* cmd = root.add_subcommand(
      "tell", "Record the result of a pending trial of a study with runner.executor: external");
  AddStudyDirArgument(cmd, opt->dir);
  cmd->add_option("TRIAL_ID", opt->trial_id, "The trial, as `iorec ask` lists it")
      ->type_name("")
      ->required();
  cmd->add_option("VALUE", opt->value, "The metric the trial measured, in runner.metric's units")
      ->type_name("");
  auto* failed = cmd->add_option("--failed", opt->failed,
                                 "The trial failed, for this reason (instead of a VALUE)")
                     ->type_name("REASON");
  AddCommonFlags(cmd, g);
  cmd->callback([opt, failed, &g] { TellCommand(*opt, failed->count() > 0, g); });
}

}  // namespace iorec::app
