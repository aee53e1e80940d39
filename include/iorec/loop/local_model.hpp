#pragma once
/// Fits the active loop's per-workload Gaussian processes (model.local_gp) from the study
/// state. The tree ensemble transfers between workloads but is piecewise constant; a GP per
/// workload, on the log gain of its own runs, is smooth in the knob coordinates and
/// averages the noise of nearby runs. Measured on the quality benchmark
/// (docs/QUALITY.md), it beats the trees as the loop's surrogate.
#include "iorec/model/local_gp.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::loop {

/// One GP per workload with runs, on one row per successful run (target: its log gain over
/// the workload's baseline, centred on the workload's mean). `hyper` carries the shared
/// hyperparameters from one iteration to the next: empty on the first call, then refined
/// from the previous values. Deterministic.
model::GpSurrogate FitLocalModels(const state::StudyState& state, model::GpHyper& hyper);

}  // namespace iorec::loop
