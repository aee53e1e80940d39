#pragma once
/// The recommendation matrix: each known workload's baseline perf and its best measured
/// configs by robust score. Built once from the study state; the recommender, the held-out
/// evaluation, the reports and the model directory read it.
#include <string>
#include <vector>

#include "iorec/space/space.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::deploy {

/// One measured config of a known workload, aggregated over its runs.
struct MatrixEntry {
  space::Config config;
  state::Perf mean_perf;
  double std_perf = 0.0;    ///< over runs, perf units (0 for a single run)
  state::Perf robust_perf;  ///< mean_perf - z * std_perf, with the study's z
  int runs = 0;
};

struct RecommendationMatrix {
  std::vector<std::string> workload_ids;
  /// Per workload; has_baseline[w] is false for a workload without any successful run
  /// (its top list is then empty).
  std::vector<state::Perf> baseline;
  std::vector<bool> has_baseline;
  std::vector<std::vector<MatrixEntry>> top;  ///< per workload, best robust score first

  size_t size() const { return top.size(); }
  state::RelGain MeanGain(size_t w, const MatrixEntry& e) const {
    return state::Relative(e.mean_perf, baseline[w]);
  }
  state::RelGain RobustGain(size_t w, const MatrixEntry& e) const {
    return state::Relative(e.robust_perf, baseline[w]);
  }
  /// The rows of these workloads, in this order.
  RecommendationMatrix Subset(const std::vector<size_t>& workloads) const;
};

/// Each workload's `topk_per_pattern` best measured configs by robust score
/// (mean - robust_z * std over runs).
RecommendationMatrix BuildMatrix(const state::StudyState& state, size_t topk_per_pattern,
                                 double robust_z);

}  // namespace iorec::deploy
