#include "iorec/store/study_dir.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <string_view>

#include "iorec/core/error.hpp"
#include "iorec/store/sqlite_store.hpp"

namespace fs = std::filesystem;

namespace iorec::store {
namespace {

/// Everything `iorec run` (and `report`, `ask`) writes at the top of a study directory.
/// tests/app/study_dir_test.cpp checks that studies write nothing else.
constexpr std::array<std::string_view, 18> kWritten = {"study.db",
                                                       "study.db-wal",
                                                       "study.db-shm",
                                                       "study.db-journal",
                                                       ".lock",
                                                       "summary.json",
                                                       "summary.md",
                                                       "report.html",
                                                       "observations.csv",
                                                       "recommendation_matrix.json",
                                                       "evaluation_report.json",
                                                       "contribution_report.json",
                                                       "timing.json",
                                                       "model",
                                                       "plots",
                                                       "trials",
                                                       "slurm",
                                                       "workloads"};

constexpr std::string_view kPrevious = "previous-";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsListed(std::string_view name) {
  return std::find(kWritten.begin(), kWritten.end(), name) != kWritten.end();
}

/// "summary.json.tmp.1234": core::WriteFileAtomic's temporary file, left by a kill.
bool IsTempOfListed(std::string_view name) {
  const auto at = name.rfind(".tmp.");
  if (at == std::string_view::npos || at + 5 == name.size()) return false;
  const std::string_view pid = name.substr(at + 5);
  return std::all_of(pid.begin(), pid.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         IsListed(name.substr(0, at));
}

/// "a, b/, c and 3 more": the first few entries, directories marked.
std::string Listing(const fs::path& dir, const std::vector<std::string>& names) {
  constexpr size_t kShown = 5;
  std::string out;
  for (size_t i = 0; i < std::min(names.size(), kShown); ++i) {
    std::error_code ec;
    out += (i ? ", " : "") + names[i] + (fs::is_directory(dir / names[i], ec) ? "/" : "");
  }
  if (names.size() > kShown) out += " and " + std::to_string(names.size() - kShown) + " more";
  return out;
}

std::string UtcStamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return stamp;
}

}  // namespace

bool IsStudyDirEntry(const std::string& name) {
  return IsListed(name) || StartsWith(name, kPrevious) || IsTempOfListed(name);
}

std::vector<std::string> OtherEntries(const fs::path& dir, bool new_study) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const bool ours =
        new_study ? name == ".lock" || StartsWith(name, kPrevious) : IsStudyDirEntry(name);
    if (!ours) out.push_back(name);
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    throw core::InputError(dir.string() + ": cannot list the output directory: " + ec.message());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void CheckStudyDirFree(const fs::path& dir, bool new_study, bool allow_other_files) {
  const std::vector<std::string> others = OtherEntries(dir, new_study);
  if (others.empty()) return;
  if (!allow_other_files) {
    throw core::InputError(
        dir.string() + ": the output directory holds files iorec did not write (" +
        Listing(dir, others) + "); " +
        (new_study ? "a study there would mix its files with them"
                   : "--restart moves only iorec's files into previous-<time>/ and would leave "
                     "these beside the new study") +
        ". Use a new or empty --output-dir, or add --allow-other-files to " +
        (new_study ? "start the study beside them" : "restart and leave them where they are"));
  }
  if (!new_study) return;
  std::vector<std::string> clashing;
  for (const auto& name : others) {
    if (IsStudyDirEntry(name)) clashing.push_back(name);
  }
  if (!clashing.empty()) {
    throw core::InputError(dir.string() + ": the output directory already holds " +
                           Listing(dir, clashing) + " but no study (no " +
                           std::string(kStudyDbName) +
                           "); a new study writes its own files by these names. Move them "
                           "away, or use a new or empty --output-dir");
  }
}

fs::path MoveStudyAside(const fs::path& dir) {
  const std::string stamp = UtcStamp();
  fs::path dest = dir / (std::string(kPrevious) + stamp);
  for (int i = 2; fs::exists(dest); ++i) {
    dest = dir / (std::string(kPrevious) + stamp + "-" + std::to_string(i));
  }
  std::error_code ec;
  fs::create_directory(dest, ec);
  if (ec) throw core::InputError(dest.string() + ": cannot create: " + ec.message());
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == ".lock" || StartsWith(name, kPrevious) || !IsStudyDirEntry(name)) continue;
    fs::rename(entry.path(), dest / name, ec);
    if (ec) {
      throw core::Error(entry.path().string() + ": cannot move to " + dest.string() + ": " +
                        ec.message());
    }
  }
  return dest;
}

}  // namespace iorec::store
