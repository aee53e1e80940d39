#include "iorec/report/evaluation_outputs.hpp"

#include <cmath>

#include "iorec/core/file_io.hpp"
#include "iorec/report/reference_fields.hpp"
#include "iorec/runner/command_runner.hpp"
#include "iorec/space/json.hpp"

namespace iorec::report {
namespace {

using Json = nlohmann::ordered_json;

Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json IntervalJson(const eval::Interval& i) {
  return Json{{"mean", Num(i.estimate)}, {"ci_lo", Num(i.lo)}, {"ci_hi", Num(i.hi)}, {"n", i.n}};
}

Json AggregateJson(const eval::StrategyAggregate& a) {
  Json j;
  j["ndcg_at_k"] = IntervalJson(a.ndcg);
  j["regret_at_k"] = IntervalJson(a.regret);
  j["hit_at_k"] = IntervalJson(a.hit);
  j["spearman"] = a.spearman ? IntervalJson(*a.spearman) : Json(nullptr);
  return j;
}

Json ScoreJson(const eval::StrategyScore& s) {
  return Json{{"ndcg_at_k", Num(s.ndcg)},
              {"regret_at_k", Num(s.regret)},
              {"hit_at_k", Num(s.hit)},
              {"spearman", s.spearman ? Num(*s.spearman) : Json(nullptr)},
              {"best_gain_in_top_k", Num(s.chosen_gain)}};
}

}  // namespace

eval::EvalParams EvalParamsFrom(const config::StudyConfig& cfg) {
  const auto& e = cfg.evaluation;
  eval::EvalParams p;
  switch (e.split_mode) {
    case config::SplitMode::kHeldoutConfigsPerPattern:
      p.split = eval::Split::kConfigsPerPattern;
      break;
    case config::SplitMode::kHeldoutPatterns:
      p.split = eval::Split::kPatterns;
      break;
    case config::SplitMode::kTemporal:
      p.split = eval::Split::kTemporal;
      break;
  }
  if (e.temporal_split) p.split = eval::Split::kTemporal;
  p.holdout_fraction_configs = e.holdout_fraction_configs;
  p.holdout_fraction_patterns = e.holdout_fraction_patterns;
  p.temporal_holdout_fraction = e.temporal_holdout_fraction;
  p.top_k = static_cast<size_t>(std::max(1, e.top_k));
  p.hit_tolerance = e.hit_tolerance;
  p.bootstrap_iters = e.bootstrap_iters;
  p.ci_level = e.ci_level;
  p.ensemble = loop::EnsembleParamsFrom(cfg);
  p.knn_neighbors = cfg.deploy.knn_neighbors;
  p.return_top_k = cfg.deploy.return_top_k;
  return p;
}

Json EvaluationSettingsJson(const config::StudyConfig& cfg, const eval::EvalParams& p) {
  return Json{{"seed", cfg.seed},
              {"top_k", p.top_k},
              {"hit_tolerance", p.hit_tolerance},
              {"bootstrap_iters", p.bootstrap_iters},
              {"ci_level", p.ci_level},
              {"holdout_fraction_configs", p.holdout_fraction_configs},
              {"holdout_fraction_patterns", p.holdout_fraction_patterns},
              {"temporal_holdout_fraction", p.temporal_holdout_fraction},
              {"model_mode", config::ToString(cfg.model.mode)},
              {"ensemble_size", p.ensemble.members},
              {"random_baseline_draws", eval::kRandomDraws}};
}

Json EvaluationDefinitionsJson() {
  return Json{{"gain", "relative gain over the workload's baseline: mean perf / baseline perf - 1"},
              {"ndcg_at_k",
               "NDCG@k of the ranking of the held-out configs; relevance = held-out gains "
               "scaled linearly to [0, 4]"},
              {"regret_at_k",
               "1 - (best measured gain among the top k) / (best held-out gain), >= 0; "
               "0 when no held-out config beats the baseline"},
              {"hit_at_k", "1 when regret@k <= hit_tolerance"},
              {"spearman", "rank correlation of the ranking scores with the measured gains"},
              {"ci", "percentile bootstrap over workloads (resampling unit: workload)"},
              {"random", "random order of the held-out configs, mean over seeded draws"},
              {"baseline_config", "always recommend the baseline config (gain 0): a list of one"},
              {"nearest_workload_best",
               "held-out configs in the order of the nearest training workload that measured them "
               "(scaled feature distance), best measured gain there first"},
              {"lift",
               "model minus baseline strategy per workload, positive = model better (regret: "
               "baseline regret - model regret), paired bootstrap CI"}};
}

/// One evaluated workload: its scores per strategy and, for held-out workloads, what
/// deployment recommended for it.
Json WorkloadEvaluationJson(const state::StudyState& st, const eval::WorkloadEval& e) {
  Json w;
  w["workload"] = e.id;
  w["train_configs"] = e.n_train;
  w["heldout_configs"] = e.n_heldout;
  w["best_heldout_gain"] = Num(e.best_heldout_gain);
  w["model"] = ScoreJson(e.model);
  w["random"] = ScoreJson(e.random);
  w["baseline_config"] = ScoreJson(e.baseline);
  w["nearest_workload_best"] = ScoreJson(e.nearest);
  if (e.deployment) {
    Json d;
    d["neighbors"] = e.deployment->neighbors;
    d["recommended"] = Json::array();
    for (const auto& c : e.deployment->recommended)
      d["recommended"].push_back(space::ConfigJson(st.space(), c));
    d["measured_on_workload"] = e.deployment->measured;
    d["best_measured_gain"] =
        e.deployment->best_measured_gain ? Num(*e.deployment->best_measured_gain) : Json(nullptr);
    d["regret"] = e.deployment->regret ? Num(*e.deployment->regret) : Json(nullptr);
    w["deployment"] = std::move(d);
  }
  return w;
}

Json EvaluationReportJson(const config::StudyConfig& cfg, const state::StudyState& st,
                          const eval::EvalResult& ev) {
  Json j;
  j["split_mode"] = eval::ToString(ev.split);
  j["settings"] = EvaluationSettingsJson(cfg, ev.params);
  j["definitions"] = EvaluationDefinitionsJson();
  j["training_rows"] = ev.train_rows;
  if (ev.split == eval::Split::kPatterns) j["heldout_workloads"] = ev.heldout_workloads;
  if (ev.split == eval::Split::kTemporal) j["temporal_heldout_after_iteration"] = ev.temporal_cut;
  j["workloads_total"] = st.num_workloads();
  j["workloads_evaluated"] = ev.workloads.size();
  j["workloads_skipped"] = ev.skipped.size();
  j["skipped"] = Json::array();
  for (const auto& s : ev.skipped) {
    j["skipped"].push_back(
        {{"workload", s.id}, {"heldout_configs", s.n_heldout}, {"reason", s.reason}});
  }
  j["workloads_without_positive_gain"] = ev.workloads_without_positive_gain;
  Json agg;
  agg["model"] = AggregateJson(ev.model);
  agg["random"] = AggregateJson(ev.random);
  agg["baseline_config"] = AggregateJson(ev.baseline);
  agg["nearest_workload_best"] = AggregateJson(ev.nearest);
  j["aggregate"] = std::move(agg);
  Json lift;
  for (const auto& l : ev.lifts) {
    lift[l.over] = Json{{"ndcg_at_k", IntervalJson(l.ndcg)},
                        {"regret_at_k", IntervalJson(l.regret)},
                        {"hit_at_k", IntervalJson(l.hit)}};
  }
  j["lift"] = std::move(lift);
  if (ev.split == eval::Split::kPatterns) {
    j["deployment_regret"] = ev.deploy_regret ? IntervalJson(*ev.deploy_regret) : Json(nullptr);
  }
  Json per = Json::array();
  for (const auto& e : ev.workloads) per.push_back(WorkloadEvaluationJson(st, e));
  j["per_workload"] = std::move(per);
  return j;
}

Json ContributionReportJson(const eval::ContributionReport& c) {
  Json j;
  j["definitions"] = Json{
      {"gain", "relative gain over the workload's baseline: mean perf / baseline perf - 1"},
      {"warm", "baseline and warm-start configs"},
      {"active", "configs first measured by the active loop (replicates count as active)"},
      {"topk_active_share",
       "share of the final top-k (robust score order) first found by active trials"},
      {"first_active_beat_iteration", "first iteration whose new config beat the best warm gain"},
      {"mean_gain_per_trial", "mean relative gain of the successful trials of the phase"},
      {"improvement_per_trial",
       "warm: best warm gain / warm trials; active: (best overall - best "
       "warm) / active trials"}};
  Json o;
  o["mean_best_warm_gain"] = Num(c.mean_best_warm_gain);
  o["mean_best_overall_gain"] = Num(c.mean_best_overall_gain);
  o["mean_active_improvement"] = Num(c.mean_active_improvement);
  o["topk_active_share"] = Num(c.topk_active_share);
  o["workloads_active_beat_warm"] = c.workloads_active_beat_warm;
  o["workloads"] = c.workloads.size();
  o["median_first_active_beat_iteration"] = Num(c.median_first_beat_iteration);
  o["warm_trials"] = c.warm_trials;
  o["active_trials"] = c.active_trials;
  o["warm_mean_gain_per_trial"] = Num(c.warm_mean_gain_per_trial);
  o["active_mean_gain_per_trial"] = Num(c.active_mean_gain_per_trial);
  o["warm_improvement_per_trial"] = Num(c.warm_improvement_per_trial);
  o["active_improvement_per_trial"] = Num(c.active_improvement_per_trial);
  j["overall"] = std::move(o);
  Json per = Json::array();
  for (const auto& w : c.workloads) {
    per.push_back(Json{
        {"workload", w.id},
        {"best_warm_gain", Num(w.best_warm_gain)},
        {"best_active_gain", Num(w.best_active_gain)},
        {"active_improvement", Num(w.active_improvement)},
        {"top_k", w.top_k},
        {"topk_active_share", Num(w.topk_active_share)},
        {"first_active_beat_iteration",
         w.first_active_beat_iteration >= 0 ? Json(w.first_active_beat_iteration) : Json(nullptr)},
        {"warm_trials", w.warm_trials},
        {"active_trials", w.active_trials},
        {"warm_mean_gain_per_trial", Num(w.warm_mean_gain_per_trial)},
        {"active_mean_gain_per_trial", Num(w.active_mean_gain_per_trial)},
        {"warm_improvement_per_trial", Num(w.warm_improvement_per_trial)},
        {"active_improvement_per_trial", Num(w.active_improvement_per_trial)}});
  }
  j["per_workload"] = std::move(per);
  return j;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

namespace {

/// The real runner's fidelity records, from <out>/trials/<workload>/<trial id>/.
std::vector<runner::WorkloadFidelity> TrialFidelity(const std::filesystem::path& out,
                                                    const loop::StudyResult& res) {
  std::vector<std::pair<std::string, std::string>> trials;
  for (const auto& t : res.state.trials()) {
    const std::string& id = res.state.workload_set().workloads[t.workload].id;
    trials.emplace_back(
        id, (out / "trials" / runner::SafeDirName(id) / std::to_string(t.trial_id)).string());
  }
  return runner::SummarizeFidelity(trials);
}

}  // namespace

std::vector<std::string> WriteEvaluationOutputs(const std::filesystem::path& out,
                                                const config::StudyConfig& cfg,
                                                const loop::StudyResult& res,
                                                const std::vector<OnboardedRow>& onboarded) {
  std::vector<std::string> warnings;
  const eval::ContributionReport contribution =
      eval::ComputeContribution(res.state, static_cast<size_t>(std::max(1, cfg.contribution.top_k)),
                                cfg.active.robust_score_z);
  Json contribution_json = ContributionReportJson(contribution);
  AddReferenceContributionFields(
      contribution_json, res.state,
      eval::ComputeReferenceContribution(res.state,
                                         static_cast<size_t>(std::max(1, cfg.contribution.top_k))));
  core::WriteFileAtomic(out / "contribution_report.json", contribution_json.dump(2) + "\n");
  std::optional<eval::EvalResult> ev;
  Json evaluation_json = DisabledEvaluationJson();
  if (cfg.evaluation.enabled) {
    core::Rng rng(cfg.seed, "evaluation");
    ev = eval::Evaluate(res.state, res.matrix, EvalParamsFrom(cfg), rng);
    evaluation_json = EvaluationReportJson(cfg, res.state, *ev);
    AddReferenceEvaluationFields(evaluation_json, cfg, res.state, *ev);
  }
  core::WriteFileAtomic(out / "evaluation_report.json", evaluation_json.dump(2) + "\n");
  ReportContent content;
  content.cfg = &cfg;
  content.res = &res;
  content.evaluation = ev ? &*ev : nullptr;
  content.contribution = &contribution;
  content.onboarded = onboarded;
  if (cfg.runner.mode == config::RunnerMode::kReal) content.fidelity = TrialFidelity(out, res);
  if (cfg.reporting.plots) content.plots = WriteReportPlots(out, content, warnings);
  if (cfg.reporting.write_markdown_summary) {
    core::WriteFileAtomic(out / "summary.md", SummaryMarkdown(content));
  }
  core::WriteFileAtomic(out / "report.html", ReportHtml(content, out));
  return warnings;
}

}  // namespace iorec::report
