#include "drive.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "commands.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/report/study_outputs.hpp"
#include "iorec/runner/command_runner.hpp"
#include "iorec/space/json.hpp"
#include "onboarding.hpp"

namespace fs = std::filesystem;

namespace iorec::app {

config::StudyConfig StoredStudyConfig(const std::string& dir, bool require_external) {
  const auto db = OpenStudyDir(dir, /*read_only=*/true, /*quick_check=*/true);
  const auto info = db->Study();
  if (!info) throw core::InputError(db->path().string() + ": the study was never started");
  config::StudyConfig cfg = config::ParseStudyConfig(info->config_yaml, info->config_path);
  if (require_external && cfg.runner.executor != config::ExecutorKind::kExternal) {
    throw core::InputError(dir + ": this study runs its own trials (runner.executor: " +
                           config::ToString(cfg.runner.executor) +
                           "); `iorec ask` and `iorec tell` drive studies with "
                           "runner.executor: external");
  }
  return cfg;
}

DriveResult DriveStudy(const config::StudyConfig& cfg, const space::WorkloadSet& workloads,
                       store::StoreExecutor& executor, const loop::Oracle* oracle,
                       const std::vector<loop::LoopObserver*>& observers,
                       std::vector<loop::ImportedTrial> imported) {
  DriveResult out;
  // The testbed's truth scores the loop only with oracle_mode: heldout.
  const bool heldout = cfg.active.oracle_mode == config::OracleMode::kHeldout;
  try {
    out.result = loop::RunStudy(cfg, workloads, executor, heldout ? oracle : nullptr, observers,
                                std::move(imported));
  } catch (const store::TrialsPending& p) {
    out.pending = p.trials();
  }
  return out;
}

void WriteFinishedStudy(const fs::path& dir, const config::StudyConfig& cfg,
                        const loop::StudyResult& res, store::Store& db,
                        const store::FaultPlan& faults) {
  db.SetPhase("write", store::NowSeconds());
  // Workloads onboarded into the finished study (`iorec onboard`) keep their report section.
  const auto onboarded = OnboardedRows(dir, db, cfg);
  for (const auto& w : report::WriteStudyOutputs(dir, cfg, res, onboarded)) spdlog::warn("{}", w);
  faults.MaybeExitAtPhase("write");
  db.SetPhase("complete", store::NowSeconds());
}

nlohmann::ordered_json PendingTrialsJson(const fs::path& dir, const config::StudyConfig& cfg,
                                         const space::WorkloadSet& workloads,
                                         const std::vector<store::TrialRecord>& pending) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& t : pending) {
    const space::Workload& w = workloads.workloads.at(t.workload);
    fs::path file = w.source_file;
    if (file.empty()) {
      file = fs::absolute(dir) / "workloads" / (runner::SafeDirName(w.id) + ".json");
      if (!fs::exists(file)) {
        core::WriteFileAtomic(file, runner::WorkloadJson(w, workloads.feature_names));
      }
    }
    nlohmann::ordered_json j;
    j["trial_id"] = t.trial_id;
    j["workload"] = w.id;
    j["workload_file"] = fs::absolute(file).lexically_normal().string();
    j["config"] = space::ConfigJson(cfg.space, space::Config(t.levels));
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace iorec::app
