// `iorec report DIR`: regenerates summary.json, recommendation_matrix.json,
// observations.csv, model/ and plots/ from study.db without running any trial.
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cstdio>
#include <filesystem>

#include "commands.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/report/study_outputs.hpp"
#include "iorec/store/import.hpp"
#include "iorec/store/recorder.hpp"
#include "iorec/store/sqlite_store.hpp"
#include "onboarding.hpp"
#include "progress.hpp"
#include "testbed.hpp"

namespace fs = std::filesystem;

namespace iorec::app {
namespace {

void ReportCommand(const std::string& dir, const GlobalOptions& g) {
  SetupLogging(g);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw core::InputError(dir + ": no such directory");
  if (::access(dir.c_str(), W_OK) != 0) throw core::InputError(dir + ": directory is not writable");
  // Outputs are rewritten: keep out of the way of a study running in the same directory.
  const store::DirLock lock = store::DirLock::Acquire(dir);
  auto db = OpenStudyDir(dir, /*read_only=*/true, /*quick_check=*/true);
  const size_t replayed = RewriteStudyOutputs(dir, *db);
  std::printf(
      "report: regenerated summary.json recommendation_matrix.json observations.csv "
      "model/ plots/ in %s from %zu stored trials\n",
      dir.c_str(), replayed);
}

}  // namespace

size_t RewriteStudyOutputs(const std::string& dir, store::SqliteStore& db,
                           const std::vector<report::OnboardedRow>* onboarded) {
  const auto info = db.Study();
  if (!info) throw core::InputError(db.path().string() + ": the study was never started");
  const config::StudyConfig cfg = config::ParseStudyConfig(info->config_yaml, info->config_path);
  const space::WorkloadSet ws = db.Workloads();
  // Only the stub's oracle is needed (for `oracle_mode: heldout`); no runner is used.
  const bool heldout = cfg.active.oracle_mode == config::OracleMode::kHeldout;
  Testbed tb;
  if (heldout) tb = MakeTestbed(cfg, ws, dir);
  // No inner executor: a trial the store has not finished is an error, nothing runs.
  store::StoreExecutor executor(db, cfg.space, nullptr);
  ProgressObserver progress(false, true);
  std::vector<loop::LoopObserver*> observers = {&progress};
  const loop::Oracle* oracle = heldout ? tb.oracle.get() : nullptr;
  const loop::StudyResult res =
      loop::RunStudy(cfg, ws, executor, oracle, observers, store::ToImportedTrials(db.Imported()));
  const auto rows = onboarded ? *onboarded : OnboardedRows(dir, db, cfg);
  for (const auto& w : report::WriteStudyOutputs(dir, cfg, res, rows)) spdlog::warn("{}", w);
  if (!res.workloads_without_runs.empty()) spdlog::warn("{}", res.stop_reason);
  return executor.replayed();
}

void AddReportCommand(CLI::App& root, GlobalOptions& g) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = root.add_subcommand(
      "report", "Rewrite a study's reports, plots and model from its study.db; runs no trial");
  AddStudyDirArgument(cmd, *dir);
  AddCommonFlags(cmd, g);
  cmd->callback([dir, &g] { ReportCommand(*dir, g); });
}

}  // namespace iorec::app
