#include "iorec/store/session.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <optional>

#include "iorec/core/error.hpp"
#include "iorec/store/study_dir.hpp"

namespace fs = std::filesystem;

namespace iorec::store {
namespace {

/// Names the workloads that differ between the study database and the config's.
std::vector<std::string> WorkloadDifferences(const space::WorkloadSet& stored,
                                             const space::WorkloadSet& now) {
  std::vector<std::string> out;
  if (stored.feature_names != now.feature_names) out.push_back("the feature names differ");
  if (stored.size() != now.size()) {
    out.push_back("the study has " + std::to_string(stored.size()) + " workloads, the config " +
                  std::to_string(now.size()));
  }
  for (size_t w = 0; w < std::min(stored.size(), now.size()); ++w) {
    const auto& a = stored.workloads[w];
    const auto& b = now.workloads[w];
    if (a.id != b.id) {
      out.push_back("workload " + std::to_string(w) + " was " + a.id + ", now " + b.id);
    } else if (a.features != b.features) {
      out.push_back("workload " + a.id + ": its features changed");
    }
    if (out.size() >= 10) break;
  }
  return out;
}

/// Refuses a stored study that is not the one `info` and `ws` describe.
void CheckSameStudy(const fs::path& db_path, const StudyInfo& stored, const StudyInfo& info,
                    const space::WorkloadSet& stored_ws, const space::WorkloadSet& ws) {
  if (stored.config_hash != info.config_hash || stored.config_yaml != info.config_yaml) {
    std::vector<std::string> problems = {
        db_path.string() + ": this study was started with a different config (" +
        stored.config_path + ", hash " + stored.config_hash + "; now " + info.config_path +
        ", hash " + info.config_hash +
        "). Use --restart to move the old study aside and start over, or another "
        "--output-dir. Changed keys:"};
    for (auto& d : config::DiffCanonicalYaml(stored.config_yaml, info.config_yaml)) {
      problems.push_back(std::move(d));
    }
    throw core::InputError(problems);
  }
  const auto diffs = WorkloadDifferences(stored_ws, ws);
  if (!diffs.empty()) {
    std::vector<std::string> problems = {
        db_path.string() +
        ": the workloads changed since this study started; use --restart to start over:"};
    problems.insert(problems.end(), diffs.begin(), diffs.end());
    throw core::InputError(problems);
  }
}

}  // namespace

StudyInfo DescribeStudy(const config::StudyConfig& cfg, const std::string& canonical_yaml,
                        const fs::path& config_path) {
  StudyInfo info;
  info.config_yaml = canonical_yaml;
  info.config_hash = config::ConfigHash(canonical_yaml);
  info.config_path = fs::absolute(config_path).lexically_normal().string();
  info.seed = cfg.seed;
  info.iorec_version = IOREC_VERSION;
  info.runner = config::ToString(cfg.runner.mode);
  for (const auto& k : cfg.space.knobs()) {
    info.knob_names.push_back(k.name);
    std::vector<std::string> values;
    for (const auto& v : k.values) values.push_back(v.text());
    info.knob_values.push_back(std::move(values));
  }
  info.created_at = info.updated_at = NowSeconds();
  info.phase = "created";
  return info;
}

RunSession OpenForRun(const fs::path& dir, const StudyInfo& info,
                      const space::WorkloadSet& workloads, bool restart, bool allow_other_files) {
  const fs::path db_path = dir / kStudyDbName;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    const bool new_study = !fs::exists(db_path, ec);
    if (new_study || restart) CheckStudyDirFree(dir, new_study, allow_other_files);
  }
  fs::create_directories(dir, ec);
  if (ec || ::access(dir.c_str(), W_OK) != 0) {
    throw core::InputError(dir.string() +
                           (ec ? ": cannot create the output directory: " + ec.message()
                               : ": the output directory is not writable"));
  }
  RunSession s{DirLock::Acquire(dir), nullptr, false, {}};
  if (restart && fs::exists(db_path)) s.moved_to = MoveStudyAside(dir);
  if (!fs::exists(db_path)) {
    s.db = SqliteStore::Create(db_path);
    s.db->CreateStudy(info, workloads);
    return s;
  }
  // Check through a read-only handle first: a refused study is left exactly as it was (a
  // read-write handle would checkpoint the WAL into study.db when it closes).
  {
    const auto ro = SqliteStore::Open(db_path, SqliteStore::Mode::kReadOnly);
    if (const auto stored = ro->Study()) {
      CheckSameStudy(db_path, *stored, info, ro->Workloads(), workloads);
      s.resuming = true;
    }
  }
  s.db = SqliteStore::Open(db_path, SqliteStore::Mode::kReadWrite, /*quick_check=*/false);
  if (!s.resuming) s.db->CreateStudy(info, workloads);
  return s;
}

namespace {

/// The stored trial with this id, from the study's trials or the onboarding ones; null when
/// there is none. `onboarding` tells which.
std::optional<TrialRecord> FindTrial(Store& store, uint64_t trial_id, bool* onboarding,
                                     uint64_t* last_id) {
  const auto trials = store.Trials();
  *last_id = trials.empty() ? 0 : trials.back().trial_id;
  for (const auto& t : trials) {
    if (t.trial_id == trial_id) {
      *onboarding = false;
      return t;
    }
  }
  for (const auto& t : store.OnboardTrials()) {
    *last_id = std::max(*last_id, t.run.trial_id);
    if (t.run.trial_id == trial_id) {
      *onboarding = true;
      return t.run;
    }
  }
  return std::nullopt;
}

}  // namespace

void TellTrial(Store& store, uint64_t trial_id, const runner::TrialOutcome& outcome) {
  bool onboarding = false;
  uint64_t last_id = 0;
  const std::optional<TrialRecord> found = FindTrial(store, trial_id, &onboarding, &last_id);
  if (!found) {
    throw core::InputError("trial " + std::to_string(trial_id) + ": no such trial in this study" +
                           (last_id == 0 ? std::string()
                                         : " (its trials are 1 to " + std::to_string(last_id) +
                                               "; `iorec ask` lists the pending ones)"));
  }
  if (found->status == TrialStatus::kDone || found->status == TrialStatus::kFailed) {
    char value[48] = "";
    if (found->status == TrialStatus::kDone)
      std::snprintf(value, sizeof value, ", %.10g", found->value);
    throw core::InputError(
        "trial " + std::to_string(trial_id) + " was already told (" + ToString(found->status) +
        value + (found->failure_reason.empty() ? "" : ": " + found->failure_reason) + ")");
  }
  TrialRecord t = *found;
  t.status = outcome.ok ? TrialStatus::kDone : TrialStatus::kFailed;
  t.ok = outcome.ok;
  t.value = outcome.ok ? outcome.value : std::nan("");
  t.failure_reason = outcome.ok ? "" : outcome.failure_reason;
  t.attempts = std::max(1, t.attempts + 1);
  t.ended_at = NowSeconds();
  if (t.started_at == 0.0) t.started_at = t.ended_at;
  if (onboarding) {
    store.CommitOnboardTrial(t);
  } else {
    store.CommitTrial(t);
  }
}

}  // namespace iorec::store
