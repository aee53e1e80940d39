#pragma once
/// `iorec import`: runs measured elsewhere, from a CSV file, checked against a study. Reads
/// iorec's own layouts (observations.csv, `iorec export --format csv`: workload, perf, status,
/// one column per knob) and the reference io_recommender's observations (pattern_id, or
/// workload_key before "_cap_"; metric; one column per knob). Pure: text in, runs out.
#include <string>
#include <string_view>
#include <vector>

#include "iorec/loop/study.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"
#include "iorec/store/store.hpp"

namespace iorec::store {

struct ImportRow {
  uint32_t workload = 0;
  space::Config config;
  double metric = 0.0;  ///< finite and > 0
  size_t line = 0;      ///< where the row starts in the file, from 1
};

struct ParsedImport {
  std::vector<ImportRow> rows;
  size_t skipped = 0;  ///< rows whose status says the run did not finish (failed, pending)
  std::string layout;  ///< "iorec" or "reference"
};

/// At most this many problems are listed; the rest are counted.
inline constexpr size_t kMaxImportProblems = 40;

/// Parses `text` (CSV with a header row, RFC 4180 quoting) for a study with this space and
/// these workloads. Every column must be a knob of the study or a column one of the layouts
/// writes; every knob needs a column. Throws core::InputError listing every problem (up to
/// kMaxImportProblems) as "<file>:<line>: column <n> (<name>): <what>", e.g. an unknown
/// workload, knob or value, or a metric that is not a number, not finite or not > 0.
ParsedImport ParseImportCsv(std::string_view text, const std::string& file,
                            const space::Space& space, const space::WorkloadSet& workloads);

/// The stored imports as the study takes them (loop::Study's `imported`).
std::vector<loop::ImportedTrial> ToImportedTrials(const std::vector<ImportedRecord>& records);

}  // namespace iorec::store
