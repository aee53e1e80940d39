#include "iorec/eval/contribution.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace iorec::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool IsActive(state::Source s) {
  return s == state::Source::kActive || s == state::Source::kReplicate;
}

/// Sums of the successful trials' gains by phase, for the per-trial means.
struct TrialSums {
  double warm = 0, active = 0;
  size_t warm_ok = 0, active_ok = 0;
};

/// One workload's contribution; adds its trials' gains to `sums`.
WorkloadContribution ForWorkload(const state::StudyState& st, size_t w, size_t top_k,
                                 double robust_z, size_t* from_active, TrialSums& sums) {
  const auto& rec = st.record(w);
  WorkloadContribution c;
  c.id = st.workload_set().workloads[w].id;
  double best_warm = -std::numeric_limits<double>::infinity();
  double best_active = -std::numeric_limits<double>::infinity();
  for (const auto& m : rec.configs) {
    if (!m.measured()) continue;
    double& best = IsActive(m.first_source) ? best_active : best_warm;
    best = std::max(best, rec.Gain(m.Mean()).value);
  }
  c.best_warm_gain = std::isfinite(best_warm) ? best_warm : 0.0;
  c.best_active_gain = std::isfinite(best_active) ? best_active : kNaN;
  c.active_improvement =
      std::isfinite(best_active) ? std::max(0.0, best_active - c.best_warm_gain) : 0.0;
  // First iteration whose newly measured config beat the warm best.
  for (const auto& m : rec.configs) {
    if (!m.measured() || !IsActive(m.first_source)) continue;
    if (!(rec.Gain(m.Mean()).value > c.best_warm_gain)) continue;
    if (c.first_active_beat_iteration < 0 || m.first_iteration < c.first_active_beat_iteration) {
      c.first_active_beat_iteration = m.first_iteration;
    }
  }
  const auto ranked = rec.Ranked(robust_z);
  c.top_k = std::min(top_k, ranked.size());
  *from_active = 0;
  for (size_t i = 0; i < c.top_k; ++i) *from_active += IsActive(ranked[i]->first_source);
  c.topk_active_share = c.top_k ? static_cast<double>(*from_active) / c.top_k : 0.0;
  TrialSums mine;
  for (const auto& t : st.trials()) {
    if (t.workload != w) continue;
    const bool active = IsActive(t.source);
    ++(active ? c.active_trials : c.warm_trials);
    if (!t.ok) continue;
    (active ? mine.active : mine.warm) += st.Gain(t).value;
    ++(active ? mine.active_ok : mine.warm_ok);
  }
  c.warm_mean_gain_per_trial = mine.warm_ok ? mine.warm / mine.warm_ok : kNaN;
  c.active_mean_gain_per_trial = mine.active_ok ? mine.active / mine.active_ok : kNaN;
  c.warm_improvement_per_trial =
      c.warm_trials ? std::max(0.0, c.best_warm_gain) / c.warm_trials : 0.0;
  c.active_improvement_per_trial = c.active_trials ? c.active_improvement / c.active_trials : 0.0;
  sums.warm += mine.warm;
  sums.active += mine.active;
  sums.warm_ok += mine.warm_ok;
  sums.active_ok += mine.active_ok;
  return c;
}

double Median(std::vector<double> v) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t m = v.size();
  return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2.0;
}

/// One workload's reference figures, from its successful runs.
ReferencePatternContribution ReferenceFor(const state::StudyState& st, uint32_t w, size_t top_k,
                                          size_t* active_in_top) {
  ReferencePatternContribution c;
  c.id = st.workload_set().workloads[w].id;
  const auto& rec = st.record(w);
  double warm = -std::numeric_limits<double>::infinity(), active = warm;
  std::vector<ReferenceTopConfig> best(rec.configs.size());
  std::vector<bool> seen(rec.configs.size(), false);
  for (const auto& t : st.trials()) {
    if (t.workload != w || !t.ok || !rec.has_baseline()) continue;
    const double g = st.Gain(t).value;
    if (IsActive(t.source)) {
      active = std::max(active, g);
    } else {
      warm = std::max(warm, g);
    }
    const size_t i = rec.index.at(t.config);
    if (!seen[i] || g > best[i].best_gain) best[i] = {t.config, g, t.source, t.iteration};
    seen[i] = true;
  }
  for (const auto& t : st.trials()) {
    if (t.workload != w || !t.ok || !IsActive(t.source) || !(st.Gain(t).value > warm)) continue;
    if (c.new_best_found_iteration < 0 || t.iteration < c.new_best_found_iteration)
      c.new_best_found_iteration = t.iteration;
  }
  c.best_warm_gain = std::isfinite(warm) ? warm : kNaN;
  c.best_active_gain = std::isfinite(active) ? active : kNaN;
  for (size_t i = 0; i < best.size(); ++i) {
    if (seen[i]) c.topk.push_back(best[i]);
  }
  std::stable_sort(c.topk.begin(), c.topk.end(),
                   [](const auto& a, const auto& b) { return a.best_gain > b.best_gain; });
  c.topk.resize(std::min(c.topk.size(), std::max<size_t>(1, top_k)));
  *active_in_top = 0;
  for (const auto& r : c.topk) *active_in_top += IsActive(r.best_source);
  c.topk_from_active_percent = c.topk.empty() ? 0.0 : 100.0 * *active_in_top / c.topk.size();
  return c;
}

