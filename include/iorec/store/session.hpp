#pragma once
/// A study directory's life cycle as the CLI meets it: `iorec run` creating or resuming the
/// study there (the resume policy), and `iorec tell` recording an external driver's result.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "iorec/config/study_config.hpp"
#include "iorec/runner/runner.hpp"
#include "iorec/store/sqlite_store.hpp"

namespace iorec::store {

/// The study `iorec run` is about to drive, with the directory's lock held.
struct RunSession {
  DirLock lock;
  std::unique_ptr<SqliteStore> db;
  bool resuming = false;
  std::filesystem::path moved_to;  ///< with `restart`: where the previous study went
};

/// The study row for a config: its canonical text (config::CanonicalYamlFile) and hash,
/// its absolute path, seed, runner and knobs, phase "created".
StudyInfo DescribeStudy(const config::StudyConfig& cfg, const std::string& canonical_yaml,
                        const std::filesystem::path& config_path);

/// Opens `dir` for `iorec run`: takes its lock (refused at once while another process holds
/// it), then creates the study described by `info`, or resumes the one there when it was
/// started with the same config and workloads. A different study is refused, listing the
/// changed keys or workloads, and left exactly as it was; `restart` first moves what iorec
/// wrote there to `dir/previous-<UTC time>/` (nothing is deleted). A new study or a restart
/// in a directory holding files iorec did not write is refused unless `allow_other_files`
/// (CheckStudyDirFree). Throws core::InputError.
RunSession OpenForRun(const std::filesystem::path& dir, const StudyInfo& info,
                      const space::WorkloadSet& workloads, bool restart, bool allow_other_files);

/// Records what an external driver measured for a pending trial (`iorec tell`): `outcome`
/// done with its metric, or failed with its reason. Throws core::InputError naming the
/// trial when the store has no such trial or it was told before.
void TellTrial(Store& store, uint64_t trial_id, const runner::TrialOutcome& outcome);

}  // namespace iorec::store
