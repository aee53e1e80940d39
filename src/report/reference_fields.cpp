#include "iorec/report/reference_fields.hpp"

#include <cmath>

#include "iorec/space/config_id.hpp"
#include "iorec/space/json.hpp"

namespace iorec::report {
namespace {

using Json = nlohmann::ordered_json;

Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json MeanCi(const eval::Interval& i) {
  return Json{{"mean", Num(i.estimate)}, {"ci_low", Num(i.lo)}, {"ci_high", Num(i.hi)}};
}

Json SplitMeta(const state::StudyState& st, const eval::EvalResult& ev) {
  Json m;
  m["split_mode_effective"] = eval::ToString(ev.split);
  switch (ev.split) {
    case eval::Split::kPatterns:
      m["heldout_patterns"] = ev.heldout_workloads;
      break;
    case eval::Split::kConfigsPerPattern: {
      Json counts = Json::object();
      for (const auto& w : ev.workloads) counts[w.id] = w.n_heldout;
      for (const auto& s : ev.skipped) counts[s.id] = s.n_heldout;
      m["heldout_config_counts_by_pattern"] = std::move(counts);
      break;
    }
    case eval::Split::kTemporal:
      m["cutoff_iter"] = ev.temporal_cut;
      m["applied"] = st.iterations() > 0;
      break;
  }
  return m;
}

}  // namespace

void AddReferenceEvaluationFields(Json& j, const config::StudyConfig& cfg,
                                  const state::StudyState& st, const eval::EvalResult& ev) {
  j["enabled"] = true;
  j["split_mode_requested"] = config::ToString(cfg.evaluation.split_mode);
  j["temporal_split"] = cfg.evaluation.temporal_split;
  j["split_meta"] = SplitMeta(st, ev);
  j["oracle_data_source"] = "heldout_test_observations";
  j["top_k"] = ev.params.top_k;
  j["n_train_observations"] = ev.train_runs;
  j["n_test_observations"] = ev.heldout_runs;
  j["n_eval_patterns"] = ev.workloads.size();
  Json& agg = j["aggregate"];
  agg["top1_regret"] = MeanCi(ev.model_top1_regret);
  agg["topk_regret"] = MeanCi(ev.model.regret);
  agg["hit_at_k"] = MeanCi(ev.model.hit);
  agg["ndcg_at_k"] = MeanCi(ev.model.ndcg);
  Json per = Json::array();
  for (const auto& e : ev.workloads) {
    per.push_back(Json{{"pattern_id", e.id},
                       {"n_candidates", e.n_heldout},
                       {"oracle_best_gain", Num(e.best_heldout_gain)},
                       {"pred_top1_gain", Num(e.top1_gain)},
                       {"pred_topk_best_gain", Num(e.model.chosen_gain)},
                       {"top1_regret", Num(e.top1_regret)},
                       {"topk_regret", Num(e.model.regret)},
                       {"hit_at_k", Num(e.model.hit)},
                       {"ndcg_at_k", Num(e.model.ndcg)},
                       {"pred_top1_config_id", space::ConfigId(st.space(), e.top1_config)}});
  }
  j["per_pattern"] = std::move(per);
}

Json DisabledEvaluationJson() {
  return Json{{"enabled", false}, {"reason", "evaluation.enabled is false in the config"}};
}

void AddReferenceContributionFields(Json& j, const state::StudyState& st,
                                    const eval::ReferenceContribution& c) {
  j["top_k"] = c.top_k;
  j["pct_top_k_from_active"] = Num(c.pct_top_k_from_active);
  j["n_patterns"] = c.per_pattern.size();
  Json per = Json::array();
  for (const auto& p : c.per_pattern) {
    Json top = Json::array();
    for (const auto& r : p.topk) {
      top.push_back(Json{{"config_id", space::ConfigId(st.space(), r.config)},
                         {"config", space::ConfigJson(st.space(), r.config)},
                         {"best_gain", Num(r.best_gain)},
                         {"best_source", state::ToString(r.best_source)},
                         {"best_iter", r.best_iteration}});
    }
    const bool both = std::isfinite(p.best_warm_gain) && std::isfinite(p.best_active_gain);
    per.push_back(
        Json{{"pattern_id", p.id},
             {"best_warm_gain", Num(p.best_warm_gain)},
             {"best_active_gain", Num(p.best_active_gain)},
             {"best_active_vs_best_warm_delta",
              both ? Json(p.best_active_gain - p.best_warm_gain) : Json(nullptr)},
             {"new_best_found_iter",
              p.new_best_found_iteration >= 0 ? Json(p.new_best_found_iteration) : Json(nullptr)},
             {"topk_from_active_percent", Num(p.topk_from_active_percent)},
             {"topk", std::move(top)}});
  }
  j["per_pattern"] = std::move(per);
  Json traj = Json::array();
  for (const auto& s : c.trajectory) {
    traj.push_back(Json{{"iter", s.iteration},
                        {"mean_improvement_over_warm", Num(s.mean_improvement_over_warm)},
                        {"patterns_improved", s.patterns_improved}});
  }
  j["cumulative_improvement_trajectory"] = std::move(traj);
}

Json TopkByPatternJson(const state::StudyState& st, const deploy::RecommendationMatrix& m) {
  Json j = Json::object();
  for (size_t w = 0; w < m.size(); ++w) {
    Json ids = Json::array();
    for (const auto& e : m.top[w]) ids.push_back(space::ConfigId(st.space(), e.config));
    j[m.workload_ids[w]] = std::move(ids);
  }
  return j;
}

}  // namespace iorec::report
