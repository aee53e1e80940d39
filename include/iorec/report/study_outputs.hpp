#pragma once
/// The files a study leaves in its output directory. Everything here is a pure function
/// of the config and the study result, so the same seed gives byte-identical summary.json,
/// recommendation_matrix.json and observations.csv. Perfs are shown in the metric's own
/// units (the runner's); gains are perf / baseline perf - 1 on the higher-is-better scale.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "iorec/config/study_config.hpp"
#include "iorec/loop/study.hpp"

namespace iorec::report {

/// observations.csv: one row per trial, knob values as written; perf is the metric as
/// measured, gain its relative gain over the workload's baseline; config_id the reference's
/// name for the config (space/config_id.hpp).
std::string ObservationsCsv(const state::StudyState& state);

/// recommendation_matrix.json: each workload's baseline and best configs by robust score
/// (with their config_id), and the reference's topk_by_pattern (workload -> config_ids).
nlohmann::ordered_json RecommendationMatrixJson(const state::StudyState& state,
                                                const deploy::RecommendationMatrix& m);

/// summary.json's history: loop::IterationJson plus each workload's top-3 snapshot.
nlohmann::ordered_json HistoryJson(const state::StudyState& state,
                                   const std::vector<loop::IterationRecord>& history);

/// Leave-one-out deployment demo: for the first `count` workloads, recommend as if the
/// workload were unseen (its own measurements and features excluded from the neighbours).
nlohmann::ordered_json DeploymentDemoJson(const config::StudyConfig& cfg,
                                          const loop::StudyResult& res, size_t count);

nlohmann::ordered_json SummaryJson(const config::StudyConfig& cfg, const loop::StudyResult& res);

/// Writes summary.json, recommendation_matrix.json, observations.csv, model/, plots/ and
/// the evaluation outputs (evaluation_outputs.hpp). Returns warnings (e.g. gnuplot
/// missing) for the caller to log.
std::vector<std::string> WriteStudyOutputs(const std::filesystem::path& out_dir,
                                           const config::StudyConfig& cfg,
                                           const loop::StudyResult& res);

}  // namespace iorec::report
