// `iorec export DIR [--json]`: every trial of a study and every run imported into it, from
// its study.db.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "iorec/core/error.hpp"
#include "iorec/store/sqlite_store.hpp"

namespace iorec::app {
namespace {

std::string Csv(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Num(double v) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

struct ExportOptions {
  std::string dir;
  bool json = false;
};

/// One exported run: a trial of the study, or a run imported into it (`iorec import`).
struct Row {
  std::optional<uint64_t> trial_id;  ///< none for an imported run
  std::string workload;
  std::string source;
  int iteration = 0;
  int replicate = 0;
  int batch = 0;
  std::string status;
  double perf = std::nan("");  ///< the metric as measured; NaN unless done
  std::optional<double> gain;
  int attempts = 0;
  double started_at = std::nan(""), ended_at = std::nan(""), wall_seconds = 0.0;
  std::vector<std::string> values;  ///< per knob
  std::vector<uint8_t> levels;
  std::string failure_reason;
  std::string origin;  ///< an imported run's "<file>:<line>"
};

class RowBuilder {
 public:
  RowBuilder(const store::StudyInfo& info, const space::WorkloadSet& ws) : info_(info), ws_(ws) {}

  Row FromTrial(const store::TrialRecord& t) const {
    Row r = Common(t.workload, t.levels);
    r.trial_id = t.trial_id;
    r.source = runner::ToString(t.source);
    r.iteration = std::max(0, t.iteration);
    r.replicate = t.replicate;
    r.batch = t.batch;
    r.status = store::ToString(t.status);
    if (t.status == store::TrialStatus::kDone) r.perf = t.value;
    r.gain = t.gain;
    r.attempts = t.attempts;
    r.started_at = t.started_at;
    r.ended_at = t.ended_at;
    r.wall_seconds = t.wall_seconds;
    r.failure_reason = t.failure_reason;
    return r;
  }

  /// Gains of imported runs are computed when the study replays them, not stored: none here.
  Row FromImported(const store::ImportedRecord& i) const {
    Row r = Common(i.workload, i.levels);
    r.source = "imported";
    r.batch = i.enters_before_batch;
    r.status = store::ToString(store::TrialStatus::kDone);
    r.perf = i.metric;
    r.ended_at = i.imported_at;
    r.origin = i.origin;
    return r;
  }

 private:
  Row Common(uint32_t workload, const std::vector<uint8_t>& levels) const {
    Row r;
    r.workload = workload < ws_.size() ? ws_.workloads[workload].id : std::to_string(workload);
    r.levels = levels;
    for (size_t k = 0; k < info_.knob_names.size(); ++k) {
      const bool known = k < levels.size() && k < info_.knob_values.size() &&
                         levels[k] < info_.knob_values[k].size();
      r.values.push_back(known ? info_.knob_values[k][levels[k]] : "");
    }
    return r;
  }

  const store::StudyInfo& info_;
  const space::WorkloadSet& ws_;
};

nlohmann::ordered_json NumOrNull(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json();
}

std::string JsonText(const std::vector<Row>& rows, const store::StudyInfo& info) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    nlohmann::ordered_json j;
    j["trial_id"] = r.trial_id ? nlohmann::ordered_json(*r.trial_id) : nlohmann::ordered_json();
    j["workload"] = r.workload;
    j["source"] = r.source;
    j["iteration"] = r.iteration;
    j["replicate"] = r.replicate;
    j["batch"] = r.batch;
    j["status"] = r.status;
    j["perf"] = NumOrNull(r.perf);
    j["gain"] = r.gain ? nlohmann::ordered_json(*r.gain) : nlohmann::ordered_json();
    j["attempts"] = r.attempts;
    j["started_at"] = NumOrNull(r.started_at);
    j["ended_at"] = NumOrNull(r.ended_at);
    j["wall_seconds"] = r.wall_seconds;
    nlohmann::ordered_json cfg = nlohmann::ordered_json::object();
    for (size_t k = 0; k < info.knob_names.size(); ++k) cfg[info.knob_names[k]] = r.values[k];
    j["config"] = std::move(cfg);
    j["levels"] = r.levels;
    j["failure_reason"] = r.failure_reason;
    j["origin"] = r.origin;
    arr.push_back(std::move(j));
  }
  return arr.dump(2) + "\n";
}

std::string CsvText(const std::vector<Row>& rows, const store::StudyInfo& info) {
  std::string out =
      "trial_id,workload,source,iteration,replicate,batch,status,perf,gain,attempts,"
      "started_at,ended_at,wall_seconds";
  for (const auto& k : info.knob_names) out += "," + Csv(k);
  out += ",failure_reason,origin\n";
  for (const auto& r : rows) {
    out += (r.trial_id ? std::to_string(*r.trial_id) : "") + ',' + Csv(r.workload) + ',' +
           r.source + ',' + std::to_string(r.iteration) + ',' + std::to_string(r.replicate) + ',' +
           std::to_string(r.batch) + ',' + r.status + ',' + Num(r.perf) + ',' +
           (r.gain ? Num(*r.gain) : "") + ',' + std::to_string(r.attempts) + ',' +
           Num(r.started_at) + ',' + Num(r.ended_at) + ',' + Num(r.wall_seconds);
    for (const auto& v : r.values) out += "," + Csv(v);
    out += "," + Csv(r.failure_reason) + "," + Csv(r.origin) + "\n";
  }
  return out;
}

void ExportCommand(const ExportOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  auto db = OpenStudyDir(opt.dir, /*read_only=*/true, /*quick_check=*/false);
  const auto info = db->Study();
  if (!info) throw core::InputError(db->path().string() + ": the study was never started");
  const auto ws = db->Workloads();
  const RowBuilder build(*info, ws);
  std::vector<Row> rows;
  for (const auto& t : db->Trials()) rows.push_back(build.FromTrial(t));
  for (const auto& i : db->Imported()) rows.push_back(build.FromImported(i));
  const std::string out = opt.json ? JsonText(rows, *info) : CsvText(rows, *info);
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void AddExportCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<ExportOptions>();
  auto* cmd = root.add_subcommand(
      "export",
      "Print every trial of a study, and every run imported into it, as CSV: config, status, "
      "metric, gain over the baseline");
  AddStudyDirArgument(cmd, opt->dir);
  CLI::Option* json = AddJsonFlag(cmd, opt->json, "the trials");
  AddDeprecatedFormatOption(cmd, json, opt->json, g);
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] { ExportCommand(*opt, g); });
}

}  // namespace iorec::app
