#pragma once
// Subcommand registration. Each Add*Command registers one subcommand whose callback does
// the work; errors are thrown (core::InputError -> exit 2, other errors -> exit 1).
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common.hpp"

namespace iorec::store {
class SqliteStore;
}  // namespace iorec::store
namespace iorec::report {
struct OnboardedRow;
}  // namespace iorec::report

namespace iorec::app {

void AddRunCommand(CLI::App& root, GlobalOptions& g);
void AddAskCommand(CLI::App& root, GlobalOptions& g);
void AddTellCommand(CLI::App& root, GlobalOptions& g);
void AddWarmstartCommand(CLI::App& root, GlobalOptions& g);
void AddRecommendCommand(CLI::App& root, GlobalOptions& g);
void AddStatusCommand(CLI::App& root, GlobalOptions& g);
void AddExportCommand(CLI::App& root, GlobalOptions& g);
void AddReportCommand(CLI::App& root, GlobalOptions& g);
void AddDarshanCommand(CLI::App& root, GlobalOptions& g);
void AddImportCommand(CLI::App& root, GlobalOptions& g);
void AddOnboardCommand(CLI::App& root, GlobalOptions& g);

/// Replays the finished study in `dir` from `store` (no trial runs; an unfinished one is an
/// InputError) and rewrites its outputs (`iorec report`, and `iorec import` into a finished
/// study). The caller holds the directory's lock. `onboarded`: the report rows of the
/// workloads onboarded into the study (null: computed from the store). Returns the trials
/// replayed.
size_t RewriteStudyOutputs(const std::string& dir, store::SqliteStore& store,
                           const std::vector<report::OnboardedRow>* onboarded = nullptr);

/// Opens `<dir>/study.db` (status, export, report). Throws core::InputError naming the path.
std::unique_ptr<store::SqliteStore> OpenStudyDir(const std::string& dir, bool read_only,
                                                 bool quick_check);
/// "2026-01-02 03:04:05 UTC", or "-" for 0.
std::string FormatUtc(double unix_seconds);

}  // namespace iorec::app
