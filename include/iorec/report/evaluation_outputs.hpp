#pragma once
/// The reader-facing outputs of a study: held-out evaluation (evaluation_report.json), the
/// active-learning contribution (contribution_report.json), the extra plots, summary.md and
/// a self-contained report.html. JSON outputs are pure functions of (config, study result):
/// the same seed gives byte-identical files (no wall times inside).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "iorec/config/study_config.hpp"
#include "iorec/eval/contribution.hpp"
#include "iorec/eval/heldout.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/report/study_outputs.hpp"
#include "iorec/runner/fidelity.hpp"

namespace iorec::report {

/// Evaluation settings from the config (`temporal_split: true` selects the temporal split).
eval::EvalParams EvalParamsFrom(const config::StudyConfig& cfg);

nlohmann::ordered_json EvaluationReportJson(const config::StudyConfig& cfg,
                                            const state::StudyState& state,
                                            const eval::EvalResult& ev);
nlohmann::ordered_json ContributionReportJson(const eval::ContributionReport& c);

/// A rendered plot: path relative to the output directory and a caption.
struct PlotRef {
  std::string file;  ///< e.g. "plots/learning_curve.png"
  std::string caption;
};

/// Everything summary.md and report.html show. Non-owning pointers; all outlive it.
struct ReportContent {
  const config::StudyConfig* cfg = nullptr;
  const loop::StudyResult* res = nullptr;
  const eval::EvalResult* evaluation = nullptr;  ///< null when evaluation is disabled
  const eval::ContributionReport* contribution = nullptr;
  std::vector<runner::WorkloadFidelity> fidelity;  ///< real runner: per workload; else empty
  std::vector<PlotRef> plots;
  std::vector<OnboardedRow> onboarded;  ///< workloads onboarded since the study finished
};

/// The extra plots (learning curve with CI band, best gain so far per workload, heatmap of
/// the recommended levels, predicted vs measured on the held-out split, knob importance)
/// plus the core's regret/hit/NDCG curves when present. Writes into out_dir/plots; appends
/// warnings (e.g. gnuplot missing). Returns the plots whose PNG exists.
std::vector<PlotRef> WriteReportPlots(const std::filesystem::path& out_dir,
                                      const ReportContent& content,
                                      std::vector<std::string>& warnings);

/// What a point of a workload map is.
enum class MapKind { kMeasured = 0, kNew = 1, kNearest = 2 };

/// `png` (with its .dat and .gp beside, named after it): the measured workloads `known` and a
/// new one, `added`, on the first two principal components of the known workloads'
/// standardized features; the workloads named in `nearest` stand out. Returns a warning
/// (e.g. gnuplot missing) or "".
std::string WriteWorkloadMapPlot(const std::filesystem::path& png, const space::WorkloadSet& known,
                                 const space::Workload& added,
                                 const std::vector<std::string>& nearest,
                                 const std::string& title_suffix);

/// summary.md: the study on one page, plots linked relative to the output directory.
std::string SummaryMarkdown(const ReportContent& content);
/// report.html: one self-contained file (inline CSS, plots embedded as base64 data: URIs
/// read from out_dir). No external resources.
std::string ReportHtml(const ReportContent& content, const std::filesystem::path& out_dir);

/// Standard base64 (RFC 4648, with padding).
std::string Base64(std::string_view bytes);

/// Writes contribution_report.json, evaluation_report.json (`{"enabled": false, ...}` when
/// evaluation.enabled is false), both with the reference's fields too, the
/// plots (when reporting.plots), summary.md (when reporting.write_markdown_summary) and
/// report.html. Throws core::InputError for an impossible evaluation split. Returns warnings.
std::vector<std::string> WriteEvaluationOutputs(const std::filesystem::path& out_dir,
                                                const config::StudyConfig& cfg,
                                                const loop::StudyResult& res,
                                                const std::vector<OnboardedRow>& onboarded = {});

}  // namespace iorec::report
