#pragma once
/// Plain study data the evaluation works on. Built by the caller (report::EvalInputFromStudy
/// converts a loop::StudyResult), so eval/ never depends on the loop module.
#include <cstddef>
#include <string>
#include <vector>

#include "iorec/space/space.hpp"

namespace iorec::eval {

/// Where a trial or a config's first measurement came from.
enum class Source { kBaseline, kWarm, kActive, kReplicate };
const char* ToString(Source s);

/// One distinct config measured on a workload, aggregated over its successful runs.
struct MeasuredConfig {
  space::Config config;
  double mean_perf = 0.0;  ///< mean measured performance (metric units, higher is better)
  double std_perf = 0.0;   ///< sample stddev over runs (0 for a single run)
  double gain = 0.0;       ///< relative gain over the baseline: mean_perf / baseline_perf - 1
  int runs = 0;            ///< successful runs
  Source first_source = Source::kWarm;
  int first_iteration = 0;  ///< 0 = baseline / warm start, 1.. = active iteration
};

/// One trial in execution order (for contribution and best-so-far curves).
struct TrialRecord {
  Source source = Source::kWarm;
  int iteration = 0;
  bool ok = false;
  double gain = 0.0;  ///< relative gain over the baseline; meaningful when ok
};

struct WorkloadData {
  std::string id;
  std::vector<double> features;  ///< in StudyData::feature_names order
  double baseline_perf = 0.0;
  std::vector<MeasuredConfig> configs;  ///< includes the baseline (first_source kBaseline)
  std::vector<TrialRecord> trials;      ///< in execution order
};

struct StudyData {
  space::Space space;
  space::Config baseline;
  std::vector<std::string> feature_names;
  std::vector<WorkloadData> workloads;
  int iterations_run = 0;  ///< active iterations completed
};

/// Relative gain of `perf` over `baseline_perf`: perf / base - 1, or perf - base when the
/// baseline is not positive (the convention of loop::BuildDataset).
double RelativeGain(double perf, double baseline_perf);

}  // namespace iorec::eval
