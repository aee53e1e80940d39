#include "iorec/deploy/matrix.hpp"

namespace iorec::deploy {

RecommendationMatrix RecommendationMatrix::Subset(const std::vector<size_t>& workloads) const {
  RecommendationMatrix m;
  for (size_t w : workloads) {
    m.workload_ids.push_back(workload_ids[w]);
    m.baseline.push_back(baseline[w]);
    m.has_baseline.push_back(has_baseline[w]);
    m.top.push_back(top[w]);
  }
  return m;
}

RecommendationMatrix BuildMatrix(const state::StudyState& state, size_t topk_per_pattern,
                                 double robust_z) {
  RecommendationMatrix m;
  for (size_t w = 0; w < state.num_workloads(); ++w) {
    const auto& rec = state.record(w);
    m.workload_ids.push_back(state.workload_set().workloads[w].id);
    m.baseline.push_back(rec.baseline);
    m.has_baseline.push_back(rec.has_baseline());
    std::vector<MatrixEntry> entries;
    for (const auto* c : rec.Ranked(robust_z)) {
      if (entries.size() >= topk_per_pattern) break;
      MatrixEntry e;
      e.config = c->config;
      e.mean_perf = c->Mean();
      e.std_perf = c->Std();
      e.robust_perf = c->Robust(robust_z);
      e.runs = static_cast<int>(c->perfs.size());
      entries.push_back(std::move(e));
    }
    m.top.push_back(std::move(entries));
  }
  return m;
}

}  // namespace iorec::deploy
