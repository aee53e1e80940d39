// `iorec export DIR [--json]`: every trial of a study, from its study.db.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

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

void ExportCommand(const ExportOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  auto db = OpenStudyDir(opt.dir, /*read_only=*/true, /*quick_check=*/false);
  const auto info = db->Study();
  if (!info) throw core::InputError(db->path().string() + ": the study was never started");
  const auto ws = db->Workloads();
  const auto trials = db->Trials();
  auto value_of = [&](const store::TrialRecord& t, size_t k) -> std::string {
    if (k < t.levels.size() && k < info->knob_values.size() &&
        t.levels[k] < info->knob_values[k].size()) {
      return info->knob_values[k][t.levels[k]];
    }
    return "";
  };
  auto workload_id = [&](uint32_t w) {
    return w < ws.size() ? ws.workloads[w].id : std::to_string(w);
  };
  std::string out;
  if (opt.json) {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& t : trials) {
      nlohmann::ordered_json j;
      j["trial_id"] = t.trial_id;
      j["workload"] = workload_id(t.workload);
      j["source"] = runner::ToString(t.source);
      j["iteration"] = std::max(0, t.iteration);
      j["replicate"] = t.replicate;
      j["batch"] = t.batch;
      j["status"] = store::ToString(t.status);
      j["perf"] = std::isfinite(t.value) && t.status == store::TrialStatus::kDone
                      ? nlohmann::ordered_json(t.value)
                      : nlohmann::ordered_json();
      j["gain"] = t.gain ? nlohmann::ordered_json(*t.gain) : nlohmann::ordered_json();
      j["attempts"] = t.attempts;
      j["started_at"] = t.started_at;
      j["ended_at"] = t.ended_at;
      j["wall_seconds"] = t.wall_seconds;
      nlohmann::ordered_json cfg = nlohmann::ordered_json::object();
      for (size_t k = 0; k < info->knob_names.size(); ++k)
        cfg[info->knob_names[k]] = value_of(t, k);
      j["config"] = std::move(cfg);
      j["levels"] = t.levels;
      j["failure_reason"] = t.failure_reason;
      arr.push_back(std::move(j));
    }
    out = arr.dump(2) + "\n";
  } else {
    out =
        "trial_id,workload,source,iteration,replicate,batch,status,perf,gain,attempts,"
        "started_at,ended_at,wall_seconds";
    for (const auto& k : info->knob_names) out += "," + Csv(k);
    out += ",failure_reason\n";
    for (const auto& t : trials) {
      out += std::to_string(t.trial_id) + ',' + Csv(workload_id(t.workload)) + ',' +
             runner::ToString(t.source) + ',' + std::to_string(std::max(0, t.iteration)) + ',' +
             std::to_string(t.replicate) + ',' + std::to_string(t.batch) + ',' +
             store::ToString(t.status) + ',' +
             (t.status == store::TrialStatus::kDone ? Num(t.value) : "") + ',' +
             (t.gain ? Num(*t.gain) : "") + ',' + std::to_string(t.attempts) + ',' +
             Num(t.started_at) + ',' + Num(t.ended_at) + ',' + Num(t.wall_seconds);
      for (size_t k = 0; k < info->knob_names.size(); ++k) out += "," + Csv(value_of(t, k));
      out += "," + Csv(t.failure_reason) + "\n";
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void AddExportCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<ExportOptions>();
  auto* cmd = root.add_subcommand(
      "export",
      "Print every trial of a study as CSV: config, status, metric, gain over the baseline");
  AddStudyDirArgument(cmd, opt->dir);
  CLI::Option* json = AddJsonFlag(cmd, opt->json, "the trials");
  AddDeprecatedFormatOption(cmd, json, opt->json, g);
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] { ExportCommand(*opt, g); });
}

}  // namespace iorec::app
