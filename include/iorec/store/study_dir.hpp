#pragma once
/// What `iorec run` owns in a study directory, so that `--restart` moves only that and a new
/// study never mixes its files with someone else's (issue 15: `--output-dir .` then
/// `--restart` moved the user's config, data and log into previous-*/).
#include <filesystem>
#include <string>
#include <vector>

namespace iorec::store {

/// Whether a top-level entry named `name` is one iorec writes in a study directory: the
/// study database and its WAL files, `.lock`, the reports, `model/`, `plots/`, `trials/`,
/// `slurm/`, `workloads/` (external driver), `timing.json`, earlier `previous-*/`, and the
/// temporary files of interrupted atomic writes (`summary.json.tmp.<pid>`).
bool IsStudyDirEntry(const std::string& name);

/// The top-level entries of `dir` (sorted) that stand in the way of starting a study there.
/// For a new study (`new_study`): every entry but `.lock` and `previous-*/`. For a restart:
/// every entry iorec does not write (IsStudyDirEntry).
std::vector<std::string> OtherEntries(const std::filesystem::path& dir, bool new_study);

/// Refuses to start a study in `dir` (exit 2, nothing written) when OtherEntries holds
/// anything, unless `allow_other_files`; even then a new study refuses an entry whose name
/// it would write into. Throws core::InputError naming the directory and the entries.
void CheckStudyDirFree(const std::filesystem::path& dir, bool new_study, bool allow_other_files);

/// Moves the entries of `dir` that iorec writes (IsStudyDirEntry; not `.lock` nor earlier
/// `previous-*/`) into a new `dir/previous-<UTC time>/`; everything else stays. Deletes
/// nothing. Returns the new directory.
std::filesystem::path MoveStudyAside(const std::filesystem::path& dir);

}  // namespace iorec::store
