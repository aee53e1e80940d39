#pragma once
// A study whose optimum moves with scale, for the zero-shot and onboarding tests.
#include <cmath>
#include <vector>

#include "common/space_util.hpp"
#include "common/state_util.hpp"

namespace iorec::test_support {

// Knob k0's best level grows with log2(nprocs) (level = log2(P) / 2); level 1 of k1 is worth
// 5% everywhere. Features: a fraction (alike for all) and nprocs.
inline double ScaledPerf(double nprocs, const space::Config& c) {
  const double best = std::log2(nprocs) / 2.0;
  const double d = static_cast<double>(c[0]) - best;
  return 100.0 * std::exp(-0.3 * d * d) * (c[1] == 1 ? 1.05 : 1.0);
}

/// Known workloads at these rank counts, each with every config measured (or, with
/// `k1_fixed`, only those with k1 at level 0), noise-free.
inline state::StudyState ScaledStudy(const std::vector<double>& nprocs,
                                     double (*perf)(double, const space::Config&),
                                     bool k1_fixed = false) {
  std::vector<std::vector<double>> features;
  for (double p : nprocs) features.push_back({0.5, p});
  auto ws = test_support::Workloads(features);
  ws.feature_names = {"pct_reads", "nprocs"};
  test_support::StateBuilder b(test_support::IntSpace({6, 3}), space::Config({0, 0}), ws);
  for (uint32_t w = 0; w < nprocs.size(); ++w) {
    b.Baseline(w, perf(nprocs[w], space::Config({0, 0})));
    for (uint8_t l0 = 0; l0 < 6; ++l0) {
      for (uint8_t l1 = 0; l1 < (k1_fixed ? 1 : 3); ++l1) {
        const space::Config c({l0, l1});
        if (c != space::Config({0, 0})) b.Run(w, c, perf(nprocs[w], c));
      }
    }
  }
  return std::move(b.state());
}

}  // namespace iorec::test_support
