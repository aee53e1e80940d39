#include "iorec/report/study_outputs.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "iorec/core/file_io.hpp"
#include "iorec/deploy/model_bundle.hpp"
#include "iorec/report/evaluation_outputs.hpp"
#include "iorec/report/plot.hpp"
#include "iorec/report/reference_fields.hpp"
#include "iorec/report/study_insights.hpp"
#include "iorec/space/config_id.hpp"
#include "iorec/space/json.hpp"

namespace iorec::report {
namespace {

using Json = nlohmann::ordered_json;

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

/// Mean and sample stddev over a config's runs, in the metric's units.
std::pair<double, double> MetricStats(const state::StudyState& st, const state::ConfigStats& c) {
  if (st.direction() == state::Direction::kMaximize) return {c.Mean().value, c.Std()};
  std::vector<double> m;
  for (state::Perf p : c.perfs) m.push_back(state::MetricFromPerf(p, st.direction()));
  double mean = 0.0;
  for (double v : m) mean += v;
  mean /= static_cast<double>(m.size());
  double s = 0.0;
  for (double v : m) s += (v - mean) * (v - mean);
  return {mean, m.size() < 2 ? 0.0 : std::sqrt(s / static_cast<double>(m.size() - 1))};
}

Json BaselineJson(const state::StudyState& st, size_t w) {
  const auto& rec = st.record(w);
  if (!rec.has_baseline()) return Json(nullptr);
  return state::MetricFromPerf(rec.baseline, st.direction());
}

void AddPlot(const std::filesystem::path& out, const std::string& name, const Series& s,
             const std::vector<double>& runs, const config::StudyConfig& cfg, bool against_truth,
             std::vector<std::string>& warnings) {
  LinePlot p;
  p.name = name;
  p.title = s.title + " of the top-3 recommendation vs runs" +
            (against_truth ? std::string(" (against the true optimum)")
                           : " (against the best warm-start result: flat when "
                             "nothing better is known)") +
            SyntheticTag(cfg);
  p.xlabel = "runs per workload";
  p.ylabel = s.title + " (mean over workloads)";
  p.x = runs;
  p.series = {s};
  p.y_from_zero = true;
  std::error_code ec;
  std::filesystem::create_directories(out / "plots", ec);
  const std::string w = WriteLinePlot(out / "plots", p);
  if (!w.empty()) warnings.push_back(w);
}

void WriteCurvePlots(const std::filesystem::path& out, const config::StudyConfig& cfg,
                     const loop::StudyResult& res, std::vector<std::string>& warnings) {
  std::vector<double> runs;
  Series regret{"regret@3", {}}, hit{"hit@3", {}}, ndcg{"NDCG@3", {}};
  for (const auto& r : res.history) {
    runs.push_back(r.runs_per_workload);
    regret.y.push_back(r.regret_at_3);
    hit.y.push_back(r.hit_at_3);
    ndcg.y.push_back(r.ndcg_at_3);
  }
  const bool truth = MetricsAgainstTruth(res);
  AddPlot(out, "regret_at_3", regret, runs, cfg, truth, warnings);
  AddPlot(out, "hit_at_3", hit, runs, cfg, truth, warnings);
  AddPlot(out, "ndcg_at_3", ndcg, runs, cfg, truth, warnings);
}

}  // namespace

std::string ObservationsCsv(const state::StudyState& st) {
  const auto& space = st.space();
  std::ostringstream out;
  out << "trial_id,workload,source,iteration,replicate,status,perf,gain";
  for (const auto& k : space.knobs()) out << ',' << CsvField(k.name);
  out << ",failure_reason,config_id\n";
  for (const auto& t : st.trials()) {
    const bool gain = t.ok && st.record(t.workload).has_baseline();
    out << t.trial_id << ',' << CsvField(st.workload_set().workloads[t.workload].id) << ','
        << state::ToString(t.source) << ',' << t.iteration << ',' << t.replicate << ','
        << (t.ok ? "done" : "failed") << ',' << (t.ok ? Num(t.metric) : "") << ','
        << (gain ? Num(st.Gain(t).value) : "");
    for (size_t k = 0; k < space.num_knobs(); ++k)
      out << ',' << CsvField(space.Value(t.config, k).text());
    out << ',' << CsvField(t.failure_reason) << ',' << space::ConfigId(space, t.config) << '\n';
  }
  return out.str();
}

Json RecommendationMatrixJson(const state::StudyState& st, const deploy::RecommendationMatrix& m) {
  Json j;
  j["ranked_by"] = "robust score: mean perf - z * std over replicates";
  j["gain"] = "perf / baseline perf - 1 (robust_gain: of the robust score)";
  auto& ws = j["workloads"] = Json::array();
  for (size_t w = 0; w < m.size(); ++w) {
    Json e;
    e["workload"] = m.workload_ids[w];
    e["baseline_perf"] = BaselineJson(st, w);
    auto& top = e["top"] = Json::array();
    int rank = 1;
    for (const auto& me : m.top[w]) {
      const auto [mean, std] = MetricStats(st, *st.record(w).Find(me.config));
      top.push_back({{"rank", rank++},
                     {"config_id", space::ConfigId(st.space(), me.config)},
                     {"config", space::ConfigJson(st.space(), me.config)},
                     {"mean_perf", mean},
                     {"std_perf", std},
                     {"mean_gain", m.MeanGain(w, me).value},
                     {"robust_gain", m.RobustGain(w, me).value},
                     {"runs", me.runs}});
    }
    ws.push_back(std::move(e));
  }
  j["topk_by_pattern"] = TopkByPatternJson(st, m);
  return j;
}

Json HistoryJson(const state::StudyState& st, const std::vector<loop::IterationRecord>& history) {
  Json arr = Json::array();
  for (const auto& r : history) {
    Json j = loop::IterationJson(r);
    auto& snap = j["top3_uncertainty"] = Json::object();
    for (size_t w = 0; w < r.top3_uncertainty.size(); ++w) {
      auto& lst = snap[st.workload_set().workloads[w].id] = Json::array();
      for (const auto& p : r.top3_uncertainty[w]) {
        lst.push_back({{"config", space::ConfigJson(st.space(), p.config)},
                       {"mu", p.mean},
                       {"sigma", p.stddev}});
      }
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

Json DeploymentDemoJson(const config::StudyConfig& cfg, const loop::StudyResult& res,
                        size_t count) {
  const auto& ws = res.state.workload_set();
  Json arr = Json::array();
  for (size_t held = 0; held < std::min(count, ws.size()); ++held) {
    space::WorkloadSet known;
    known.feature_names = ws.feature_names;
    std::vector<size_t> others;
    for (size_t w = 0; w < ws.size(); ++w) {
      if (w == held) continue;
      known.workloads.push_back(ws.workloads[w]);
      others.push_back(w);
    }
    const deploy::RecommendationMatrix matrix = res.matrix.Subset(others);
    deploy::Recommender rec(cfg.space, known, matrix, *res.model, cfg.baseline,
                            {cfg.deploy.knn_neighbors, cfg.deploy.return_top_k});
    const auto r = rec.Recommend(ws.workloads[held].features);
    Json j;
    j["workload"] = ws.workloads[held].id;
    j["mode"] = "leave-one-out (treated as unseen)";
    for (const auto& n : r.neighbors)
      j["neighbors"].push_back({{"workload", n.workload_id}, {"distance", n.distance}});
    for (const auto& c : r.configs) {
      j["recommendations"].push_back({{"config_id", space::ConfigId(cfg.space, c.config)},
                                      {"config", space::ConfigJson(cfg.space, c.config)},
                                      {"predicted_score", c.model_score},
                                      {"predicted_std", c.model_std},
                                      {"source", c.source}});
    }
    for (const auto& w : r.warnings) j["warnings"].push_back(w);
    arr.push_back(std::move(j));
  }
  return arr;
}

Json SummaryJson(const config::StudyConfig& cfg, const loop::StudyResult& res) {
  const auto& st = res.state;
  const auto& ws = st.workload_set();
  Json j;
  j["iorec_version"] = IOREC_VERSION;
  j["seed"] = cfg.seed;
  j["runner_mode"] = config::ToString(cfg.runner.mode);
  j["objective"] = state::ToString(st.direction());
  j["oracle_mode"] = config::ToString(cfg.active.oracle_mode);
  j["model_mode"] = config::ToString(cfg.model.mode);
  j["loop_surrogate"] = cfg.model.local_gp ? "local_gp" : "trees";
  j["explore_mode"] = config::ToString(cfg.active.explore_mode);
  j["n_patterns"] = ws.size();
  j["workloads"] = Json::array();
  for (const auto& w : ws.workloads) j["workloads"].push_back(w.id);
  j["feature_names"] = ws.feature_names;
  j["space_size"] = cfg.space.Size();
  j["warm_size"] = res.warm.configs.size();
  j["warm_anchors"] = res.warm.num_anchors;
  j["pairwise_coverage"] = {{"covered", res.warm.coverage.covered},
                            {"total", res.warm.coverage.total},
                            {"percent", res.warm.coverage.percent()}};
  j["pairwise_coverage_percent"] = res.warm.coverage.percent();
  size_t reps = 0, failed = 0;
  for (const auto& t : st.trials()) {
    reps += t.source == state::Source::kReplicate;
    failed += !t.ok;
  }
  j["total_observations"] = st.trials().size();
  j["replicate_observations"] = reps;
  j["failed_observations"] = failed;
  j["iterations_run"] = res.iterations_run();
  j["stop_reason"] = res.stop_reason;
  j["warnings"] = res.warnings;
  j["baseline_perf"] = Json::object();
  j["baseline_substituted"] = Json::array();
  j["oracle_best_perf"] = Json::object();
  for (size_t w = 0; w < ws.size(); ++w) {
    const auto& rec = st.record(w);
    j["baseline_perf"][ws.workloads[w].id] = BaselineJson(st, w);
    if (rec.baseline_source == state::BaselineSource::kMedianWarm) {
      j["baseline_substituted"].push_back({{"workload", ws.workloads[w].id},
                                           {"baseline_failure", rec.baseline_failure},
                                           {"stand_in", "median warm-start result"}});
    }
    j["oracle_best_perf"][ws.workloads[w].id] =
        state::MetricFromPerf(state::Perf{res.oracle_best[w]}, st.direction());
  }
  AddInsightsJson(cfg, res, j);
  j["history"] = HistoryJson(st, res.history);
  j["deployment_demo"] = DeploymentDemoJson(cfg, res, 3);
  // The output files, relative to the output directory (null: not written).
  j["observations_csv"] = "observations.csv";
  j["recommendation_matrix_json"] = "recommendation_matrix.json";
  j["evaluation_report_json"] = "evaluation_report.json";
  j["contribution_report_json"] = "contribution_report.json";
  j["summary_md"] = cfg.reporting.write_markdown_summary ? Json("summary.md") : Json(nullptr);
  j["report_html"] = "report.html";
  j["model_dir"] = "model";
  j["plots_dir"] = cfg.reporting.plots ? Json("plots") : Json(nullptr);
  return j;
}

nlohmann::ordered_json OnboardedJson(const space::Space& space, const OnboardedRow& row) {
  using Json = nlohmann::ordered_json;
  Json j;
  j["workload"] = row.workload;
  j["budget"] = row.budget;
  j["runs"] = row.runs;
  j["failed"] = row.failed;
  j["in_flight"] = row.in_flight;
  j["best"] = nullptr;
  if (row.best) {
    j["best"] = {{"config", space::ConfigJson(space, *row.best)},
                 {"measured_gain", row.best_gain},
                 {"runs", row.best_runs},
                 {"is_baseline", row.best_is_baseline},
                 {"why", row.why}};
  }
  j["zero_shot_top1"] = {
      {"config", space::ConfigJson(space, row.zero_shot_top1)},
      {"weak_evidence", row.zero_shot_weak},
      {"measured_gain", row.zero_shot_gain ? Json(*row.zero_shot_gain) : Json()}};
  j["knobs_moved_from_zero_shot"] = row.best ? Json(row.knobs_moved) : Json();
  return j;
}

std::vector<std::string> WriteStudyOutputs(const std::filesystem::path& out,
                                           const config::StudyConfig& cfg,
                                           const loop::StudyResult& res,
                                           const std::vector<OnboardedRow>& onboarded) {
  std::vector<std::string> warnings;
  core::WriteFileAtomic(out / "observations.csv", ObservationsCsv(res.state));
  core::WriteFileAtomic(out / "recommendation_matrix.json",
                        RecommendationMatrixJson(res.state, res.matrix).dump(2) + "\n");
  deploy::ModelBundle bundle;
  bundle.space = cfg.space;
  bundle.baseline = cfg.baseline;
  bundle.known = res.state.workload_set();
  bundle.feature_prefix = cfg.data.feature_prefix;
  bundle.matrix = res.matrix;
  bundle.params = {cfg.deploy.knn_neighbors, cfg.deploy.return_top_k};
  bundle.model = res.model;
  bundle.metric = {res.state.direction(), cfg.runner.MetricName(), cfg.runner.MetricUnit()};
  bundle.runner_mode = config::ToString(cfg.runner.mode);
  bundle.measured = deploy::MeasuredMeans(res.state);
  deploy::SaveModelBundle(out / "model", bundle);
  if (cfg.reporting.plots) WriteCurvePlots(out, cfg, res, warnings);
  nlohmann::ordered_json summary = SummaryJson(cfg, res);
  if (!onboarded.empty()) {
    summary["onboarded"] = nlohmann::ordered_json::array();
    for (const auto& row : onboarded) summary["onboarded"].push_back(OnboardedJson(cfg.space, row));
  }
  core::WriteFileAtomic(out / "summary.json", summary.dump(2) + "\n");
  // Evaluation, contribution, extra plots, summary.md and report.html.
  for (auto& w : WriteEvaluationOutputs(out, cfg, res, onboarded)) warnings.push_back(std::move(w));
  return warnings;
}

}  // namespace iorec::report
