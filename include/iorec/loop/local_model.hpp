#pragma once
/// The active loop's per-workload surrogate (model.local_gp): a Gaussian process on each
/// workload's own runs, with hyperparameters shared by all workloads.
///
/// The tree ensemble transfers between workloads but is piecewise constant: it cannot
/// resolve the few-percent differences between neighbouring levels that separate a good
/// config from the optimum. A GP per workload, on the log gain of its own runs, is smooth in
/// the knob coordinates and averages the noise of nearby runs. Measured on the quality
/// benchmark (docs/QUALITY.md), it beats both the trees alone and the trees with a GP on
/// their out-of-bag residuals.
#include <memory>
#include <vector>

#include "iorec/model/local_gp.hpp"
#include "iorec/model/surrogate.hpp"
#include "iorec/space/space.hpp"

namespace iorec::loop {

struct WorkloadState;

struct LocalModel {
  double offset = 0.0;                       ///< mean of the workload's targets (log gain)
  std::shared_ptr<const model::LocalGp> gp;  ///< null: workload has no measured runs

  /// Mean (log gain over the baseline) and spread (GP posterior stddev) for each config.
  /// Precondition: gp is not null.
  model::Prediction Predict(const std::vector<space::Config>& configs) const;
};

/// Fits one LocalModel per workload from the runs in `states` (one row per run; target =
/// log(perf / baseline perf), see ModelTarget). `hyper` carries the GP
/// hyperparameters from one iteration to the next: empty on the first call, then refined
/// from the previous values. Deterministic.
std::vector<LocalModel> FitLocalModels(const space::Space& space,
                                       const std::vector<WorkloadState>& states,
                                       model::GpHyper& hyper);

}  // namespace iorec::loop
