#pragma once
// Builds a state::StudyState for unit tests: trials recorded one call at a time.
#include <string>
#include <utility>

#include "iorec/state/study_state.hpp"

namespace iorec::test_support {

class StateBuilder {
 public:
  StateBuilder(space::Space space, space::Config baseline, space::WorkloadSet workloads,
               state::Direction direction = state::Direction::kMaximize)
      : state_(std::move(space), std::move(baseline), std::move(workloads), direction) {}

  /// Records a successful run of `config` on workload `w` that measured `metric`.
  StateBuilder& Run(uint32_t w, const space::Config& config, double metric,
                    state::Source source = state::Source::kWarm, int iteration = 0) {
    state::Trial t = Base(w, config, source, iteration);
    t.ok = true;
    t.metric = metric;
    state_.Record(std::move(t));
    return *this;
  }
  /// Records a failed run.
  StateBuilder& Fail(uint32_t w, const space::Config& config, const std::string& reason,
                     state::Source source = state::Source::kWarm, int iteration = 0) {
    state::Trial t = Base(w, config, source, iteration);
    t.failure_reason = reason;
    state_.Record(std::move(t));
    return *this;
  }
  /// Runs the baseline config of workload `w`.
  StateBuilder& Baseline(uint32_t w, double metric) {
    return Run(w, state_.baseline_config(), metric, state::Source::kBaseline);
  }

  state::StudyState& state() { return state_; }

 private:
  state::Trial Base(uint32_t w, const space::Config& config, state::Source source, int iteration) {
    state::Trial t;
    t.trial_id = next_id_++;
    t.workload = w;
    t.config = config;
    t.source = source;
    t.iteration = iteration;
    return t;
  }

  state::StudyState state_;
  uint64_t next_id_ = 1;
};

/// `n` workloads "w0", "w1", ... with the given features (one vector each).
inline space::WorkloadSet Workloads(std::vector<std::vector<double>> features) {
  space::WorkloadSet ws;
  for (size_t j = 0; j < (features.empty() ? 0 : features[0].size()); ++j)
    ws.feature_names.push_back("f" + std::to_string(j));
  for (size_t w = 0; w < features.size(); ++w)
    ws.workloads.push_back({"w" + std::to_string(w), std::move(features[w]), "", {}});
  return ws;
}

}  // namespace iorec::test_support
