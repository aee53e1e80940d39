#pragma once
// One driver of a stored study for `run`, `ask` and `report`: replay the study against its
// study.db (ask, execute or answer from the store, tell) until it is done or waits for
// trials an external driver has not told yet; then write its outputs.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "iorec/config/study_config.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/store/recorder.hpp"
#include "iorec/store/sqlite_store.hpp"

namespace iorec::app {

/// The config a study in `dir` was started with, read from its study.db. Refuses (InputError)
/// a directory without a started study and, for `ask` and `tell`, a study whose
/// runner.executor is not external (iorec runs its trials itself).
config::StudyConfig StoredStudyConfig(const std::string& dir, bool require_external);

/// A stored study after a drive: finished, or waiting for told trials.
struct DriveResult {
  std::optional<loop::StudyResult> result;  ///< set when the study is done
  std::vector<store::TrialRecord> pending;  ///< otherwise: the trials waiting for results
};

/// Runs the study through `executor` (which answers stored trials and handles the others
/// by its policy). `oracle` (the testbed's truth, may be null) is used only with
/// oracle_mode: heldout. `imported` are the study's runs brought in with `iorec import`
/// (store::ToImportedTrials). Trials left pending end the drive instead of the study.
DriveResult DriveStudy(const config::StudyConfig& cfg, const space::WorkloadSet& workloads,
                       store::StoreExecutor& executor, const loop::Oracle* oracle,
                       const std::vector<loop::LoopObserver*>& observers,
                       std::vector<loop::ImportedTrial> imported);

/// Writes every output file of a finished study into `dir` and marks it complete in `db`
/// (phases "write", then "complete"). Logs the writers' warnings.
void WriteFinishedStudy(const std::filesystem::path& dir, const config::StudyConfig& cfg,
                        const loop::StudyResult& res, store::Store& db,
                        const store::FaultPlan& faults);

/// The trials of `pending` as `iorec ask --json` prints them: [{"trial_id", "workload",
/// "workload_file", "config": {knob: value}}]. Workloads without a source file (synthetic
/// ones) are written to `dir/workloads/<id>.json` first.
nlohmann::ordered_json PendingTrialsJson(const std::filesystem::path& dir,
                                         const config::StudyConfig& cfg,
                                         const space::WorkloadSet& workloads,
                                         const std::vector<store::TrialRecord>& pending);

}  // namespace iorec::app
