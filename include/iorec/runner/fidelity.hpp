#pragma once
/// Fidelity of the real testbed: does a synthesized run reproduce the application it stands
/// for? Each real trial writes fidelity.json into its directory: the features of its own
/// Darshan log next to the workload's target features, the largest absolute deviation over
/// the pct_* fractions, and both modules' agg_perf_by_slowest. status and the report read
/// them back per workload.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "iorec/darshan/summary.hpp"
#include "iorec/space/workload.hpp"

namespace iorec::runner {

/// A workload whose trials deviate by more than this in any pct_* feature is flagged.
inline constexpr double kFidelityTolerance = 0.10;

struct TrialFidelity {
  double max_deviation = 0.0;                 ///< largest |measured - target| over pct_* features
  std::string worst_feature;                  ///< where it is ("" when no feature was compared)
  std::string metric_column;                  ///< the summary column the metric came from
  std::map<std::string, double> module_perf;  ///< "POSIX"/"MPIIO" -> agg_perf_by_slowest
};

/// Writes `path` (best effort): measured features of `summary` (basis: io_api's module),
/// the workload's targets, deviations and both modules' figures.
void WriteFidelity(const std::filesystem::path& path, const darshan::LogSummary& summary,
                   const std::string& metric_column, const std::string& io_api,
                   const space::Workload* workload, const std::vector<std::string>& feature_names);
/// Reads <trial_dir>/fidelity.json; nullopt when absent or unreadable.
std::optional<TrialFidelity> ReadFidelity(const std::filesystem::path& trial_dir);

/// The largest deviation over a workload's trials.
struct WorkloadFidelity {
  std::string workload;
  int trials = 0;  ///< trials with a fidelity.json
  double max_deviation = 0.0;
  std::string worst_feature;
  bool flagged = false;  ///< max_deviation > kFidelityTolerance
};
/// One row per workload that has any fidelity record, in first-seen order, from
/// (workload id, trial directory) pairs.
std::vector<WorkloadFidelity> SummarizeFidelity(
    const std::vector<std::pair<std::string, std::string>>& trials);

}  // namespace iorec::runner
