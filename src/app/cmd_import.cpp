// `iorec import DIR FILE.csv`: runs measured elsewhere (an earlier campaign, the reference's
// observations) join a study as imported trials. The file is checked completely first; any
// problem exits 2 and writes nothing.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "commands.hpp"
#include "input.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/hash.hpp"
#include "iorec/store/import.hpp"
#include "iorec/store/sqlite_store.hpp"

namespace fs = std::filesystem;

namespace iorec::app {
namespace {

struct ImportOptions {
  std::string dir;
  std::string file;
  bool again = false;
  bool json = false;
};

/// The rows as store records: config as knob -> value text, origin "<file>:<line>".
std::vector<store::ImportedRecord> Records(const store::ParsedImport& parsed,
                                           const space::Space& space, const std::string& name,
                                           const std::string& file_hash) {
  std::vector<store::ImportedRecord> out;
  const double now = store::NowSeconds();
  for (const auto& row : parsed.rows) {
    store::ImportedRecord r;
    r.workload = row.workload;
    r.levels = row.config.levels();
    nlohmann::ordered_json values = nlohmann::ordered_json::object();
    for (size_t k = 0; k < space.num_knobs(); ++k)
      values[space.knobs()[k].name] = space.Value(row.config, k).text();
    r.values_json = values.dump();
    r.metric = row.metric;
    r.origin = name + ":" + std::to_string(row.line);
    r.file_hash = file_hash;
    r.imported_at = now;
    out.push_back(std::move(r));
  }
  return out;
}

/// Refuses a file whose text was imported into this study before, unless `again`.
void CheckNotImportedBefore(store::Store& db, const std::string& name, const std::string& hash,
                            bool again) {
  if (again) return;
  size_t runs = 0;
  double when = 0.0;
  for (const auto& r : db.Imported()) {
    if (r.file_hash != hash) continue;
    ++runs;
    when = r.imported_at;
  }
  if (runs == 0) return;
  throw core::InputError(name + ": the same file was imported into this study on " +
                         FormatUtc(when) + " (" + std::to_string(runs) +
                         " runs); --again imports its runs once more");
}

void ImportCommand(const ImportOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  std::error_code ec;
  if (!fs::is_directory(opt.dir, ec)) throw core::InputError(opt.dir + ": no such directory");
  // Nothing may run in the study while runs join it.
  const store::DirLock lock = store::DirLock::Acquire(opt.dir);
  // Read and check everything through a read-only handle: a refused file leaves the study
  // exactly as it was.
  auto db = OpenStudyDir(opt.dir, /*read_only=*/true, /*quick_check=*/true);
  const auto info = db->Study();
  if (!info) {
    throw core::InputError(db->path().string() +
                           ": the study was never started; `iorec run` starts it");
  }
  const config::StudyConfig cfg = config::ParseStudyConfig(info->config_yaml, info->config_path);
  const space::WorkloadSet ws = db->Workloads();
  const std::string name = InputName(opt.file);
  const std::string text = ReadInput(opt.file, "runs to import (CSV)");
  const store::ParsedImport parsed = store::ParseImportCsv(text, name, cfg.space, ws);
  const std::string hash = core::Sha1Hex(text);
  CheckNotImportedBefore(*db, name, hash, opt.again);

  db.reset();
  db = OpenStudyDir(opt.dir, /*read_only=*/false, /*quick_check=*/false);
  const int enters = db->AddImported(Records(parsed, cfg.space, name, hash));
  std::set<uint32_t> workloads;
  for (const auto& r : parsed.rows) workloads.insert(r.workload);
  const bool complete = info->phase == "complete";
  if (opt.json) {
    nlohmann::ordered_json j;
    j["imported"] = parsed.rows.size();
    j["workloads"] = workloads.size();
    j["skipped_unfinished"] = parsed.skipped;
    j["layout"] = parsed.layout;
    j["enters_before_batch"] = enters;
    j["outputs_rewritten"] = complete;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("imported %zu runs of %zu workloads from %s (%s layout)", parsed.rows.size(),
                workloads.size(), name.c_str(), parsed.layout.c_str());
    if (parsed.skipped) std::printf("; skipped %zu rows that did not finish", parsed.skipped);
    std::printf("\n");
  }
  if (complete) {
    // A finished study: its model, recommendations and reports take the runs in now.
    RewriteStudyOutputs(opt.dir, *db);
    spdlog::info("the study is complete: its outputs in {} were rewritten with the imported runs",
                 opt.dir);
  } else {
    spdlog::info(
        "the runs join the study before its batch {} of trials; `iorec run` resumes it with them",
        enters);
  }
}

}  // namespace

void AddImportCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<ImportOptions>();
  auto* cmd = root.add_subcommand(
      "import",
      "Add runs measured elsewhere (an earlier campaign, the reference io_recommender's "
      "observations) to a study, from a CSV file: workload, knob values, metric");
  AddStudyDirArgument(cmd, opt->dir);
  cmd->add_option("FILE", opt->file,
                  "CSV with a header: observations.csv or `iorec export` output (workload, perf, "
                  "status, knobs), or the reference's observations (pattern_id or workload_key, "
                  "metric, knobs); - reads standard input")
      ->type_name("")
      ->required();
  cmd->add_flag("--again", opt->again, "Import a file whose runs this study already has, again");
  AddJsonFlag(cmd, opt->json, "what was imported");
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] { ImportCommand(*opt, g); });
}

}  // namespace iorec::app
