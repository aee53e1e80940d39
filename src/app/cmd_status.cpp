// `iorec status DIR`: progress of a study from its study.db (read-only; works while the
// study runs), and of the workloads onboarded into it.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "commands.hpp"
#include "iorec/core/error.hpp"
#include "iorec/runner/fidelity.hpp"
#include "iorec/store/sqlite_store.hpp"
#include "onboarding.hpp"

namespace fs = std::filesystem;

namespace iorec::app {

std::string FormatUtc(double unix_seconds) {
  if (unix_seconds <= 0.0) return "-";
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::unique_ptr<store::SqliteStore> OpenStudyDir(const std::string& dir, bool read_only,
                                                 bool quick_check) {
  const fs::path db = fs::path(dir) / store::kStudyDbName;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw core::InputError(dir + ": no such directory");
  if (!fs::exists(db, ec)) {
    throw core::InputError(dir + ": no study here (no " + store::kStudyDbName +
                           "); give the --output-dir of `iorec run`");
  }
  return store::SqliteStore::Open(
      db, read_only ? store::SqliteStore::Mode::kReadOnly : store::SqliteStore::Mode::kReadWrite,
      quick_check);
}

namespace {

/// The real runner's fidelity per workload (nothing for other runners).
std::vector<runner::WorkloadFidelity> Fidelity(store::Store& db, const store::StatusSummary& s) {
  std::vector<std::pair<std::string, std::string>> trials;
  for (const auto& t : db.Trials()) {
    if (t.workload < s.workloads.size() && !t.trial_dir.empty()) {
      trials.emplace_back(s.workloads[t.workload].id, t.trial_dir);
    }
  }
  return runner::SummarizeFidelity(trials);
}

void PrintFidelity(store::Store& db, const store::StatusSummary& s) {
  const auto rows = Fidelity(db, s);
  if (rows.empty()) return;
  std::printf(
      "\n  fidelity: largest |log feature - target| over pct_* per workload (> %.2f flagged)\n",
      runner::kFidelityTolerance);
  std::printf("  %-24s %7s %10s  %-28s\n", "workload", "trials", "deviation", "in feature");
  for (const auto& r : rows) {
    std::printf("  %-24s %7d %10.3f  %-28s%s\n", r.workload.c_str(), r.trials, r.max_deviation,
                r.worst_feature.c_str(), r.flagged ? " FLAGGED" : "");
  }
}

nlohmann::ordered_json FidelityJson(store::Store& db, const store::StatusSummary& s) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& r : Fidelity(db, s)) {
    rows.push_back({{"workload", r.workload},
                    {"trials", r.trials},
                    {"max_deviation", r.max_deviation},
                    {"worst_feature", r.worst_feature},
                    {"flagged", r.flagged}});
  }
  return rows;
}

nlohmann::ordered_json OrNull(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
}

nlohmann::ordered_json StatusJson(store::SqliteStore& db, const store::StudyInfo& info,
                                  const store::StatusSummary& s) {
  nlohmann::ordered_json j;
  j["study"] = db.path().string();
  j["config_path"] = info.config_path;
  j["config_hash"] = info.config_hash;
  j["seed"] = info.seed;
  j["runner"] = info.runner;
  j["iorec_version"] = info.iorec_version;
  j["knobs"] = nlohmann::ordered_json::array();
  for (size_t k = 0; k < info.knob_names.size(); ++k)
    j["knobs"].push_back({{"name", info.knob_names[k]}, {"values", info.knob_values[k]}});
  j["phase"] = info.phase;
  j["iteration"] = std::max(0, s.max_iteration);
  j["history_through_iteration"] = s.last_history_iteration;
  j["created_at"] = info.created_at;
  j["updated_at"] = std::max(info.updated_at, s.last_trial_end);
  j["trials"] = {{"total", s.total},
                 {"done", s.done},
                 {"pending", s.pending},
                 {"running", s.running},
                 {"failed", s.failed}};
  j["imported_runs"] = s.imported;
  j["workloads"] = nlohmann::ordered_json::array();
  for (const auto& w : s.workloads) {
    j["workloads"].push_back({{"workload", w.id},
                              {"done", w.done},
                              {"pending", w.pending},
                              {"running", w.running},
                              {"failed", w.failed},
                              {"baseline_perf", OrNull(w.baseline_perf)},
                              {"best_perf", OrNull(w.best_perf)},
                              {"best_gain", OrNull(w.best_gain)}});
  }
  j["fidelity"] = FidelityJson(db, s);
  return j;
}

/// The workloads onboarded into the study (`iorec onboard`); a model directory that cannot be
/// read is a warning, not a failure of `status`.
std::vector<report::OnboardedRow> Onboarded(const std::string& dir, store::SqliteStore& db,
                                            const config::StudyConfig& cfg) {
  try {
    return OnboardedRows(dir, db, cfg);
  } catch (const core::InputError& e) {
    spdlog::warn("onboarded workloads: {}", e.what());
    return {};
  }
}

void PrintOnboarded(const config::StudyConfig& cfg, const std::vector<report::OnboardedRow>& rows) {
  if (rows.empty()) return;
  std::printf("\n  onboarded workloads (iorec onboard):\n");
  for (const auto& row : rows) {
    for (const auto& line : OnboardedLines(cfg.space, row)) std::printf("  %s\n", line.c_str());
  }
}

void PrintStatus(store::SqliteStore& db, const store::StudyInfo& info,
                 const store::StatusSummary& s) {
  std::printf("study %s\n", db.path().c_str());
  std::printf("  config   %s (hash %s)\n", info.config_path.c_str(), info.config_hash.c_str());
  std::printf("  seed %llu, runner %s, iorec %s, %zu knobs, %zu workloads\n",
              static_cast<unsigned long long>(info.seed), info.runner.c_str(),
              info.iorec_version.c_str(), info.knob_names.size(), s.workloads.size());
  std::string knobs;
  for (size_t k = 0; k < info.knob_names.size(); ++k) {
    knobs += (k ? ", " : "") + info.knob_names[k] + "(" +
             std::to_string(info.knob_values[k].size()) + ")";
  }
  std::printf("  knobs    %s\n", knobs.c_str());
  std::printf("  phase    %s, iteration %d (history through iteration %d)\n", info.phase.c_str(),
              std::max(0, s.max_iteration), s.last_history_iteration);
  std::printf("  created  %s\n", FormatUtc(info.created_at).c_str());
  const double last = std::max(info.updated_at, s.last_trial_end);
  std::printf("  updated  %s\n", FormatUtc(last).c_str());
  std::printf("  trials   %llu: %llu done, %llu pending, %llu running, %llu failed\n",
              static_cast<unsigned long long>(s.total), static_cast<unsigned long long>(s.done),
              static_cast<unsigned long long>(s.pending),
              static_cast<unsigned long long>(s.running),
              static_cast<unsigned long long>(s.failed));
  if (s.imported) {
    std::printf("  imported %llu runs (iorec import)\n",
                static_cast<unsigned long long>(s.imported));
  }
  std::printf("\n  %-24s %7s %7s %7s %7s %14s %14s %10s\n", "workload", "done", "pending",
              "running", "failed", "baseline", "best perf", "best gain");
  for (const auto& w : s.workloads) {
    char base[32] = "-", best[32] = "-", gain[32] = "-";
    if (w.baseline_perf) std::snprintf(base, sizeof base, "%.4g", *w.baseline_perf);
    if (w.best_perf) std::snprintf(best, sizeof best, "%.4g", *w.best_perf);
    if (w.best_gain) std::snprintf(gain, sizeof gain, "%+.1f%%", 100.0 * *w.best_gain);
    std::printf("  %-24s %7llu %7llu %7llu %7llu %14s %14s %10s\n", w.id.c_str(),
                static_cast<unsigned long long>(w.done), static_cast<unsigned long long>(w.pending),
                static_cast<unsigned long long>(w.running),
                static_cast<unsigned long long>(w.failed), base, best, gain);
  }
  PrintFidelity(db, s);
}

void StatusCommand(const std::string& dir, bool json, const GlobalOptions& g) {
  SetupLogging(g);
  auto db = OpenStudyDir(dir, /*read_only=*/true, /*quick_check=*/false);
  const auto info = db->Study();
  if (!info) throw core::InputError(db->path().string() + ": the study was never started");
  const auto s = db->Summary();
  const config::StudyConfig cfg = config::ParseStudyConfig(info->config_yaml, info->config_path);
  const auto onboarded = Onboarded(dir, *db, cfg);
  if (json) {
    nlohmann::ordered_json j = StatusJson(*db, *info, s);
    j["onboarded"] = nlohmann::ordered_json::array();
    for (const auto& row : onboarded)
      j["onboarded"].push_back(report::OnboardedJson(cfg.space, row));
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    PrintStatus(*db, *info, s);
    PrintOnboarded(cfg, onboarded);
  }
}

}  // namespace

void AddStatusCommand(CLI::App& root, GlobalOptions& g) {
  auto dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = root.add_subcommand(
      "status",
      "Progress of a study, also while it runs: trials done/pending/failed and best gain per "
      "workload");
  AddStudyDirArgument(cmd, *dir);
  AddJsonFlag(cmd, *json, "the status");
  AddCommonFlags(cmd, g);
  cmd->callback([dir, json, &g] { StatusCommand(*dir, *json, g); });
}

}  // namespace iorec::app
