#pragma once
/// The deployable model's training set, read from the study state: one row per measured
/// (workload, config), target = the log gain of the config's mean perf over the workload's
/// baseline. The loop's tree surrogate, the shipped model and the held-out evaluation all
/// train on it.
#include <functional>

#include "iorec/model/row_model.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::deploy {

/// Which (workload, config index) rows to include; all when empty.
using RowFilter = std::function<bool(size_t workload, size_t config)>;

/// Rows of workloads with a baseline, in workload then first-measured order.
model::Dataset TrainingSet(const state::StudyState& state, const RowFilter& include = {});

}  // namespace iorec::deploy
