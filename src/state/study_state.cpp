#include "iorec/state/study_state.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace iorec::state {

const char* ToString(Source s) {
  switch (s) {
    case Source::kBaseline:
      return "baseline";
    case Source::kWarm:
      return "warm";
    case Source::kActive:
      return "active";
    case Source::kReplicate:
      return "replicate";
    case Source::kImported:
      return "imported";
  }
  return "?";
}

const char* ToString(BaselineSource s) {
  switch (s) {
    case BaselineSource::kNone:
      return "none";
    case BaselineSource::kMeasured:
      return "measured";
    case BaselineSource::kMedianWarm:
      return "median_warm";
  }
  return "?";
}

Perf ConfigStats::Mean() const {
  const double sum = std::accumulate(perfs.begin(), perfs.end(), 0.0,
                                     [](double s, Perf p) { return s + p.value; });
  return Perf{sum / static_cast<double>(perfs.size())};
}

double ConfigStats::Std() const {
  if (perfs.size() < 2) return 0.0;
  const double m = Mean().value;
  double s = 0.0;
  for (Perf p : perfs) s += (p.value - m) * (p.value - m);
  return std::sqrt(s / static_cast<double>(perfs.size() - 1));
}

Perf ConfigStats::Robust(double z) const { return Perf{Mean().value - z * Std()}; }

bool WorkloadRecord::has_runs() const {
  return std::any_of(configs.begin(), configs.end(),
                     [](const ConfigStats& c) { return c.measured(); });
}

const ConfigStats* WorkloadRecord::Find(const space::Config& c) const {
  const auto it = index.find(c);
  return it == index.end() ? nullptr : &configs[it->second];
}

std::vector<const ConfigStats*> WorkloadRecord::Ranked(double z) const {
  std::vector<const ConfigStats*> out;
  for (const auto& c : configs) {
    if (c.measured()) out.push_back(&c);
  }
  std::stable_sort(out.begin(), out.end(), [z](const ConfigStats* a, const ConfigStats* b) {
    return a->Mean().value - z * a->Std() > b->Mean().value - z * b->Std();
  });
  return out;
}

StudyState::StudyState(space::Space space, space::Config baseline_config,
                       space::WorkloadSet workloads, Direction direction)
    : space_(std::move(space)),
      baseline_config_(std::move(baseline_config)),
      workloads_(std::move(workloads)),
      direction_(direction),
      records_(workloads_.size()) {}

const Trial& StudyState::Record(Trial trial) {
  if (trial.ok) {
    std::string why;
    if (const auto perf = PerfFromMetric(trial.metric, direction_, &why)) {
      trial.perf = *perf;
    } else {
      trial.ok = false;
      trial.failure_reason = why;
    }
  } else if (trial.failure_reason.empty()) {
    trial.failure_reason = "failed";
  }
  auto& rec = records_[trial.workload];
  if (trial.source == Source::kBaseline) {
    if (trial.ok) {
      rec.baseline = trial.perf;
      rec.baseline_source = BaselineSource::kMeasured;
    } else {
      rec.baseline_failure = trial.failure_reason;
    }
  }
  auto [it, inserted] = rec.index.emplace(trial.config, rec.configs.size());
  if (inserted) {
    ConfigStats cs;
    cs.config = trial.config;
    cs.first_source = trial.source;
    cs.first_iteration = trial.iteration;
    rec.configs.push_back(std::move(cs));
  }
  if (trial.ok) rec.configs[it->second].perfs.push_back(trial.perf);
  trials_.push_back(std::move(trial));
  return trials_.back();
}

std::vector<uint32_t> StudyState::SubstituteMissingBaselines() {
  std::vector<uint32_t> out;
  for (uint32_t w = 0; w < records_.size(); ++w) {
    auto& rec = records_[w];
    if (rec.has_baseline()) continue;
    std::vector<double> perfs;
    for (const auto& c : rec.configs) {
      if (c.measured()) perfs.push_back(c.Mean().value);
    }
    if (perfs.empty()) continue;
    std::sort(perfs.begin(), perfs.end());
    rec.baseline = Perf{perfs[perfs.size() / 2]};
    rec.baseline_source = BaselineSource::kMedianWarm;
    out.push_back(w);
  }
  return out;
}

}  // namespace iorec::state
