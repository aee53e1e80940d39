#pragma once
/// A deterministic synthetic testbed for development and benchmarking.
///
/// perf(w, c) = P0(w) * exp(-D(w, c)) where D >= 0 is a deficit built from
///  - per-knob bowls a_k(w) * (x_k - o_k(w))^2 over the knob's normalized level x_k,
///    with optimum o_k and importance a_k smooth functions of the workload features
///    (some knobs matter little for some workloads);
///  - pairwise ridges b(w) * ((x_i - x_j) - d_ij(w))^2 coupling knobs, so the best level
///    of one knob depends on another;
///  - a contention penalty when the first coupled pair is pushed high together, which
///    punishes "turn everything up".
/// Unordered knobs get a per-level random effect instead of a bowl.
/// Everything is derived from FNV/SplitMix hashes of (seed, names), never std::hash,
/// so values are identical on every platform. Noise is multiplicative,
/// N(0, noise_std), seeded by (seed, workload id, config, replicate).
#include <cstdint>
#include <vector>

#include "iorec/core/rng.hpp"
#include "iorec/runner/runner.hpp"

namespace iorec::runner {

class StubTestbed final : public Runner {
 public:
  /// The features are scaled by their range over the first `scaled_on` workloads (all by
  /// default): workloads onboarded after a study's follow its own and leave its truth as it
  /// was.
  StubTestbed(const space::Space& space, const space::WorkloadSet& workloads, uint64_t seed,
              double noise_std, size_t scaled_on = static_cast<size_t>(-1));

  TrialOutcome Run(const TrialRequest& request) override;
  std::string name() const override { return "stub"; }

  /// Noise-free performance (MiB/s-like units, > 0).
  double TruePerf(uint32_t workload_index, const space::Config& c) const;
  /// Noise-free performance for an arbitrary feature vector (same feature names).
  double TruePerfForFeatures(const std::vector<double>& features, const space::Config& c) const;

  struct Optimum {
    space::Config config;
    double perf = 0.0;
  };
  /// The true optimum: exhaustive when Size() <= enum_threshold, else `sampled` random
  /// configs refined by coordinate ascent from the best few (deterministic).
  Optimum FindOptimum(uint32_t workload_index, uint64_t enum_threshold, int sampled) const;
  Optimum FindOptimumForFeatures(const std::vector<double>& features, uint64_t enum_threshold,
                                 int sampled) const;

  size_t num_workloads() const { return params_.size(); }

 private:
  struct KnobTerm {
    double importance;  ///< a_k
    double optimum;     ///< o_k in [0,1]
  };
  struct Params {
    double base;
    std::vector<KnobTerm> knobs;
    std::vector<double> ridge_weight;  ///< per coupled pair
    std::vector<double> ridge_offset;
    std::vector<std::vector<double>> level_effect;  ///< unordered knobs
  };
  Params Derive(const std::vector<double>& features) const;
  double Evaluate(const Params& p, const space::Config& c) const;
  Optimum Search(const Params& p, uint64_t enum_threshold, int sampled, uint64_t salt) const;

  const space::Space& space_;
  const space::WorkloadSet& workloads_;
  uint64_t seed_;
  double noise_std_;
  std::vector<double> feature_scale_;  ///< per feature: maps raw values to [0,1]
  std::vector<std::pair<size_t, size_t>> pairs_;
  std::vector<Params> params_;
};

}  // namespace iorec::runner
