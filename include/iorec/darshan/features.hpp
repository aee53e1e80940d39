#pragma once
/// The workload features (fractions in [0,1]) derived from a Darshan log, plus nprocs, io_api,
/// meta_api, mpi_collective_mode, the Lustre layout the application ran with and which modules
/// were incomplete. Formulas: docs/features.md.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "iorec/darshan/summary.hpp"

namespace iorec::darshan {

/// Which module's counters the features are computed from.
enum class Basis { kAuto, kPosix, kMpiio };

/// Parses "auto" | "posix" | "mpiio"; throws core::InputError otherwise.
Basis ParseBasis(const std::string& text);

/// Names of the 35 fraction features, in workload-file order.
const std::vector<std::string>& FeatureNames();

struct WorkloadFeatures {
  std::string filename;  ///< log file name (no directory)
  int64_t jobid = 0;
  int64_t nprocs = 0;
  std::string io_api;                                  ///< "posix" | "mpiio"
  std::string meta_api;                                ///< "posix" | "mpiio"
  std::string mpi_collective_mode;                     ///< "yes" | "no"
  std::vector<std::pair<std::string, double>> values;  ///< FeatureNames() order, in [0,1]
  /// Stripe count/size and OST count of the files that moved the most bytes (LUSTRE records).
  std::optional<LustreLayout> layout;
  /// POSIX / MPI-IO / STDIO modules whose data Darshan flagged incomplete ("POSIX", ...).
  std::vector<std::string> incomplete_modules;
  std::vector<std::string> warnings;  ///< the log's skipped-module warnings

  /// Numeric feature map for a recommender (`recommend --darshan LOG`): every pct_* fraction
  /// plus "nprocs".
  std::map<std::string, double> AsMap() const;
  /// Non-numeric fields: io_api, meta_api, mpi_collective_mode.
  std::map<std::string, std::string> Attributes() const;
};

/// How strictly features treat incomplete logs.
struct FeatureOptions {
  Basis basis = Basis::kAuto;
  /// Refuse a log whose POSIX, MPI-IO or STDIO data is flagged incomplete (else it is only
  /// listed in WorkloadFeatures::incomplete_modules).
  bool strict = false;
};

/// Computes features from a summary. Throws core::InputError when the log has no I/O (no
/// POSIX or MPI-IO records), when the chosen basis module is absent (e.g. --module mpiio on a
/// log without MPI-IO records), or, with `strict`, when a counter module is incomplete.
WorkloadFeatures ComputeFeatures(const LogSummary& summary, const FeatureOptions& options);
WorkloadFeatures ComputeFeatures(const LogSummary& summary, Basis basis = Basis::kAuto);

/// Reads a binary log or darshan-parser text and computes its features.
WorkloadFeatures FeaturesFromFile(const std::filesystem::path& path, const FeatureOptions& options);
WorkloadFeatures FeaturesFromFile(const std::filesystem::path& path, Basis basis = Basis::kAuto);

/// "1 × 1M": stripe count × stripe size (K/M/G when a whole multiple).
std::string DescribeLayout(int64_t stripe_count, int64_t stripe_size);

/// One workload JSON object (fields as in examples/workloads/*.json); fractions rounded to
/// `decimals` places.
std::string ToWorkloadJson(const WorkloadFeatures& f, int decimals = 2);

/// CSV header and row for the same fields.
std::string WorkloadCsvHeader();
std::string ToWorkloadCsvRow(const WorkloadFeatures& f, int decimals = 2);

/// Trial objectives from a log.
struct TrialObjectives {
  double throughput = 0;  ///< agg_perf_by_slowest of the basis module, MiB/s
  double e2e_time = 0;    ///< F_READ_TIME + F_WRITE_TIME + F_META_TIME of the basis module, s
  std::string basis;      ///< "posix" | "mpiio"
};

TrialObjectives ComputeObjectives(const LogSummary& summary, Basis basis = Basis::kAuto);
TrialObjectives ObjectivesFromFile(const std::filesystem::path& path, Basis basis = Basis::kAuto);

}  // namespace iorec::darshan
