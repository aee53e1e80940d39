// `iorec ask DIR [--json]`: the trials a study with runner.executor: external waits for.
// When none are pending it first advances the study (replaying it from study.db); when the
// study is done it writes every output and hands out the trials of the workloads onboarded
// into it (`iorec onboard`), if any.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "drive.hpp"
#include "iorec/store/import.hpp"
#include "iorec/store/recorder.hpp"
#include "onboarding.hpp"
#include "progress.hpp"
#include "testbed.hpp"

namespace iorec::app {
namespace {

struct AskOptions {
  std::string dir;
  bool json = false;
};

void PrintPendingText(const std::string& dir, const nlohmann::ordered_json& pending) {
  if (pending.empty()) {
    std::printf("study done: no trial pending; outputs in %s\n", dir.c_str());
    return;
  }
  std::printf("%zu trial(s) pending in %s; report each with `iorec tell %s TRIAL_ID VALUE`:\n",
              pending.size(), dir.c_str(), dir.c_str());
  for (const auto& t : pending) {
    std::string config;
    for (const auto& [k, v] : t["config"].items()) {
      config +=
          (config.empty() ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    }
    std::printf("  trial %s  workload %s  %s\n    workload file %s\n", t["trial_id"].dump().c_str(),
                t["workload"].get<std::string>().c_str(), config.c_str(),
                t["workload_file"].get<std::string>().c_str());
  }
}

/// Once the study is done: the next trials of the workloads onboarded into it (`iorec
/// onboard`), recorded as pending, appended to `pending` with `listed` the study's workloads
/// followed by the onboarded ones.
void AddOnboardingTrials(const std::string& dir, const config::StudyConfig& cfg,
                         store::SqliteStore& db, const space::WorkloadSet& ws,
                         std::vector<store::TrialRecord>& pending, space::WorkloadSet& listed) {
  const auto onboarded = LoadOnboarded(db);
  if (onboarded.empty()) return;
  const OnboardModel model(dir, cfg.seed);
  const auto round = PlanRound(model, onboarded, cfg.runner.objective, LastTrialId(db));
  db.AddOnboardPending(round);
  listed = WithOnboarded(ws, onboarded);
  for (const auto& t : round) {
    store::TrialRecord r = t.run;
    r.workload += static_cast<uint32_t>(ws.size());
    pending.push_back(std::move(r));
  }
}

void AskCommand(const AskOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  const config::StudyConfig cfg = StoredStudyConfig(opt.dir, /*require_external=*/true);
  // ask and tell take turns on the study; a running ask may take a while (it replays).
  const store::DirLock lock = store::DirLock::Wait(opt.dir);
  auto db = OpenStudyDir(opt.dir, /*read_only=*/false, /*quick_check=*/false);
  const space::WorkloadSet ws = db->Workloads();
  const Testbed tb = MakeTestbed(cfg, ws, opt.dir);
  const store::FaultPlan faults = store::FaultPlan::FromEnv();
  store::StoreExecutor executor(*db, cfg.space, store::Unfinished::kLeavePending);
  store::StoreObserver recorder(*db, faults);
  ProgressObserver progress(false, /*quiet=*/true);  // warnings are still logged
  const DriveResult d = DriveStudy(cfg, ws, executor, tb.oracle.get(), {&recorder, &progress},
                                   store::ToImportedTrials(db->Imported()));
  std::vector<store::TrialRecord> pending_trials = d.pending;
  space::WorkloadSet listed = ws;
  if (d.result) {
    WriteFinishedStudy(opt.dir, cfg, *d.result, *db, faults);
    if (!d.result->workloads_without_runs.empty()) spdlog::warn("{}", d.result->stop_reason);
    AddOnboardingTrials(opt.dir, cfg, *db, ws, pending_trials, listed);
  }
  const auto pending = PendingTrialsJson(opt.dir, cfg, listed, pending_trials);
  if (opt.json) {
    std::cout << pending.dump(2) << "\n";
  } else {
    PrintPendingText(opt.dir, pending);
  }
}

}  // namespace

void AddAskCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<AskOptions>();
  auto* cmd = root.add_subcommand(
      "ask",
      "The trials a study with runner.executor: external waits for (advances the study when "
      "none are pending; when it is done, writes its outputs and lists the trials of the "
      "workloads onboarded into it, if any)");
  AddStudyDirArgument(cmd, opt->dir);
  AddJsonFlag(cmd, opt->json,
              "the pending trials (an array of {trial_id, workload, workload_file, config})");
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] { AskCommand(*opt, g); });
}

}  // namespace iorec::app
