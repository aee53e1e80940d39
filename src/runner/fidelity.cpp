// fidelity.json: a real trial's own log features against its workload's targets.
#include "iorec/runner/fidelity.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "iorec/core/file_io.hpp"
#include "iorec/darshan/features.hpp"

namespace iorec::runner {
namespace fs = std::filesystem;

void WriteFidelity(const fs::path& path, const darshan::LogSummary& summary,
                   const std::string& metric_column, const std::string& io_api,
                   const space::Workload* workload, const std::vector<std::string>& feature_names) {
  nlohmann::ordered_json j;
  j["metric_column"] = metric_column;
  nlohmann::ordered_json perf = nlohmann::ordered_json::object();
  for (const char* mod : {"POSIX", "MPIIO"}) {
    if (const darshan::ModuleSummary* m = summary.Module(mod); m && m->has_perf) {
      perf[mod] = m->perf.agg_perf_by_slowest;
    }
  }
  j["agg_perf_by_slowest"] = perf;
  double worst = 0.0;
  std::string worst_name;
  nlohmann::ordered_json features = nlohmann::ordered_json::object();
  try {
    const darshan::Basis basis = io_api == "mpiio" && summary.Module("MPIIO")
                                     ? darshan::Basis::kMpiio
                                     : darshan::Basis::kPosix;
    const darshan::WorkloadFeatures measured = darshan::ComputeFeatures(summary, basis);
    for (const auto& [name, value] : measured.values) {
      nlohmann::ordered_json f;
      f["measured"] = value;
      for (size_t i = 0; workload && i < feature_names.size(); ++i) {
        if (feature_names[i] != name || i >= workload->features.size()) continue;
        const double target = workload->features[i];
        f["target"] = target;
        const double d = std::fabs(value - target);
        f["deviation"] = d;
        if (name.rfind("pct_", 0) == 0 && d > worst) worst = d, worst_name = name;
      }
      features[name] = f;
    }
  } catch (const std::exception& e) {
    j["features_error"] = e.what();
  }
  j["max_deviation"] = worst;
  j["max_deviation_feature"] = worst_name;
  j["features"] = features;
  std::ofstream(path, std::ios::trunc) << j.dump(2) << "\n";
}

std::optional<TrialFidelity> ReadFidelity(const fs::path& trial_dir) {
  const fs::path path = trial_dir / "fidelity.json";
  std::error_code ec;
  if (trial_dir.empty() || !fs::exists(path, ec)) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(core::ReadFile(path));
    TrialFidelity f;
    f.max_deviation = j.value("max_deviation", 0.0);
    f.worst_feature = j.value("max_deviation_feature", std::string());
    f.metric_column = j.value("metric_column", std::string());
    if (j.contains("agg_perf_by_slowest")) {
      for (const auto& [mod, v] : j["agg_perf_by_slowest"].items()) f.module_perf[mod] = v;
    }
    return f;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<WorkloadFidelity> SummarizeFidelity(
    const std::vector<std::pair<std::string, std::string>>& trials) {
  std::vector<WorkloadFidelity> rows;
  for (const auto& [workload, dir] : trials) {
    const auto f = ReadFidelity(dir);
    if (!f) continue;
    auto it = std::find_if(rows.begin(), rows.end(),
                           [&](const WorkloadFidelity& r) { return r.workload == workload; });
    if (it == rows.end()) {
      rows.emplace_back();
      it = rows.end() - 1;
      it->workload = workload;
    }
    ++it->trials;
    if (it->trials == 1 || f->max_deviation > it->max_deviation) {
      it->max_deviation = f->max_deviation;
      it->worst_feature = f->worst_feature;
    }
    it->flagged = it->max_deviation > kFidelityTolerance;
  }
  return rows;
}

}  // namespace iorec::runner
