// The extra report plots. Each leaves <stem>.dat, <stem>.gp and <stem>.png in plots/.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "iorec/core/file_io.hpp"
#include "iorec/eval/bootstrap.hpp"
#include "iorec/report/evaluation_outputs.hpp"
#include "iorec/report/plot.hpp"

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
  const size_t nw = st.num_workloads();
  const int iters = std::max(0, st.iterations());
  std::vector<std::vector<double>> best(static_cast<size_t>(iters) + 1,
                                        std::vector<double>(nw, NAN));
  std::vector<std::map<space::Config, std::pair<double, int>>> sums(nw);
  size_t o = 0;
  for (int t = 0; t <= iters; ++t) {
    for (; o < st.trials().size() && st.trials()[o].iteration <= t; ++o) {
      const auto& tr = st.trials()[o];
      if (!tr.ok) continue;
      auto& s = sums[tr.workload][tr.config];
      s.first += tr.perf.value;
      s.second += 1;
    }
    for (size_t w = 0; w < nw; ++w) {
      double b = -INFINITY;
      for (const auto& [cfg, s] : sums[w]) {
        b = std::max(b, st.record(w).Gain(state::Perf{s.first / s.second}).value);
      }
      best[static_cast<size_t>(t)][w] = std::isfinite(b) ? b : NAN;
    }
  }
  return best;
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
          std::string(reps ? ", replicated finalists" : ""))
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

void BestGainPerWorkload(const fs::path& dir, const ReportContent& c, std::vector<PlotRef>& plots,
                         std::vector<std::string>& warnings) {
  const auto& st = c.res->state;
  std::vector<std::vector<double>> curves(st.num_workloads());
  std::vector<double> best(st.num_workloads(), -INFINITY);
  for (const auto& t : st.trials()) {
    double& b = best[t.workload];
    if (t.ok) b = std::max(b, 100.0 * st.Gain(t).value);
    curves[t.workload].push_back(std::isfinite(b) ? b : NAN);
  }
  size_t longest = 0;
  for (const auto& y : curves) longest = std::max(longest, y.size());
  if (curves.empty()) return;
  std::ostringstream dat;
  dat << "trial";
  for (const auto& w : st.workload_set().workloads) dat << '\t' << DQ(w.id);
  dat << '\n';
  for (size_t i = 0; i < longest; ++i) {
    dat << i + 1;
    for (const auto& y : curves) dat << '\t' << (i < y.size() ? N(y[i]) : "NaN");
    dat << '\n';
  }
  std::ostringstream gp;
  gp << "set title 'Best gain so far per workload over its trials'\n"
     << "set xlabel 'trial (per workload, in execution order)'\n"
     << "set ylabel 'best relative gain over baseline (%)'\n"
     << "set grid\nset key outside right top font ',8'\n"
     << "plot for [i=2:" << curves.size() + 1
     << "] 'best_gain_per_workload.dat' using 1:i with steps lw 1.5 title columnhead(i)\n";
  Emit(dir, "best_gain_per_workload", dat.str(), gp.str(), 1100, 600,
       "Best gain so far per workload over trials (warm start first, then active iterations)",
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
  gp << "set title 'Recommended level of each knob (top config by robust score)'\n"
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
          eval::ToString(c.evaluation->split) + ")")
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
  gp << "set title 'Knob importance (XGBoost gain, summed over each knob''s columns)'\n"
     << "set ylabel 'share of the knobs'' total gain (%)'\nset grid ytics\nunset key\n"
     << "set style fill solid 0.85 border -1\nset boxwidth 0.6\nset yrange [0:*]\n"
     << "set xtics rotate by -30 left\nset bmargin 7\n"
     << "plot 'knob_importance.dat' using 0:3:xtic(1) with boxes lc rgb '#3182bd'\n";
  Emit(dir, "knob_importance", dat.str(), gp.str(), 900, 540,
       "Knob importance of the final ensemble (gain importance summed over one-hot columns)", plots,
       warnings);
}

}  // namespace

std::vector<PlotRef> WriteReportPlots(const fs::path& out_dir, const ReportContent& c,
                                      std::vector<std::string>& warnings) {
  const fs::path dir = out_dir / "plots";
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::vector<PlotRef> plots;
  LearningCurve(dir, c, plots, warnings);
  BestGainPerWorkload(dir, c, plots, warnings);
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
