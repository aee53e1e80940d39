// summary.md and report.html: one document model rendered twice, so both say the same.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string_view>

#include "iorec/apply/describe.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/report/evaluation_outputs.hpp"
#include "iorec/report/study_insights.hpp"

namespace iorec::report {
namespace {

namespace fs = std::filesystem;

struct Block {
  enum class Kind { kHeading, kPara, kList, kTable, kPlot };
  Kind kind = Kind::kPara;
  int level = 2;
  std::string text;
  std::vector<std::string> items;  ///< list items / table header
  std::vector<std::vector<std::string>> rows;
  PlotRef plot;
};

std::string Fmt(const char* f, double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
/// Rounds values that would print as "-0.0..." to zero.
double Clean(double v, double half_ulp) { return std::abs(v) < half_ulp ? 0.0 : v; }
std::string Pct(double v) { return Fmt("%+.1f%%", Clean(100.0 * v, 0.05)); }
std::string Perf(double v) { return Fmt("%.4g", v); }
std::string F3(double v) { return Fmt("%.3f", Clean(v, 5e-4)); }
std::string Ci(const eval::Interval& i) {
  if (i.n == 0) return "n/a";
  return F3(i.estimate) + " [" + F3(i.lo) + ", " + F3(i.hi) + "]";
}

/// Knobs that differ from the baseline, "name=value, ..."; "baseline" when none.
std::string Changes(const space::Space& space, const space::Config& base, const space::Config& c) {
  std::string s;
  for (size_t k = 0; k < space.num_knobs(); ++k) {
    if (c[k] == base[k]) continue;
    if (!s.empty()) s += ", ";
    s += space.knobs()[k].name + "=" + space.Value(c, k).text();
  }
  return s.empty() ? "baseline" : s;
}

/// "2,934 MiB/s" for a perf, in the metric's units and direction.
std::string MetricText(state::Perf p, const deploy::MetricInfo& m) {
  return apply::WithUnit(state::MetricFromPerf(p, m.direction), m);
}

/// The best measured value per workload after the warm start and after each active
/// iteration (at most the last 5 columns of iterations), in the metric's units.
void BestMeasuredSection(std::vector<Block>& doc, const ReportContent& c) {
  const auto& st = c.res->state;
  const auto metric = MetricOf(*c.cfg, st);
  const auto best = BestPerfByIteration(st);
  doc.push_back({Block::Kind::kHeading, 2, "Best measured so far", {}, {}, {}});
  doc.push_back({Block::Kind::kPara,
                 0,
                 "The best mean " + (metric.name.empty() ? std::string("metric") : metric.name) +
                     " measured on each workload by the end of each phase: the learning curve in "
                     "the metric's own units" +
                     (metric.direction == state::Direction::kMinimize ? " (lower is better)" : "") +
                     ". It is what the study actually found, whatever the regret/hit curves say.",
                 {},
                 {},
                 {}});
  std::vector<std::string> header{"workload", "baseline", "warm start"};
  const size_t iters = best.size() - 1;
  const size_t first = iters > 5 ? iters - 4 : 1;
  for (size_t t = first; t <= iters; ++t) header.push_back("iteration " + std::to_string(t));
  std::vector<std::vector<std::string>> rows;
  for (size_t w = 0; w < st.num_workloads(); ++w) {
    const auto& rec = st.record(w);
    std::vector<std::string> row{st.workload_set().workloads[w].id,
                                 rec.has_baseline() ? MetricText(rec.baseline, metric) : "n/a"};
    auto cell = [&](size_t t) { return best[t][w] ? MetricText(*best[t][w], metric) : "n/a"; };
    row.push_back(cell(0));
    for (size_t t = first; t <= iters; ++t) row.push_back(cell(t));
    rows.push_back(std::move(row));
  }
  doc.push_back({Block::Kind::kTable, 0, "", std::move(header), std::move(rows), {}});
}

/// The study's run-to-run spread and, per workload, whether its top configs are told apart.
void NoiseSection(std::vector<Block>& doc, const ReportContent& c) {
  const StudyNoise sn = NoiseOfStudy(c.res->state, c.res->matrix);
  doc.push_back({Block::Kind::kHeading, 2, "Run-to-run noise", {}, {}, {}});
  std::string text;
  if (!sn.noise.known()) {
    text =
        "No config was measured twice, so the run-to-run spread is unknown: configs a few "
        "percent apart may differ by noise alone. Turn on active.replicate_top_n (with "
        "replicate_repeats) to replicate the finalists.";
  } else {
    text = "Runs of one config varied by a median " + Fmt("%.1f%%", 100 * sn.noise.Median()) +
           " (relative standard deviation over " + std::to_string(sn.noise.relative_std.size()) +
           " replicated configs, up to " + Fmt("%.1f%%", 100 * sn.noise.Max()) + "; pooled " +
           Fmt("%.1f%%", 100 * sn.noise.pooled) +
           "). A top config within noise of the next is a tie: either is a good choice.";
  }
  doc.push_back({Block::Kind::kPara, 0, std::move(text), {}, {}, {}});
  if (!sn.noise.known()) return;
  std::vector<std::vector<std::string>> rows;
  for (const auto& w : sn.workloads) {
    std::string within, apart;
    double threshold = 0.0;
    for (const auto& r : w.compared) {
      std::string& into = r.within ? within : apart;
      into += (into.empty() ? "#" : " and #") + std::to_string(r.rank) + " (" +
              Pct(-r.difference / (1.0 + r.difference)) + ")";
      if (r.within) threshold = std::max(threshold, r.threshold);
    }
    std::string tie = within.empty() ? ""
                                     : within + " within noise of #1 (it can hide " +
                                           Fmt("%.1f%%", 100 * threshold) + "): a tie";
    if (!apart.empty())
      tie += (tie.empty() ? "" : "; ") + apart + " behind #1 by more than the noise";
    if (tie.empty()) tie = "-";
    rows.push_back({w.workload, std::to_string(w.top_runs),
                    w.top_relative_std ? Fmt("%.1f%%", 100 * *w.top_relative_std) : "-", tie});
  }
  doc.push_back({Block::Kind::kTable,
                 0,
                 "",
                 {"workload", "runs of #1", "spread of #1", "#2 and #3 against #1 and the noise"},
                 std::move(rows),
                 {}});
}

/// Appends blocks to a report document.
struct DocWriter {
  std::vector<Block>& doc;
  void Heading(int level, std::string t) {
    doc.push_back({Block::Kind::kHeading, level, std::move(t), {}, {}, {}});
  }
  void Para(std::string t) { doc.push_back({Block::Kind::kPara, 0, std::move(t), {}, {}, {}}); }
  void List(std::vector<std::string> items) {
    doc.push_back({Block::Kind::kList, 0, "", std::move(items), {}, {}});
  }
  void Table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows) {
    doc.push_back({Block::Kind::kTable, 0, "", std::move(header), std::move(rows), {}});
  }
};

/// Title, what the study was, and its warnings.
void OverviewSection(std::vector<Block>& doc, const ReportContent& c) {
  DocWriter out{doc};
  const auto& cfg = *c.cfg;
  const auto& res = *c.res;
  const auto& st = c.res->state;
  const auto& ws = c.res->state.workload_set();
  const auto& space = c.cfg->space;
  out.Heading(1, "iorec study report");
  out.Para(std::to_string(ws.size()) + " workloads, " + std::to_string(space.num_knobs()) +
           " knobs (" + std::to_string(space.Size()) + " configurations), " +
           std::to_string(st.trials().size()) + " trials in " +
           std::to_string(res.iterations_run()) + " active iterations (" + res.stop_reason +
           "). Seed " + std::to_string(cfg.seed) + ", runner " + config::ToString(cfg.runner.mode) +
           ", model " + config::ToString(cfg.model.mode) + "." +
           (IsSynthetic(cfg) ? " These results come from the synthetic stub testbed (runner.mode: "
                               "stub): modelled performance, not measurements."
                             : ""));

  if (!res.warnings.empty()) {
    out.Heading(2, "Warnings");
    out.List(res.warnings);
  }
}

/// The few numbers a reader looks for first.
void KeyResultsSection(std::vector<Block>& doc, const ReportContent& c) {
  DocWriter out{doc};
  const auto& res = *c.res;
  std::vector<std::string> key;
  double sum_gain = 0.0;
  size_t n_gain = 0;
  for (size_t w = 0; w < res.matrix.size(); ++w) {
    if (res.matrix.top[w].empty()) continue;
    sum_gain += res.matrix.MeanGain(w, res.matrix.top[w].front()).value;
    ++n_gain;
  }
  if (n_gain)
    key.push_back(
        "Mean gain of the recommended config over the baseline: " + Pct(sum_gain / n_gain) + ".");
  if (c.evaluation && !c.evaluation->workloads.empty()) {
    const auto& ev = *c.evaluation;
    const std::string k = std::to_string(ev.params.top_k);
    key.push_back(std::string("Held-out (") + eval::ToString(ev.split) + "): NDCG@" + k + " " +
                  Ci(ev.model.ndcg) + " vs random " + F3(ev.random.ndcg.estimate) + "; regret@" +
                  k + " " + Ci(ev.model.regret) + " vs nearest-workload copy " +
                  F3(ev.nearest.regret.estimate) + " (mean [CI], " +
                  std::to_string(ev.workloads.size()) + " workloads).");
  }
  const auto& ct = *c.contribution;
  key.push_back("Active learning raised the mean best gain from " + Pct(ct.mean_best_warm_gain) +
                " (warm start) to " + Pct(ct.mean_best_overall_gain) +
                "; it beat the warm best on " + std::to_string(ct.workloads_active_beat_warm) +
                " of " + std::to_string(ct.workloads.size()) + " workloads.");
  if (!MetricsAgainstTruth(res)) key.push_back(MetricsReferenceNote(false));
  out.Heading(2, "Key results");
  out.List(std::move(key));
}

/// The space, the baseline and the loop settings.
void SetupSection(std::vector<Block>& doc, const ReportContent& c) {
  DocWriter out{doc};
  const auto& cfg = *c.cfg;
  const auto& res = *c.res;
  const auto& space = c.cfg->space;
  out.Heading(2, "Setup");
  std::vector<std::string> setup;
  for (const auto& k : space.knobs()) {
    std::string v;
    for (const auto& val : k.values) v += (v.empty() ? "" : ", ") + val.text();
    setup.push_back(k.name + ": " + v);
  }
  setup.push_back("Baseline: " + space.Describe(cfg.baseline));
  setup.push_back("Warm start: " + std::to_string(res.warm.configs.size()) +
                  " configs per workload (" + std::to_string(res.warm.num_anchors) +
                  " anchors), pairwise coverage " + Fmt("%.1f%%", res.warm.coverage.percent()));
  setup.push_back("Active learning: " + std::to_string(cfg.active.iterations) + " iterations x " +
                  std::to_string(cfg.active.batch_per_iter) + " configs per workload, surrogate " +
                  (cfg.model.local_gp
                       ? std::string("per-workload Gaussian processes")
                       : "tree ensemble of " + std::to_string(cfg.active.ensemble_size)) +
                  ", explore " + config::ToString(cfg.active.explore_mode) + ", replicates " +
                  std::to_string(cfg.active.replicate_top_n) + " x " +
                  std::to_string(cfg.active.replicate_repeats));
  setup.push_back(std::string("Runner noise (relative stddev): ") +
                  Fmt("%.3g", cfg.runner.noise_std));
  out.List(std::move(setup));
}

/// Runs per phase, failures and their shares.
void TrialCountsSection(std::vector<Block>& doc, const ReportContent& c) {
  DocWriter out{doc};
  const auto& st = c.res->state;
  const auto& ws = c.res->state.workload_set();
  size_t n_failed = 0;
  for (const auto& t : st.trials()) n_failed += !t.ok;
  out.Heading(2, "Coverage and trial counts");
  const double nw = std::max<size_t>(1, ws.size());
  std::vector<std::vector<std::string>> phase_rows;
  for (const auto& p : RunsByPhase(st)) {
    phase_rows.push_back({p.phase == "warm_start" ? "warm start" : p.phase, std::to_string(p.runs),
                          Fmt("%.1f", p.runs / nw), Fmt("%.0f%%", 100 * p.share)});
  }
  phase_rows.push_back(
      {"failed (of the above)", std::to_string(n_failed), Fmt("%.1f", n_failed / nw),
       Fmt("%.0f%%", st.trials().empty() ? 0.0 : 100.0 * n_failed / st.trials().size())});
  phase_rows.push_back(
      {"all", std::to_string(st.trials().size()), Fmt("%.1f", st.trials().size() / nw), "100%"});
  out.Table({"trials", "total", "per workload", "share of runs"}, std::move(phase_rows));
}

/// Baseline, best found, gain and top-3 per workload.
void PerWorkloadSection(std::vector<Block>& doc, const ReportContent& c) {
  DocWriter out{doc};
  const auto& cfg = *c.cfg;
  const auto& res = *c.res;
  const auto& st = c.res->state;
  const auto& ws = c.res->state.workload_set();
  const auto& space = c.cfg->space;
  out.Heading(2, "Per-workload results");
  out.Para("Best found = the top config by robust score (mean - " +
           Fmt("%.3g", cfg.active.robust_score_z) +
           " x std over replicates); gain = best / baseline - 1" +
           (st.direction() == state::Direction::kMinimize
                ? std::string(" on the perf scale (objective: minimize, perf = 1 / metric), so a "
                              "run twice as fast is +100%; perfs are shown as measured")
                : std::string()) +
           ". The top-3 lists only the knobs changed from the baseline.");
  auto metric = [&](state::Perf p) { return Perf(state::MetricFromPerf(p, st.direction())); };
  std::vector<std::vector<std::string>> rows;
  for (size_t w = 0; w < ws.size(); ++w) {
    const auto& record = st.record(w);
    const auto* top = w < res.matrix.size() ? &res.matrix.top[w] : nullptr;
    std::string base = record.has_baseline() ? metric(record.baseline) : "n/a";
    if (record.baseline_source == state::BaselineSource::kMedianWarm) base += " (median warm)";
    std::string best = "n/a", gain = "n/a", rec;
    if (top && !top->empty()) {
      best = metric(top->front().mean_perf);
      gain = Pct(res.matrix.MeanGain(w, top->front()).value);
      for (size_t i = 0; i < std::min<size_t>(3, top->size()); ++i) {
        rec += (i ? "\n" : "") + std::to_string(i + 1) + ". " +
               Changes(space, cfg.baseline, (*top)[i].config);
      }
    }
    rows.push_back({ws.workloads[w].id, base, best, gain, rec});
  }
  out.Table({"workload", "baseline perf", "best found", "gain", "recommended top-3"},
            std::move(rows));
}

/// How far real trials were from their workloads' features.
void FidelitySection(std::vector<Block>& doc, const ReportContent& c) {
  DocWriter out{doc};
  if (!c.fidelity.empty()) {
    out.Heading(2, "Does the testbed reproduce the application? Fidelity");
    out.Para(
        "For each real trial, the features of its own Darshan log against the workload's "
        "target features: the largest absolute difference over the pct_* fractions, over all "
        "of the workload's trials. Above " +
        Fmt("%.2f", runner::kFidelityTolerance) +
        " the synthesized run does not reproduce the application well in that respect, and its "
        "recommendations deserve less trust.");
    std::vector<std::vector<std::string>> frows;
    for (const auto& f : c.fidelity) {
      frows.push_back({f.workload, std::to_string(f.trials), Fmt("%.3f", f.max_deviation),
                       f.worst_feature.empty() ? "-" : f.worst_feature,
                       f.flagged ? "FLAGGED" : "ok"});
    }
    out.Table({"workload", "trials", "largest deviation", "in feature", "fidelity"},
              std::move(frows));
  }
}

/// The workloads onboarded after the study (`iorec onboard`): their runs and what they found.
void OnboardedSection(std::vector<Block>& doc, const ReportContent& c) {
  if (c.onboarded.empty()) return;
  DocWriter out{doc};
  const space::Space& space = c.cfg->space;
  out.Heading(2, "New workloads onboarded");
  out.Para(
      "Workloads added after the study with iorec onboard, each tuned in its own runs: the "
      "baseline, the zero-shot picks, then transfer-seeded active learning. The best is the "
      "best measured config when it beat the baseline run beyond the study's noise, else the "
      "baseline; the zero-shot top-1 is what recommend would have said without these runs.");
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : c.onboarded) {
    std::string runs = std::to_string(r.runs) + " / " + std::to_string(r.budget);
    if (r.failed) runs += " (" + std::to_string(r.failed) + " failed)";
    const std::string best = !r.best              ? "- (no baseline run yet)"
                             : r.best_is_baseline ? "baseline"
                                                  : space.Describe(*r.best);
    const std::string gain = r.best ? Pct(r.best_gain) : "-";
    std::string zs = space.Describe(r.zero_shot_top1);
    if (r.zero_shot_weak) zs += " (weak evidence)";
    zs += r.zero_shot_gain ? ", measured " + Pct(*r.zero_shot_gain) : ", not run";
    rows.push_back(
        {r.workload, runs, best, gain, zs, r.best ? std::to_string(r.knobs_moved) : "-"});
  }
  out.Table({"workload", "runs / budget", "best config", "measured gain", "zero-shot top-1",
             "knobs moved"},
            std::move(rows));
}

/// The held-out evaluation, or why there is none.
void EvaluationSection(std::vector<Block>& doc, const ReportContent& c) {
  DocWriter out{doc};
  out.Heading(2, "How good are the recommendations? Held-out evaluation");
  if (!c.evaluation) {
    out.Para("Held-out evaluation is disabled (evaluation.enabled: false).");
  } else {
    const auto& ev = *c.evaluation;
    const auto& p = ev.params;
    std::string split = std::string("Split: ") + eval::ToString(ev.split) + ". ";
    if (ev.split == eval::Split::kPatterns) {
      std::string ids;
      for (const auto& id : ev.heldout_workloads) ids += (ids.empty() ? "" : ", ") + id;
      split += "Whole workloads held out (" + ids + "), treated as unseen. ";
    } else if (ev.split == eval::Split::kTemporal) {
      split += "Configs first measured after iteration " + std::to_string(ev.temporal_cut) +
               " held out. ";
    } else {
      split += Fmt("%.0f%%", 100 * p.holdout_fraction_configs) +
               " of each workload's measured configs held out (never the baseline). ";
    }
    split += "The ensemble was retrained on the " + std::to_string(ev.train_rows) +
             " training rows only, then ranked each workload's held-out configs. k = " +
             std::to_string(p.top_k) + ", hit tolerance " + Fmt("%.3g", p.hit_tolerance) + ", " +
             Fmt("%.0f%%", 100 * p.ci_level) + " percentile bootstrap CIs over workloads (" +
             std::to_string(p.bootstrap_iters) + " resamples). " +
             std::to_string(ev.workloads.size()) + " workloads evaluated, " +
             std::to_string(ev.skipped.size()) + " skipped (fewer than 2 held-out configs).";
    out.Para(split);
    const std::string k = std::to_string(p.top_k);
    auto agg_row = [&](const std::string& name, const eval::StrategyAggregate& a) {
      return std::vector<std::string>{name, Ci(a.ndcg), Ci(a.regret), Ci(a.hit),
                                      a.spearman ? Ci(*a.spearman) : "n/a"};
    };
    out.Table(
        {"strategy", "NDCG@" + k, "regret@" + k + " (lower is better)", "hit@" + k, "Spearman"},
        {agg_row("model (retrained ensemble)", ev.model), agg_row("random order", ev.random),
         agg_row("baseline config", ev.baseline),
         agg_row("copy nearest workload's best", ev.nearest)});
    std::vector<std::vector<std::string>> lift_rows;
    for (const auto& l : ev.lifts)
      lift_rows.push_back({l.over, Ci(l.ndcg), Ci(l.regret), Ci(l.hit)});
    out.Para(
        "Lift of the model over each baseline (model minus baseline per workload; for regret, "
        "the reduction; positive = model better):");
    out.Table({"over", "NDCG@" + k, "regret@" + k + " reduction", "hit@" + k},
              std::move(lift_rows));
    if (ev.split == eval::Split::kPatterns) {
      out.Para(
          "Deployment through the kNN recommender (training workloads only): regret of the "
          "best measured recommended config " +
          (ev.deploy_regret
               ? Ci(*ev.deploy_regret)
               : std::string(
                     "n/a (no recommended config was measured on the held-out workloads)")) +
          ".");
    }
    std::vector<std::vector<std::string>> per;
    for (const auto& e : ev.workloads) {
      per.push_back({e.id, std::to_string(e.n_heldout), Pct(e.best_heldout_gain), F3(e.model.ndcg),
                     F3(e.model.regret), F3(e.model.hit),
                     e.model.spearman ? F3(*e.model.spearman) : "n/a", F3(e.nearest.regret)});
    }
    for (const auto& s : ev.skipped) {
      per.push_back(
          {s.id, std::to_string(s.n_heldout), "skipped: " + s.reason, "", "", "", "", ""});
    }
    out.Table({"workload", "held out", "best held-out gain", "NDCG@" + k, "regret@" + k, "hit@" + k,
               "Spearman", "nearest-copy regret@" + k},
              std::move(per));
  }
}

/// What the active loop added over the warm start.
void ContributionSection(std::vector<Block>& doc, const ReportContent& c) {
  DocWriter out{doc};
  out.Heading(2, "Did active learning pay off? Contribution");
  const auto& ct = *c.contribution;
  out.Para("Over " + std::to_string(ct.workloads.size()) +
           " workloads the warm start reached a mean best gain of " + Pct(ct.mean_best_warm_gain) +
           "; with the active loop it is " + Pct(ct.mean_best_overall_gain) +
           " (mean improvement " + Pct(ct.mean_active_improvement) +
           "). Active search beat the warm best on " +
           std::to_string(ct.workloads_active_beat_warm) + " workloads (median first iteration " +
           Fmt("%.1f", ct.median_first_beat_iteration) + "); " +
           Fmt("%.0f%%", 100 * ct.topk_active_share) +
           " of the final top-k came from active trials. Mean gain per trial: warm " +
           Pct(ct.warm_mean_gain_per_trial) + " over " + std::to_string(ct.warm_trials) +
           " trials, active " + Pct(ct.active_mean_gain_per_trial) + " over " +
           std::to_string(ct.active_trials) + " trials.");
  std::vector<std::vector<std::string>> crow;
  for (const auto& w : ct.workloads) {
    crow.push_back({w.id, Pct(w.best_warm_gain), Pct(w.best_active_gain), Pct(w.active_improvement),
                    Fmt("%.0f%%", 100 * w.topk_active_share),
                    w.first_active_beat_iteration >= 0
                        ? std::to_string(w.first_active_beat_iteration)
                        : "never",
                    Pct(w.warm_mean_gain_per_trial), Pct(w.active_mean_gain_per_trial)});
  }
  out.Table({"workload", "best warm gain", "best active gain", "improvement", "top-k from active",
             "first beat (iteration)", "mean gain/trial warm", "mean gain/trial active"},
            std::move(crow));
}

/// The plots written beside the report.
void PlotsSection(std::vector<Block>& doc, const ReportContent& c) {
  DocWriter out{doc};
  out.Heading(2, "Plots");
  if (c.plots.empty()) out.Para("No plots (reporting.plots: false, or gnuplot unavailable).");
  for (const auto& p : c.plots) doc.push_back({Block::Kind::kPlot, 0, "", {}, {}, p});
}

std::vector<Block> BuildDocument(const ReportContent& c) {
  std::vector<Block> doc;
  OverviewSection(doc, c);
  KeyResultsSection(doc, c);
  SetupSection(doc, c);
  TrialCountsSection(doc, c);
  PerWorkloadSection(doc, c);
  BestMeasuredSection(doc, c);
  NoiseSection(doc, c);
  FidelitySection(doc, c);
  OnboardedSection(doc, c);
  EvaluationSection(doc, c);
  ContributionSection(doc, c);
  PlotsSection(doc, c);
  return doc;
}

/// `s` as inline Markdown that renders as exactly these characters: names and values
/// (workload ids, knob values) reach summary.md, and none may become HTML, a link, code or
/// emphasis. `<`, `>` and `&` become entities; Markdown punctuation gets a backslash (`_` only
/// where it could open or close emphasis, so `stripe_count` stays readable); a line break
/// becomes `line_break`.
std::string MdInline(const std::string& s, const char* line_break) {
  const auto alnum = [&](size_t i) {
    return i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) != 0);
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    switch (ch) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\\':
      case '`':
      case '*':
      case '[':
      case ']':
      case '~':
      case '|':
        out += '\\';
        out += ch;
        break;
      case '_':
        if (!(i > 0 && alnum(i - 1) && alnum(i + 1))) out += '\\';
        out += ch;
        break;
      case '\r':
        break;
      case '\n':
        out += line_break;
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/// A table cell: inline, its line breaks kept as <br>.
std::string MdCell(const std::string& s) { return MdInline(s, "<br>"); }

/// A heading's, paragraph's or list item's text on one line that cannot start a block of its
/// own ("# x", "- x", "+ x", "= x" as a setext underline, "12. x", "12) x").
std::string MdText(const std::string& s) {
  std::string out = MdInline(s, " ");
  size_t digits = 0;
  while (digits < out.size() && std::isdigit(static_cast<unsigned char>(out[digits])) != 0) {
    ++digits;
  }
  if (digits > 0 && digits < out.size() && (out[digits] == '.' || out[digits] == ')')) {
    out.insert(digits, "\\");
  } else if (!out.empty() && std::string_view("#-+=").find(out[0]) != std::string_view::npos) {
    out.insert(0, "\\");
  }
  return out;
}

std::string Html(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

constexpr const char* kCss = R"(
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2933;background:#f5f7fa;margin:0}
main{max-width:1180px;margin:0 auto;padding:24px 32px 64px;background:#fff;box-shadow:0 0 12px rgba(0,0,0,.06)}
h1{font-size:28px;margin:8px 0 4px;color:#102a43}
h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid #d9e2ec;color:#243b53}
p{margin:8px 0}
ul{margin:6px 0;padding-left:22px}
table{border-collapse:collapse;margin:10px 0 18px;font-size:13px;width:100%}
th,td{border:1px solid #d9e2ec;padding:4px 8px;text-align:left;vertical-align:top;white-space:pre-line}
th{background:#f0f4f8;font-weight:600}
tr:nth-child(even) td{background:#fafbfc}
td:not(:first-child){font-variant-numeric:tabular-nums}
figure{margin:18px 0;text-align:center}
figure img{max-width:100%;border:1px solid #e4e7eb;border-radius:4px}
figcaption{font-size:13px;color:#52606d;margin-top:4px}
.missing{color:#b44;font-style:italic}
footer{margin-top:40px;font-size:12px;color:#829ab1}
)";

}  // namespace

std::string SummaryMarkdown(const ReportContent& content) {
  std::ostringstream md;
  for (const auto& b : BuildDocument(content)) {
    switch (b.kind) {
      case Block::Kind::kHeading:
        md << std::string(static_cast<size_t>(b.level), '#') << ' ' << MdText(b.text) << "\n\n";
        break;
      case Block::Kind::kPara:
        md << MdText(b.text) << "\n\n";
        break;
      case Block::Kind::kList:
        for (const auto& i : b.items) md << "- " << MdText(i) << '\n';
        md << '\n';
        break;
      case Block::Kind::kTable:
        md << '|';
        for (const auto& h : b.items) md << ' ' << MdCell(h) << " |";
        md << "\n|";
        for (size_t i = 0; i < b.items.size(); ++i) md << (i ? "---:|" : "---|");
        md << '\n';
        for (const auto& r : b.rows) {
          md << '|';
          for (const auto& cell : r) md << ' ' << MdCell(cell) << " |";
          md << '\n';
        }
        md << '\n';
        break;
      case Block::Kind::kPlot:
        md << "- [" << MdText(b.plot.caption) << "](" << b.plot.file << ")\n\n  !["
           << MdText(b.plot.caption) << "](" << b.plot.file << ")\n\n";
        break;
    }
  }
  return md.str();
}

std::string ReportHtml(const ReportContent& content, const fs::path& out_dir) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>iorec study report</title>\n<style>" << kCss
    << "</style>\n</head>\n<body>\n<main>\n";
  for (const auto& b : BuildDocument(content)) {
    switch (b.kind) {
      case Block::Kind::kHeading:
        h << "<h" << b.level << '>' << Html(b.text) << "</h" << b.level << ">\n";
        break;
      case Block::Kind::kPara:
        h << "<p>" << Html(b.text) << "</p>\n";
        break;
      case Block::Kind::kList:
        h << "<ul>\n";
        for (const auto& i : b.items) h << "<li>" << Html(i) << "</li>\n";
        h << "</ul>\n";
        break;
      case Block::Kind::kTable:
        h << "<table>\n<thead><tr>";
        for (const auto& c : b.items) h << "<th>" << Html(c) << "</th>";
        h << "</tr></thead>\n<tbody>\n";
        for (const auto& r : b.rows) {
          h << "<tr>";
          for (const auto& c : r) h << "<td>" << Html(c) << "</td>";
          h << "</tr>\n";
        }
        h << "</tbody>\n</table>\n";
        break;
      case Block::Kind::kPlot: {
        h << "<figure>";
        std::string png;
        try {
          png = core::ReadFile(out_dir / b.plot.file);
        } catch (const std::exception&) {
        }
        if (png.empty()) {
          h << "<p class=\"missing\">plot not rendered: " << Html(b.plot.file) << "</p>";
        } else {
          h << "<img alt=\"" << Html(b.plot.caption) << "\" src=\"data:image/png;base64,"
            << Base64(png) << "\">";
        }
        h << "<figcaption>" << Html(b.plot.caption) << "</figcaption></figure>\n";
        break;
      }
    }
  }
  h << "<footer>Generated by iorec " << IOREC_VERSION
    << ". Data: summary.json, evaluation_report.json, contribution_report.json, "
       "recommendation_matrix.json, observations.csv.</footer>\n</main>\n</body>\n</html>\n";
  return h.str();
}

}  // namespace iorec::report