/// Per iteration t, each workload's best run up to t against its warm best.
std::vector<ReferenceImprovementStep> Trajectory(const state::StudyState& st,
                                                 const std::vector<double>& warm_best) {
  int last = 0;
  for (const auto& t : st.trials()) last = std::max(last, t.iteration);
  std::vector<ReferenceImprovementStep> out;
  for (int it = 0; it <= last; ++it) {
    std::vector<double> best = warm_best;
    for (const auto& t : st.trials()) {
      if (!t.ok || t.iteration > it || !st.record(t.workload).has_baseline()) continue;
      const double g = st.Gain(t).value;
      if (!(best[t.workload] >= g)) best[t.workload] = g;
    }
    ReferenceImprovementStep step;
    step.iteration = it;
    double sum = 0.0;
    for (size_t w = 0; w < best.size(); ++w) {
      const double delta = std::isfinite(warm_best[w]) ? best[w] - warm_best[w] : 0.0;
      sum += delta;
      step.patterns_improved += delta > 0.0;
    }
    step.mean_improvement_over_warm = best.empty() ? 0.0 : sum / best.size();
    out.push_back(step);
  }
  return out;
}

}  // namespace

ReferenceContribution ComputeReferenceContribution(const state::StudyState& st, size_t top_k) {
  ReferenceContribution rep;
  rep.top_k = top_k;
  size_t total = 0, from_active = 0;
  std::vector<double> warm_best;
  for (uint32_t w = 0; w < st.num_workloads(); ++w) {
    size_t active_in_top = 0;
    rep.per_pattern.push_back(ReferenceFor(st, w, top_k, &active_in_top));
    total += rep.per_pattern.back().topk.size();
    from_active += active_in_top;
    const double warm = rep.per_pattern.back().best_warm_gain;
    warm_best.push_back(std::isnan(warm) ? -std::numeric_limits<double>::infinity() : warm);
  }
  rep.pct_top_k_from_active = total ? 100.0 * from_active / total : 0.0;
  rep.trajectory = Trajectory(st, warm_best);
  return rep;
}

ContributionReport ComputeContribution(const state::StudyState& st, size_t top_k, double robust_z) {
  ContributionReport rep;
  double sum_warm = 0, sum_overall = 0, sum_impr = 0;
  size_t topk_total = 0, topk_active = 0;
  TrialSums sums;
  std::vector<double> beat_iters;
  for (size_t w = 0; w < st.num_workloads(); ++w) {
    size_t from_active = 0;
    WorkloadContribution c = ForWorkload(st, w, top_k, robust_z, &from_active, sums);
    sum_warm += c.best_warm_gain;
    sum_overall += c.best_warm_gain + c.active_improvement;
    sum_impr += c.active_improvement;
    topk_total += c.top_k;
    topk_active += from_active;
    rep.warm_trials += c.warm_trials;
    rep.active_trials += c.active_trials;
    if (c.first_active_beat_iteration >= 0) {
      ++rep.workloads_active_beat_warm;
      beat_iters.push_back(c.first_active_beat_iteration);
    }
    rep.workloads.push_back(std::move(c));
  }
  const double n = std::max<size_t>(1, st.num_workloads());
  rep.mean_best_warm_gain = sum_warm / n;
  rep.mean_best_overall_gain = sum_overall / n;
  rep.mean_active_improvement = sum_impr / n;
  rep.topk_active_share = topk_total ? static_cast<double>(topk_active) / topk_total : 0.0;
  rep.median_first_beat_iteration = Median(beat_iters);
  rep.warm_mean_gain_per_trial = sums.warm_ok ? sums.warm / sums.warm_ok : kNaN;
  rep.active_mean_gain_per_trial = sums.active_ok ? sums.active / sums.active_ok : kNaN;
  double warm_best_sum = 0;
  for (const auto& c : rep.workloads) warm_best_sum += std::max(0.0, c.best_warm_gain);
  rep.warm_improvement_per_trial = rep.warm_trials ? warm_best_sum / rep.warm_trials : 0.0;
  rep.active_improvement_per_trial = rep.active_trials ? sum_impr / rep.active_trials : 0.0;
  return rep;
}

}  // namespace iorec::eval
