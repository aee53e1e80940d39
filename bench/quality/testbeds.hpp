#pragma once
// Testbeds for the quality benchmark: the stub (src/runner/stub_testbed.cpp) and a
// physically motivated Lustre / MPI-IO performance model, behind one interface that also
// answers for workloads the testbed was not built with (unseen and scaled workloads).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "iorec/runner/runner.hpp"
#include "iorec/runner/stub_testbed.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"

namespace iorec::bench {

struct Optimum {
  space::Config config;
  double perf = 0.0;
};

/// A testbed that knows its truth. Run() adds multiplicative noise seeded by (seed,
/// workload id, config, replicate); TruePerf() is noise-free.
class BenchTestbed : public runner::Runner {
 public:
  /// Noise-free performance of `c` for a workload with these features (the feature order
  /// of the training set the testbed was built with).
  virtual double TruePerf(const std::vector<double>& features, const space::Config& c) const = 0;
  /// The best config for these features: exhaustive on small spaces, else sampling refined
  /// by coordinate ascent over single knobs and knob pairs. Deterministic.
  virtual Optimum FindOptimum(const std::vector<double>& features) const = 0;
};

/// "stub" or "lustre". The stub is built on `training` (it scales nprocs against the
/// training set's largest); the Lustre model reads features by name and needs no training
/// set. Throws core::InputError for an unknown name.
std::unique_ptr<BenchTestbed> MakeTestbed(const std::string& name, const space::Space& space,
                                          const space::WorkloadSet& training, uint64_t seed,
                                          double noise_std, uint64_t oracle_enum_threshold,
                                          int oracle_sampled);

/// Exhaustive search up to `enum_threshold` configs, else the best of `sampled` random
/// configs refined by coordinate ascent (single knobs, then every knob pair) from the best
/// few. Deterministic in (space, perf, salt).
Optimum SearchOptimum(const space::Space& space,
                      const std::function<double(const space::Config&)>& perf,
                      uint64_t enum_threshold, int sampled, uint64_t salt);

}  // namespace iorec::bench
