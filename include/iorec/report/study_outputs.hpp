#pragma once
/// The files a study leaves in its output directory. Everything here is a pure function
/// of the config and the study result, so the same seed gives byte-identical summary.json,
/// recommendation_matrix.json and observations.csv. Perfs are shown in the metric's own
/// units (the runner's); gains are perf / baseline perf - 1 on the higher-is-better scale.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "iorec/config/study_config.hpp"
#include "iorec/loop/study.hpp"

namespace iorec::report {

/// A workload onboarded into the finished study (`iorec onboard`), as the reports and
/// `iorec status` show it.
struct OnboardedRow {
  std::string workload;
  int budget = 0;   ///< trials planned, its baseline run included
  size_t runs = 0;  ///< trials with a result (failed ones included)
  size_t failed = 0;
  size_t in_flight = 0;  ///< pending or running
  /// The config to apply (deploy::Onboarding::Choose); unset until the baseline ran.
  std::optional<space::Config> best;
  bool best_is_baseline = false;
  double best_gain = 0.0;  ///< its measured gain over the baseline run
  size_t best_runs = 0;
  std::string why;  ///< why it is the best
  space::Config zero_shot_top1;
  bool zero_shot_weak = false;           ///< the zero-shot top-1 is the baseline (weak evidence)
  std::optional<double> zero_shot_gain;  ///< its measured gain, when it ran
  size_t knobs_moved = 0;                ///< knobs where `best` differs from the zero-shot top-1
};

/// {"workload", "budget", "runs", "failed", "in_flight", "best": {config, measured_gain,
/// runs, is_baseline, why} or null, "zero_shot_top1": {config, weak_evidence, measured_gain},
/// "knobs_moved_from_zero_shot"}.
nlohmann::ordered_json OnboardedJson(const space::Space& space, const OnboardedRow& row);

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
/// the evaluation outputs (evaluation_outputs.hpp). `onboarded`: the workloads onboarded
/// since (summary.json's "onboarded", a section of summary.md and report.html; nothing
/// when empty). Returns warnings (e.g. gnuplot missing) for the caller to log.
std::vector<std::string> WriteStudyOutputs(const std::filesystem::path& out_dir,
                                           const config::StudyConfig& cfg,
                                           const loop::StudyResult& res,
                                           const std::vector<OnboardedRow>& onboarded = {});

}  // namespace iorec::report
