#include "iorec/report/study_outputs.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "iorec/core/file_io.hpp"
#include "iorec/report/evaluation_outputs.hpp"
#include "iorec/report/json_util.hpp"
#include "iorec/report/model_bundle.hpp"
#include "iorec/report/plot.hpp"

namespace iorec::report {
namespace {

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

}  // namespace

std::string ObservationsCsv(const space::Space& space, const space::WorkloadSet& ws,
                            const std::vector<loop::Observation>& obs) {
  std::ostringstream out;
  out << "trial_id,workload,source,iteration,replicate,status,perf,gain";
  for (const auto& k : space.knobs()) out << ',' << CsvField(k.name);
  out << ",failure_reason\n";
  for (const auto& o : obs) {
    out << o.trial_id << ',' << CsvField(ws.workloads[o.workload].id) << ','
        << runner::ToString(o.source) << ',' << o.iteration << ',' << o.replicate << ','
        << (o.ok ? "done" : "failed") << ',' << (o.ok ? Num(o.perf) : "") << ','
        << (o.ok ? Num(o.gain) : "");
    for (size_t k = 0; k < space.num_knobs(); ++k)
      out << ',' << CsvField(space.Value(o.config, k).text());
    out << ',' << CsvField(o.failure_reason) << '\n';
  }
  return out.str();
}

nlohmann::ordered_json RecommendationMatrixJson(const space::Space& space,
                                                const deploy::RecommendationMatrix& m) {
  nlohmann::ordered_json j;
  j["ranked_by"] = "robust score: mean perf - z * std over replicates";
  auto& ws = j["workloads"] = nlohmann::ordered_json::array();
  for (size_t w = 0; w < m.top.size(); ++w) {
    nlohmann::ordered_json e;
    e["workload"] = m.workload_ids[w];
    auto& top = e["top"] = nlohmann::ordered_json::array();
    int rank = 1;
    for (const auto& me : m.top[w]) {
      top.push_back({{"rank", rank++},
                     {"config", ConfigJson(space, me.config)},
                     {"mean_perf", me.mean_perf},
                     {"std_perf", me.std_perf},
                     {"mean_gain", me.mean_gain},
                     {"robust_gain", me.robust_gain},
                     {"runs", me.runs}});
    }
    ws.push_back(std::move(e));
  }
  return j;
}

nlohmann::ordered_json IterationJson(const loop::IterationRecord& r) {
  nlohmann::ordered_json j;
  j["iteration"] = r.iteration;
  j["runs"] = r.runs;
  j["runs_per_workload"] = r.runs_per_workload;
  j["best_gain_so_far"] = r.best_gain_so_far;
  j["regret_at_3"] = r.regret_at_3;
  j["hit_at_3"] = r.hit_at_3;
  j["ndcg_at_3"] = r.ndcg_at_3;
  j["candidate_modes"] = r.candidate_modes;
  j["surrogates"] = r.surrogates;
  j["replicate_runs"] = r.replicate_runs;
  j["failed_runs"] = r.failed_runs;
  j["mean_batch_sigma"] = r.mean_batch_sigma;
  return j;
}

nlohmann::ordered_json HistoryJson(const space::Space& space, const space::WorkloadSet& ws,
                                   const std::vector<loop::IterationRecord>& history) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& r : history) {
    nlohmann::ordered_json j = IterationJson(r);
    auto& snap = j["top3_uncertainty"] = nlohmann::ordered_json::object();
    for (size_t w = 0; w < r.top3_uncertainty.size(); ++w) {
      auto& lst = snap[ws.workloads[w].id] = nlohmann::ordered_json::array();
      for (const auto& p : r.top3_uncertainty[w]) {
        lst.push_back(
            {{"config", ConfigJson(space, p.config)}, {"mu", p.mean}, {"sigma", p.stddev}});
      }
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

nlohmann::ordered_json DeploymentDemoJson(const config::StudyConfig& cfg,
                                          const space::WorkloadSet& ws,
                                          const loop::StudyResult& res, size_t count) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (size_t held = 0; held < std::min(count, ws.size()); ++held) {
    space::WorkloadSet known;
    known.feature_names = ws.feature_names;
    deploy::RecommendationMatrix matrix;
    for (size_t w = 0; w < ws.size(); ++w) {
      if (w == held) continue;
      known.workloads.push_back(ws.workloads[w]);
      matrix.workload_ids.push_back(res.matrix.workload_ids[w]);
      matrix.top.push_back(res.matrix.top[w]);
    }
    deploy::Recommender rec(cfg.space, known, matrix, *res.model, cfg.baseline,
                            {cfg.deploy.knn_neighbors, cfg.deploy.return_top_k});
    const auto r = rec.Recommend(ws.workloads[held].features);
    nlohmann::ordered_json j;
    j["workload"] = ws.workloads[held].id;
    j["mode"] = "leave-one-out (treated as unseen)";
    for (const auto& n : r.neighbors)
      j["neighbors"].push_back({{"workload", n.workload_id}, {"distance", n.distance}});
    for (const auto& c : r.configs) {
      j["recommendations"].push_back({{"config", ConfigJson(cfg.space, c.config)},
                                      {"predicted_score", c.predicted_gain},
                                      {"predicted_std", c.predicted_std},
                                      {"source", c.source}});
    }
    for (const auto& w : r.warnings) j["warnings"].push_back(w);
    arr.push_back(std::move(j));
  }
  return arr;
}

nlohmann::ordered_json SummaryJson(const config::StudyConfig& cfg, const space::WorkloadSet& ws,
                                   const loop::StudyResult& res) {
  nlohmann::ordered_json j;
  j["iorec_version"] = IOREC_VERSION;
  j["seed"] = cfg.seed;
  j["runner_mode"] = config::ToString(cfg.runner.mode);
  j["oracle_mode"] = config::ToString(cfg.active.oracle_mode);
  j["model_mode"] = config::ToString(cfg.model.mode);
  j["loop_surrogate"] = cfg.model.local_gp ? "local_gp" : "trees";
  j["explore_mode"] = config::ToString(cfg.active.explore_mode);
  j["n_patterns"] = ws.size();
  j["workloads"] = nlohmann::ordered_json::array();
  for (const auto& w : ws.workloads) j["workloads"].push_back(w.id);
  j["feature_names"] = ws.feature_names;
  j["space_size"] = cfg.space.Size();
  j["warm_size"] = res.warm.configs.size();
  j["warm_anchors"] = res.warm.num_anchors;
  j["pairwise_coverage"] = {{"covered", res.warm.coverage.covered},
                            {"total", res.warm.coverage.total},
                            {"percent", res.warm.coverage.percent()}};
  size_t reps = 0, failed = 0;
  for (const auto& o : res.observations) {
    reps += o.source == runner::TrialSource::kReplicate;
    failed += !o.ok;
  }
  j["total_observations"] = res.observations.size();
  j["replicate_observations"] = reps;
  j["failed_observations"] = failed;
  j["iterations_run"] = res.iterations_run;
  j["stop_reason"] = res.stop_reason;
  j["baseline_perf"] = nlohmann::ordered_json::object();
  j["oracle_best_perf"] = nlohmann::ordered_json::object();
  for (size_t w = 0; w < ws.size(); ++w) {
    j["baseline_perf"][ws.workloads[w].id] = res.workloads[w].baseline_perf;
    j["oracle_best_perf"][ws.workloads[w].id] = res.oracle_best[w];
  }
  j["history"] = HistoryJson(cfg.space, ws, res.history);
  j["deployment_demo"] = DeploymentDemoJson(cfg, ws, res, 3);
  return j;
}

std::vector<std::string> WriteStudyOutputs(const std::filesystem::path& out,
                                           const config::StudyConfig& cfg,
                                           const space::WorkloadSet& ws,
                                           const loop::StudyResult& res) {
  std::vector<std::string> warnings;
  core::WriteFileAtomic(out / "observations.csv", ObservationsCsv(cfg.space, ws, res.observations));
  core::WriteFileAtomic(out / "recommendation_matrix.json",
                        RecommendationMatrixJson(cfg.space, res.matrix).dump(2) + "\n");
  ModelBundle bundle;
  bundle.space = cfg.space;
  bundle.baseline = cfg.baseline;
  bundle.known = ws;
  bundle.feature_prefix = cfg.data.feature_prefix;
  bundle.matrix = res.matrix;
  bundle.params = {cfg.deploy.knn_neighbors, cfg.deploy.return_top_k};
  bundle.model = res.model;
  SaveModelBundle(out / "model", bundle);

  if (cfg.reporting.plots) {
    std::vector<double> runs;
    Series regret{"regret@3", {}}, hit{"hit@3", {}}, ndcg{"NDCG@3", {}};
    for (const auto& r : res.history) {
      runs.push_back(r.runs_per_workload);
      regret.y.push_back(r.regret_at_3);
      hit.y.push_back(r.hit_at_3);
      ndcg.y.push_back(r.ndcg_at_3);
    }
    const std::string oracle = config::ToString(cfg.active.oracle_mode);
    for (const auto& [s, label] : {std::pair{&regret, "regret_at_3"}, std::pair{&hit, "hit_at_3"},
                                   std::pair{&ndcg, "ndcg_at_3"}}) {
      LinePlot p;
      p.name = label;
      p.title = s->title + " of the top-3 recommendation vs runs (oracle: " + oracle + ")";
      p.xlabel = "runs per workload";
      p.ylabel = s->title + " (mean over workloads)";
      p.x = runs;
      p.series = {*s};
      p.y_from_zero = true;
      std::error_code ec;
      std::filesystem::create_directories(out / "plots", ec);
      const std::string w = WriteLinePlot(out / "plots", p);
      if (!w.empty()) warnings.push_back(w);
    }
  }
  core::WriteFileAtomic(out / "summary.json", SummaryJson(cfg, ws, res).dump(2) + "\n");
  // Evaluation, contribution, extra plots, summary.md and report.html.
  for (auto& w : WriteEvaluationOutputs(out, cfg, ws, res)) warnings.push_back(std::move(w));
  return warnings;
}

}  // namespace iorec::report
