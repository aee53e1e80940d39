#include "iorec/eval/contribution.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace iorec::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool IsActive(Source s) { return s == Source::kActive || s == Source::kReplicate; }

}  // namespace

std::vector<size_t> RankByRobustScore(const WorkloadData& w, double robust_z) {
  std::vector<size_t> order;
  for (size_t i = 0; i < w.configs.size(); ++i) {
    if (w.configs[i].runs > 0) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& ca = w.configs[a];
    const auto& cb = w.configs[b];
    return ca.mean_perf - robust_z * ca.std_perf > cb.mean_perf - robust_z * cb.std_perf;
  });
  return order;
}

ContributionReport ComputeContribution(const StudyData& data, size_t top_k, double robust_z) {
  ContributionReport rep;
  double sum_warm = 0, sum_overall = 0, sum_impr = 0;
  size_t topk_total = 0, topk_active = 0;
  double warm_gain_sum = 0, active_gain_sum = 0;
  size_t warm_ok = 0, active_ok = 0;
  std::vector<double> beat_iters;
  for (const auto& w : data.workloads) {
    WorkloadContribution c;
    c.id = w.id;
    double best_warm = -std::numeric_limits<double>::infinity();
    double best_active = -std::numeric_limits<double>::infinity();
    for (const auto& m : w.configs) {
      if (m.runs == 0) continue;
      if (IsActive(m.first_source))
        best_active = std::max(best_active, m.gain);
      else
        best_warm = std::max(best_warm, m.gain);
    }
    c.best_warm_gain = std::isfinite(best_warm) ? best_warm : 0.0;
    c.best_active_gain = std::isfinite(best_active) ? best_active : kNaN;
    c.active_improvement =
        std::isfinite(best_active) ? std::max(0.0, best_active - c.best_warm_gain) : 0.0;
    // First iteration whose newly measured config beat the warm best.
    for (const auto& m : w.configs) {
      if (m.runs == 0 || !IsActive(m.first_source) || !(m.gain > c.best_warm_gain)) continue;
      if (c.first_active_beat_iteration < 0 || m.first_iteration < c.first_active_beat_iteration) {
        c.first_active_beat_iteration = m.first_iteration;
      }
    }
    const auto ranked = RankByRobustScore(w, robust_z);
    c.top_k = std::min(top_k, ranked.size());
    size_t from_active = 0;
    for (size_t i = 0; i < c.top_k; ++i) from_active += IsActive(w.configs[ranked[i]].first_source);
    c.topk_active_share = c.top_k ? static_cast<double>(from_active) / c.top_k : 0.0;
    double wsum = 0, asum = 0;
    size_t wn = 0, an = 0;
    for (const auto& t : w.trials) {
      if (IsActive(t.source)) {
        ++c.active_trials;
        if (t.ok) asum += t.gain, ++an;
      } else {
        ++c.warm_trials;
        if (t.ok) wsum += t.gain, ++wn;
      }
    }
    c.warm_mean_gain_per_trial = wn ? wsum / wn : kNaN;
    c.active_mean_gain_per_trial = an ? asum / an : kNaN;
    c.warm_improvement_per_trial =
        c.warm_trials ? std::max(0.0, c.best_warm_gain) / c.warm_trials : 0.0;
    c.active_improvement_per_trial = c.active_trials ? c.active_improvement / c.active_trials : 0.0;

    sum_warm += c.best_warm_gain;
    sum_overall += c.best_warm_gain + c.active_improvement;
    sum_impr += c.active_improvement;
    topk_total += c.top_k;
    topk_active += from_active;
    warm_gain_sum += wsum;
    active_gain_sum += asum;
    warm_ok += wn;
    active_ok += an;
    rep.warm_trials += c.warm_trials;
    rep.active_trials += c.active_trials;
    if (c.first_active_beat_iteration >= 0) {
      ++rep.workloads_active_beat_warm;
      beat_iters.push_back(c.first_active_beat_iteration);
    }
    rep.workloads.push_back(std::move(c));
  }
  const double n = std::max<size_t>(1, data.workloads.size());
  rep.mean_best_warm_gain = sum_warm / n;
  rep.mean_best_overall_gain = sum_overall / n;
  rep.mean_active_improvement = sum_impr / n;
  rep.topk_active_share = topk_total ? static_cast<double>(topk_active) / topk_total : 0.0;
  if (beat_iters.empty()) {
    rep.median_first_beat_iteration = kNaN;
  } else {
    std::sort(beat_iters.begin(), beat_iters.end());
    const size_t m = beat_iters.size();
    rep.median_first_beat_iteration =
        m % 2 ? beat_iters[m / 2] : (beat_iters[m / 2 - 1] + beat_iters[m / 2]) / 2.0;
  }
  rep.warm_mean_gain_per_trial = warm_ok ? warm_gain_sum / warm_ok : kNaN;
  rep.active_mean_gain_per_trial = active_ok ? active_gain_sum / active_ok : kNaN;
  double warm_best_sum = 0;
  for (const auto& c : rep.workloads) warm_best_sum += std::max(0.0, c.best_warm_gain);
  rep.warm_improvement_per_trial = rep.warm_trials ? warm_best_sum / rep.warm_trials : 0.0;
  rep.active_improvement_per_trial = rep.active_trials ? sum_impr / rep.active_trials : 0.0;
  return rep;
}

}  // namespace iorec::eval
