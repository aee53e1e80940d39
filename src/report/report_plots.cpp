// The extra report plots. Each leaves <stem>.dat, <stem>.gp and <stem>.png in plots/.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "iorec/core/file_io.hpp"
#include "iorec/eval/bootstrap.hpp"
#include "iorec/report/evaluation_outputs.hpp"
#include "iorec/report/plot.hpp"
#include "iorec/report/study_insights.hpp"

namespace iorec::report {
namespace {

namespace fs = std::filesystem;

std::string Q(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string DQ(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? '_' : c;
  return out + "\"";
}

std::string N(double v) {
  if (!std::isfinite(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.8g", v);
  return buf;
}

/// Writes data and script, renders; on success appends the plot to `plots`.
void Emit(const fs::path& dir, const std::string& stem, const std::string& dat,
          const std::string& body, int width, int height, const std::string& caption,
          std::vector<PlotRef>& plots, std::vector<std::string>& warnings) {
  std::ostringstream gp;
  gp << "# Rendered by iorec; re-run with: gnuplot " << stem << ".gp\n"
     << "if (!exists(\"out\")) out = " << Q(stem + ".png") << "\n"
     << "set terminal pngcairo noenhanced size " << width << "," << height << " font 'sans,10'\n"
     << "set output out\n"
     << "set datafile missing 'NaN'\n"
     << body;
  core::WriteFileAtomic(dir / (stem + ".dat"), dat);
  core::WriteFileAtomic(dir / (stem + ".gp"), gp.str());
  const std::string w = RenderGnuplot(dir, stem);
  if (!w.empty()) {
    warnings.push_back(w);
    return;
  }
  plots.push_back({"plots/" + stem + ".png", caption});
}

/// Per workload, best mean relative gain over configs measured in iterations <= t.
std::vector<std::vector<double>> BestGainByIteration(const ReportContent& c) {
  const auto& st = c.res->state;
  std::vector<std::vector<double>> out;
  for (const auto& row : BestPerfByIteration(st)) {
    std::vector<double> gains(row.size(), NAN);
    for (size_t w = 0; w < row.size(); ++w) {
      if (row[w] && st.record(w).has_baseline()) gains[w] = st.record(w).Gain(*row[w]).value;
    }
    out.push_back(std::move(gains));
  }
  return out;
}

void LearningCurve(const fs::path& dir, const ReportContent& c, std::vector<PlotRef>& plots,
                   std::vector<std::string>& warnings) {
  const auto& cfg = *c.cfg;
  const auto best = BestGainByIteration(c);
  std::ostringstream dat;
  dat << "# runs_per_workload\tmean_best_gain_pct\tci_lo_pct\tci_hi_pct\titeration\n";
  const core::Rng rng(cfg.seed, "report_learning_curve");
  for (size_t t = 0; t < best.size(); ++t) {
    std::vector<double> v;
    for (double g : best[t]) {
      if (std::isfinite(g)) v.push_back(100.0 * g);
    }
    core::Rng r = rng.Fork(static_cast<uint64_t>(t));
    const auto ci =
        eval::BootstrapMeanCi(v, cfg.evaluation.bootstrap_iters, cfg.evaluation.ci_level, r);
    const double x = t < c.res->history.size() ? c.res->history[t].runs_per_workload : NAN;
    dat << N(x) << '\t' << N(ci.estimate) << '\t' << N(ci.lo) << '\t' << N(ci.hi) << '\t' << t
        << '\n';
  }
  size_t reps = 0;
  for (const auto& t : c.res->state.trials()) reps += t.source == state::Source::kReplicate;
  const int level = static_cast<int>(std::lround(100 * cfg.evaluation.ci_level));
  std::ostringstream gp;
  gp << "set title "
     << Q("Best gain so far (mean over workloads) vs runs" +
          std::string(reps ? ", replicated finalists" : "") + SyntheticTag(cfg))
     << "\n"
     << "set xlabel 'runs per workload'\nset ylabel 'best relative gain over baseline (%)'\n"
     << "set grid\nset key left top\n"
     << "plot 'learning_curve.dat' using 1:3:4 with filledcurves fc rgb '#c6dbef' fs solid 0.6 "
     << "title " << Q(std::to_string(level) + "% bootstrap CI over workloads") << ", \\\n"
     << "     '' using 1:2 with linespoints lw 2 pt 7 lc rgb '#08519c' title 'mean best gain'\n";
  Emit(dir, "learning_curve", dat.str(), gp.str(), 900, 540,
       "Learning curve: mean best gain so far with a bootstrap CI band over workloads", plots,
       warnings);
}

/// Small multiples: one panel per workload, its best measured metric so far over its trials
/// (metric units) against its baseline.
void BestMeasuredPerWorkload(const fs::path& dir, const ReportContent& c,
                             std::vector<PlotRef>& plots, std::vector<std::string>& warnings) {
  const auto& st = c.res->state;
  const size_t nw = st.num_workloads();
  if (nw == 0) return;
  const auto metric = MetricOf(*c.cfg, st);
  std::ostringstream dat;
  dat << "# one block per workload (gnuplot index = workload order): trial, best so far, "
         "baseline, in the metric's units\n";
  const auto best = BestPerfByTrial(st);
  std::vector<std::ostringstream> blocks(nw);
  for (size_t w = 0; w < nw; ++w) {
    const auto& rec = st.record(w);
    const std::string base =
        rec.has_baseline() ? N(state::MetricFromPerf(rec.baseline, st.direction())) : "NaN";
    for (size_t i = 0; i < best[w].size(); ++i) {
      const auto& b = best[w][i];
      blocks[w] << i + 1 << '\t' << (b ? N(state::MetricFromPerf(*b, st.direction())) : "NaN")
                << '\t' << base << '\n';
    }
  }
  for (size_t w = 0; w < nw; ++w) dat << (w ? "\n\n" : "") << blocks[w].str();
  const size_t cols = std::min<size_t>(5, nw), rows = (nw + cols - 1) / cols;
  const std::string unit = metric.unit.empty() ? "" : " (" + metric.unit + ")";
  std::ostringstream gp;
  gp << "set multiplot layout " << rows << "," << cols << " title "
     << Q("Best mean " + (metric.name.empty() ? std::string("metric") : metric.name) + unit +
          " of a config so far, per workload (dashed: baseline)" + SyntheticTag(*c.cfg))
     << "\nset grid\nunset key\nset tics font ',7'\n";
  for (size_t w = 0; w < nw; ++w) {
    gp << "set title " << Q(st.workload_set().workloads[w].id) << " font ',8'\n"
       << "plot 'best_measured_per_workload.dat' index " << w
       << " using 1:2 with steps lw 1.5 lc rgb '#08519c', '' index " << w
       << " using 1:3 with lines dt 2 lc rgb '#777777'\n";
  }
  gp << "unset multiplot\n";
  Emit(dir, "best_measured_per_workload", dat.str(), gp.str(), 1200,
       80 + 200 * static_cast<int>(rows),
       "Best measured value so far per workload over its trials (warm start first, then the "
       "active iterations), one panel per workload, the baseline dashed",
       plots, warnings);
}

/// One panel per knob: the gain of every measured config over its workload's baseline, by
/// the knob's level (median, with the interquartile range).
void KnobEffectsPlot(const fs::path& dir, const ReportContent& c, std::vector<PlotRef>& plots,
                     std::vector<std::string>& warnings) {
  const auto effects = KnobEffects(c.res->state);
  if (effects.empty()) return;
  std::ostringstream dat;
  dat << "# one block per knob: level, median gain %, q25 %, q75 %, configs, value\n";
  for (size_t k = 0; k < effects.size(); ++k) {
    dat << (k ? "\n\n" : "");
    for (size_t l = 0; l < effects[k].levels.size(); ++l) {
      const auto& e = effects[k].levels[l];
      const bool any = e.configs > 0;
      dat << l << '\t' << (any ? N(100 * e.median) : "NaN") << '\t'
          << (any ? N(100 * e.q25) : "NaN") << '\t' << (any ? N(100 * e.q75) : "NaN") << '\t'
          << e.configs << '\t' << DQ(e.value) << '\n';
    }
  }
  const size_t cols = std::min<size_t>(3, effects.size());
  const size_t rows = (effects.size() + cols - 1) / cols;
  std::ostringstream gp;
  gp << "set multiplot layout " << rows << "," << cols << " title "
     << Q("Gain over the baseline by knob level: median of the measured configs, bars from "
          "the 25th to the 75th percentile" +
          SyntheticTag(*c.cfg))
     << "\nset grid ytics\nunset key\nset style fill solid 0.7 border -1\nset boxwidth 0.6\n"
     << "set tics font ',8'\nset ylabel 'gain (%)'\n";
  for (size_t k = 0; k < effects.size(); ++k) {
    size_t longest = 0;
    for (const auto& l : effects[k].levels) longest = std::max(longest, l.value.size());
    gp << (longest > 5 ? "set xtics rotate by -30 left\n" : "set xtics norotate\n");
    gp << "set title " << Q(effects[k].knob)
       << "\nset xrange [-0.6:" << N(static_cast<double>(effects[k].levels.size()) - 0.4) << "]\n"
       << "plot 'knob_effects.dat' index " << k
       << " using 1:2:xtic(6) with boxes lc rgb '#6baed6', '' index " << k
       << " using 1:2:3:4 with yerrorbars pt -1 lc rgb '#08306b'\n";
  }
  gp << "unset multiplot\n";
  Emit(dir, "knob_effects", dat.str(), gp.str(), 1100, 60 + 280 * static_cast<int>(rows),
       "Effect of each knob: gain over the baseline by level, over every measured config "
       "(median and interquartile range; other knobs vary)",
       plots, warnings);
}

/// A workload map's data and script: measured workloads, neighbours (recommend) and new ones.
void EmitWorkloadMap(const fs::path& dir, const std::string& stem,
                     const std::vector<WorkloadPoint>& points, const std::vector<MapKind>& kinds,
                     const std::string& title, const std::string& caption,
                     std::vector<PlotRef>& plots, std::vector<std::string>& warnings) {
  std::ostringstream dat;
  dat << "# pc1\tpc2\tworkload\tkind (0 measured, 1 new, 2 nearest measured)\n";
  for (size_t i = 0; i < points.size(); ++i) {
    dat << N(points[i].x) << '\t' << N(points[i].y) << '\t' << DQ(points[i].workload) << '\t'
        << static_cast<int>(kinds[i]) << '\n';
  }
  const std::string file = Q(stem + ".dat");
  std::ostringstream gp;
  gp << "set title " << Q(title) << "\n"
     << "set xlabel 'principal component 1 of the standardized features'\n"
     << "set ylabel 'principal component 2'\nset grid\nset key outside right top\n"
     << "set offsets graph 0.03, graph 0.15, graph 0.05, graph 0.05\n"
     << "plot " << file << " using ($4 == 0 ? $1 : NaN):2 with points pt 7 ps 1.2 "
     << "lc rgb '#08519c' title 'measured', \\\n"
     << "     '' using ($4 == 2 ? $1 : NaN):2 with points pt 7 ps 1.6 lc rgb '#31a354' "
     << "title 'nearest measured', \\\n"
     << "     '' using ($4 == 1 ? $1 : NaN):2 with points pt 9 ps 1.8 lc rgb '#e6550d' "
     << "title 'new', \\\n"
     << "     '' using 1:2:3 with labels offset 0.8,0.6 left font ',7' notitle\n";
  Emit(dir, stem, dat.str(), gp.str(), 1000, 700, caption, plots, warnings);
}

/// The workloads on the first two principal components of their standardized features;
/// workloads held out by the evaluation are drawn as new ones.
void WorkloadMapPlot(const fs::path& dir, const ReportContent& c, std::vector<PlotRef>& plots,
                     std::vector<std::string>& warnings) {
  const auto& ws = c.res->state.workload_set();
  if (ws.size() < 2) return;
  std::vector<std::string> held;
  if (c.evaluation && c.evaluation->split == eval::Split::kPatterns)
    held = c.evaluation->heldout_workloads;
  const auto points = WorkloadMap(ws);
  std::vector<MapKind> kinds;
  for (const auto& p : points) {
    const bool is_new = std::find(held.begin(), held.end(), p.workload) != held.end();
    kinds.push_back(is_new ? MapKind::kNew : MapKind::kMeasured);
  }
  EmitWorkloadMap(dir, "workload_map", points, kinds,
                  "Map of the workloads (new: held out by the evaluation)" + SyntheticTag(*c.cfg),
                  "Map of the workloads: nearby workloads have similar I/O features (the "
                  "recommender's neighbours)",
                  plots, warnings);
}

void RecommendedHeatmap(const fs::path& dir, const ReportContent& c, std::vector<PlotRef>& plots,
                        std::vector<std::string>& warnings) {
  const auto& space = c.cfg->space;
  const auto& m = c.res->matrix;
  const size_t nk = space.num_knobs();
  if (m.top.empty() || nk == 0) return;
  std::ostringstream dat;
  dat << "# knob_index\tworkload_index\tlevel_fraction\tvalue\n";
  for (size_t w = 0; w < m.top.size(); ++w) {
    for (size_t k = 0; k < nk; ++k) {
      if (m.top[w].empty()) {
        dat << k << '\t' << w << "\tNaN\t\"-\"\n";
        continue;
      }
      const auto& cfg = m.top[w].front().config;
      const double frac =
          space.levels(k) > 1 ? static_cast<double>(cfg[k]) / (space.levels(k) - 1) : 0.0;
      dat << k << '\t' << w << '\t' << N(frac) << '\t' << DQ(space.Value(cfg, k).text()) << '\n';
    }
    dat << '\n';
  }
  std::ostringstream gp;
  gp << "set title "
     << Q("Recommended level of each knob (top config by robust score)" + SyntheticTag(*c.cfg))
     << "\n"
     << "set xrange [-0.5:" << nk - 0.5 << "]\nset yrange [" << m.top.size() - 0.5 << ":-0.5]\n"
     << "set xtics rotate by -30 left (";
  for (size_t k = 0; k < nk; ++k) gp << (k ? ", " : "") << Q(space.knobs()[k].name) << ' ' << k;
  gp << ")\nset ytics (";
  for (size_t w = 0; w < m.workload_ids.size(); ++w)
    gp << (w ? ", " : "") << Q(m.workload_ids[w]) << ' ' << w;
  gp << ")\nset cbrange [0:1]\nset cblabel 'level (0 = first value, 1 = last value)'\n"
     << "set palette defined (0 '#f7fbff', 0.5 '#6baed6', 1 '#08306b')\n"
     << "set tics nomirror\nunset key\nset bmargin 7\n"
     << "plot 'recommended_heatmap.dat' using 1:2:3 with image, \\\n"
     << "     '' using 1:2:4:($3 > 0.6 ? 0xffffff : 0x000000) with labels font ',8' tc rgb "
        "variable\n";
  const int height = 160 + 24 * static_cast<int>(m.top.size());
  Emit(dir, "recommended_heatmap", dat.str(), gp.str(), 1100, height,
       "Heatmap of workloads x knobs: the recommended value of each knob", plots, warnings);
}

void PredictedVsMeasured(const fs::path& dir, const ReportContent& c, std::vector<PlotRef>& plots,
                         std::vector<std::string>& warnings) {
  if (!c.evaluation || c.evaluation->workloads.empty()) return;
  std::ostringstream dat;
  dat << "# measured_gain_pct\tpredicted\tworkload\n";
  for (const auto& e : c.evaluation->workloads) {
    for (size_t i = 0; i < e.measured.size(); ++i) {
      dat << N(100.0 * e.measured[i]) << '\t' << N(e.predicted[i]) << '\t' << DQ(e.id) << '\n';
    }
  }
  const bool ranking = c.cfg->model.mode == config::ModelMode::kRanking;
  std::ostringstream gp;
  gp << "set title "
     << Q(std::string("Predicted vs measured on the held-out split (") +
          eval::ToString(c.evaluation->split) + ")" + SyntheticTag(*c.cfg))
     << "\n"
     << "set xlabel 'measured relative gain over baseline (%)'\n"
     << "set ylabel "
     << Q(ranking ? "model score (LambdaMART; order matters)" : "predicted log gain") << "\n"
     << "set grid\nset key left top\n"
     << "plot 'predicted_vs_measured.dat' using 1:2 with points pt 7 ps 0.7 lc rgb '#3182bd' "
     << "title 'held-out configs'\n";
  Emit(dir, "predicted_vs_measured", dat.str(), gp.str(), 900, 600,
       "Predicted vs measured gain of the held-out configs (model retrained without them)", plots,
       warnings);
}

void KnobImportance(const fs::path& dir, const ReportContent& c, std::vector<PlotRef>& plots,
                    std::vector<std::string>& warnings) {
  const auto& res = *c.res;
  if (!res.model || !res.model->fitted()) return;
  const auto& space = c.cfg->space;
  const size_t nf = res.state.workload_set().feature_names.size();
  const auto imp = res.model->FeatureImportance(nf + space.ConfigWidth());
  // Every config column (one-hot and ordinal) belongs to one knob.
  std::vector<double> per_knob(space.num_knobs(), 0.0);
  for (size_t col = nf; col < imp.size(); ++col) per_knob[space.KnobOfColumn(col - nf)] += imp[col];
  std::vector<std::pair<std::string, double>> knobs;
  double total = 0.0;
  for (size_t k = 0; k < space.num_knobs(); ++k) {
    knobs.emplace_back(space.knobs()[k].name, per_knob[k]);
    total += per_knob[k];
  }
  std::stable_sort(knobs.begin(), knobs.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::ostringstream dat;
  dat << "# knob\tgain_importance\tshare_pct\n";
  for (const auto& [name, s] : knobs) {
    dat << DQ(name) << '\t' << N(s) << '\t' << N(total > 0 ? 100.0 * s / total : 0.0) << '\n';
  }
  std::ostringstream gp;
  gp << "set title "
     << Q("Knob importance (XGBoost gain, summed over each knob's columns)" + SyntheticTag(*c.cfg))
     << "\n"
     << "set ylabel 'share of the knobs'' total gain (%)'\nset grid ytics\nunset key\n"
     << "set style fill solid 0.85 border -1\nset boxwidth 0.6\nset yrange [0:*]\n"
     << "set xtics rotate by -30 left\nset bmargin 7\n"
     << "plot 'knob_importance.dat' using 0:3:xtic(1) with boxes lc rgb '#3182bd'\n";
  Emit(dir, "knob_importance", dat.str(), gp.str(), 900, 540,
       "Knob importance of the final ensemble (gain importance summed over one-hot columns)", plots,
       warnings);
}

}  // namespace

std::string WriteWorkloadMapPlot(const fs::path& png, const space::WorkloadSet& known,
                                 const space::Workload& added,
                                 const std::vector<std::string>& nearest,
                                 const std::string& title_suffix) {
  auto points = WorkloadMap(known, {added});
  std::vector<MapKind> kinds;
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    const bool near =
        std::find(nearest.begin(), nearest.end(), points[i].workload) != nearest.end();
    kinds.push_back(near ? MapKind::kNearest : MapKind::kMeasured);
  }
  kinds.push_back(MapKind::kNew);
  std::vector<PlotRef> plots;
  std::vector<std::string> warnings;
  const fs::path dir = png.has_parent_path() ? png.parent_path() : fs::path(".");
  EmitWorkloadMap(dir, png.stem().string(), points, kinds,
                  "Where " + added.id + " falls among the measured workloads" + title_suffix, "",
                  plots, warnings);
  return warnings.empty() ? std::string() : warnings.front();
}

std::vector<PlotRef> WriteReportPlots(const fs::path& out_dir, const ReportContent& c,
                                      std::vector<std::string>& warnings) {
  const fs::path dir = out_dir / "plots";
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::vector<PlotRef> plots;
  LearningCurve(dir, c, plots, warnings);
  BestMeasuredPerWorkload(dir, c, plots, warnings);
  KnobEffectsPlot(dir, c, plots, warnings);
  WorkloadMapPlot(dir, c, plots, warnings);
  RecommendedHeatmap(dir, c, plots, warnings);
  PredictedVsMeasured(dir, c, plots, warnings);
  KnobImportance(dir, c, plots, warnings);
  for (const auto& [stem, caption] :
       {std::pair{"regret_at_3", "regret@3 of the top-3 recommendation vs runs"},
        std::pair{"hit_at_3", "hit@3 vs runs"}, std::pair{"ndcg_at_3", "NDCG@3 vs runs"}}) {
    if (fs::exists(dir / (std::string(stem) + ".png"))) {
      plots.push_back({"plots/" + std::string(stem) + ".png", caption});
    }
  }
  return plots;
}

}  // namespace iorec::report
