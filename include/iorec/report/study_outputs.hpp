#pragma once
/// The files a study leaves in its output directory. Everything here is a pure function
/// of the config, the workloads and the study result, so the same seed gives
/// byte-identical summary.json, recommendation_matrix.json and observations.csv.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "iorec/config/study_config.hpp"
#include "iorec/loop/study.hpp"

namespace iorec::report {

/// observations.csv: one row per trial, knob values as written.
std::string ObservationsCsv(const space::Space& space, const space::WorkloadSet& ws,
                            const std::vector<loop::Observation>& obs);

nlohmann::ordered_json RecommendationMatrixJson(const space::Space& space,
                                                const deploy::RecommendationMatrix& m);

/// One iteration's counters and metrics (everything but the per-workload top-3 snapshot),
/// as summary.json's history and the store's history rows hold them.
nlohmann::ordered_json IterationJson(const loop::IterationRecord& r);

/// summary.json's history: IterationJson plus each workload's top-3 snapshot.
nlohmann::ordered_json HistoryJson(const space::Space& space, const space::WorkloadSet& ws,
                                   const std::vector<loop::IterationRecord>& history);

/// Leave-one-out deployment demo: for the first `count` workloads, recommend as if the
/// workload were unseen (its own measurements and features excluded from the neighbours).
nlohmann::ordered_json DeploymentDemoJson(const config::StudyConfig& cfg,
                                          const space::WorkloadSet& ws,
                                          const loop::StudyResult& res, size_t count);

nlohmann::ordered_json SummaryJson(const config::StudyConfig& cfg, const space::WorkloadSet& ws,
                                   const loop::StudyResult& res);

/// Writes summary.json, recommendation_matrix.json, observations.csv, model/ and plots/.
/// Returns warnings (e.g. gnuplot missing) for the caller to log.
std::vector<std::string> WriteStudyOutputs(const std::filesystem::path& out_dir,
                                           const config::StudyConfig& cfg,
                                           const space::WorkloadSet& ws,
                                           const loop::StudyResult& res);

}  // namespace iorec::report
