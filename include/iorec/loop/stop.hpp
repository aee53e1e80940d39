#pragma once
/// What ends a study. The study checks its stop criteria, in order, after the warm start
/// and after each active iteration; the first that answers ends it.
#include <memory>
#include <string>
#include <vector>

#include "iorec/config/study_config.hpp"
#include "iorec/loop/iteration.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::loop {

class StopCriterion {
 public:
  virtual ~StopCriterion() = default;
  /// Why the study stops after `rec` (just recorded), or "" to go on.
  virtual std::string Check(const IterationRecord& rec, const state::StudyState& state) = 0;
};

/// A workload without any successful run ends the study (there is nothing to learn from
/// for it); names the workloads and the first failure of each.
std::unique_ptr<StopCriterion> NoRunsCriterion();
/// `rounds` iterations in a row without a better mean best gain.
std::unique_ptr<StopCriterion> NoImprovementCriterion(int rounds);
/// The mean predicted spread of a batch fell below `threshold`.
std::unique_ptr<StopCriterion> LowSpreadCriterion(double threshold);
/// `iterations` active iterations done.
std::unique_ptr<StopCriterion> IterationsCriterion(int iterations);

/// The study's criteria from `active.*`: no runs, early_stop_rounds (when > 0),
/// low_sigma_threshold (when > 0), iterations.
std::vector<std::unique_ptr<StopCriterion>> StopCriteriaFrom(const config::StudyConfig& cfg);

}  // namespace iorec::loop
