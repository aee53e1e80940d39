#include "iorec/loop/iteration.hpp"

#include <algorithm>

#include "iorec/eval/metrics.hpp"

namespace iorec::loop {

namespace {

/// The oracle's metric on the perf scale; 0 when it cannot be a perf.
double OraclePerf(const state::StudyState& st, double metric) {
  const auto p = state::PerfFromMetric(metric, st.direction(), nullptr);
  return p ? p->value : 0.0;
}

}  // namespace

MetricsReference ReferenceAfterWarmStart(const state::StudyState& state, const Oracle* oracle) {
  MetricsReference ref;
  ref.oracle = oracle;
  ref.best.resize(state.num_workloads());
  for (uint32_t w = 0; w < state.num_workloads(); ++w) {
    if (oracle) {
      ref.best[w] = OraclePerf(state, oracle->BestMetric(w));
      continue;
    }
    double best = 0.0;  // perfs are > 0; 0 stands for "nothing measured"
    for (const auto& c : state.record(w).configs) {
      if (c.measured()) best = std::max(best, c.Mean().value);
    }
    ref.best[w] = best;
  }
  return ref;
}

namespace {

/// Regret, hit and NDCG of one workload's top-3 by robust score, and its best gain.
struct WorkloadMetrics {
  double regret = 0, hit = 0, ndcg = 0, best_gain = 0;
};

WorkloadMetrics MeasureWorkload(const state::StudyState& st, uint32_t w,
                                const MetricsReference& ref, double robust_z, double levels) {
  const auto& rec = st.record(w);
  const auto ranked = rec.Ranked(robust_z);
  std::vector<double> values, rel;
  for (size_t i = 0; i < std::min<size_t>(3, ranked.size()); ++i) {
    values.push_back(ref.oracle ? OraclePerf(st, ref.oracle->TrueMetric(w, ranked[i]->config))
                                : ranked[i]->Mean().value);
  }
  const double best = ref.best[w];
  for (double v : values) rel.push_back(levels * std::clamp(best > 0 ? v / best : 0.0, 0.0, 1.0));
  WorkloadMetrics m;
  m.regret = eval::RegretAtK(values, best, 3);
  m.hit = eval::HitAtK(values, best, 3, 0.05);
  m.ndcg = eval::NdcgOfList(rel, std::vector<double>(3, levels), 3);
  if (rec.has_baseline()) {
    for (const auto& c : rec.configs) {
      if (c.measured()) m.best_gain = std::max(m.best_gain, rec.Gain(c.Mean()).value);
    }
  }
  return m;
}

}  // namespace

IterationRecord MeasureIteration(const state::StudyState& st, int iteration,
                                 const MetricsReference& ref, double robust_z,
                                 int relevance_levels) {
  IterationRecord rec;
  rec.iteration = iteration;
  rec.against_truth = ref.oracle != nullptr;
  const size_t nw = st.num_workloads();
  rec.runs = st.trials().size();
  rec.runs_per_workload = nw ? static_cast<double>(rec.runs) / nw : 0.0;
  for (const auto& t : st.trials()) rec.failed_runs += t.ok ? 0 : 1;
  const double levels = std::max(2, relevance_levels) - 1.0;
  double sum_regret = 0, sum_hit = 0, sum_ndcg = 0, sum_gain = 0;
  for (uint32_t w = 0; w < nw; ++w) {
    const WorkloadMetrics m = MeasureWorkload(st, w, ref, robust_z, levels);
    sum_regret += m.regret;
    sum_hit += m.hit;
    sum_ndcg += m.ndcg;
    sum_gain += m.best_gain;
  }
  const double n = std::max<size_t>(1, nw);
  rec.regret_at_3 = sum_regret / n;
  rec.hit_at_3 = sum_hit / n;
  rec.ndcg_at_3 = sum_ndcg / n;
  rec.best_gain_so_far = sum_gain / n;
  return rec;
}

nlohmann::ordered_json IterationJson(const IterationRecord& r) {
  nlohmann::ordered_json j;
  j["iteration"] = r.iteration;
  j["runs"] = r.runs;
  j["runs_per_workload"] = r.runs_per_workload;
  j["best_gain_so_far"] = r.best_gain_so_far;
  j["regret_at_3"] = r.regret_at_3;
  j["hit_at_3"] = r.hit_at_3;
  j["ndcg_at_3"] = r.ndcg_at_3;
  j["metrics_against"] = r.against_truth ? "true_optimum" : "best_warm_start";
  j["candidate_modes"] = r.candidate_modes;
  j["surrogates"] = r.surrogates;
  j["replicate_runs"] = r.replicate_runs;
  j["failed_runs"] = r.failed_runs;
  j["mean_batch_sigma"] = r.mean_batch_sigma;
  return j;
}

}  // namespace iorec::loop
