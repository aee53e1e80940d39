#pragma once
/// Per-module aggregates matching darshan-parser (`--total`, `--file`, `--perf`), and the reader
/// for darshan-parser text output. Both the binary and the text path produce a LogSummary.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iorec/darshan/log.hpp"

namespace iorec::darshan {

/// One row of `darshan-parser --file`: file count, bytes moved (read+written), max byte offset.
struct FileCategory {
  int64_t count = 0;
  int64_t total_bytes = 0;
  int64_t max_byte_offset = 0;
  bool operator==(const FileCategory&) const = default;
};

/// `darshan-parser --file` categories. `shared` holds globally shared files (rank -1 records);
/// `part_shared` files seen from several ranks but not all.
struct FileCategories {
  FileCategory total, read_only, write_only, read_write, unique, shared, part_shared;
};

/// `darshan-parser --perf` estimate. Times in seconds, throughput in MiB/s.
struct PerfEstimate {
  int64_t total_bytes = 0;
  double slowest_rank_io_time = 0;         ///< unique files
  double slowest_rank_meta_only_time = 0;  ///< unique files
  double slowest_rank_rw_only_time = 0;    ///< unique files
  int64_t slowest_rank = 0;
  double shared_time_by_slowest = 0;  ///< sum over shared files of their slowest rank time
  double agg_time_by_slowest = 0;     ///< slowest_rank_io_time + shared_time_by_slowest
  double agg_perf_by_slowest = 0;     ///< MiB/s; 0 when agg_time_by_slowest is 0
};

/// Aggregates of one module ("POSIX", "MPIIO" or "STDIO").
struct ModuleSummary {
  std::string prefix;
  int64_t num_records = 0;
  std::map<std::string, int64_t> totals;  ///< `total_<NAME>` integer counters
  std::map<std::string, double> ftotals;  ///< `total_<NAME>` floating-point counters
  FileCategories files;
  PerfEstimate perf;
  bool has_files = false;
  bool has_perf = false;

  /// Counter total by full name ("POSIX_READS"); 0 when absent.
  int64_t Total(std::string_view name) const;
  double FTotal(std::string_view name) const;
};

/// A module slot of the log the way darshan-parser walks them (module data present and/or the
/// partial flag set), in module-id order.
struct ModuleSlot {
  int id = 0;
  bool has_data = false;
  bool partial = false;
  bool decoded = false;  ///< POSIX/MPI-IO/STDIO records decoded (not skipped as garbled)
};

/// The Lustre layout the application ran with: the stripe count and size that carried the most
/// bytes among files with LUSTRE records (docs/features.md).
struct LustreLayout {
  int64_t stripe_count = 0;
  int64_t stripe_size = 0;  ///< bytes
  int64_t ost_count = 0;    ///< distinct OSTs those files' stripes are on
  int64_t files = 0;        ///< files with this layout
  int64_t bytes = 0;        ///< bytes they moved (read + written)
  double byte_share = 0;    ///< of all bytes moved by files with LUSTRE records, in [0,1]
};

/// Per-file totals of a module (one entry per record id, sorted by id).
struct FileTotals {
  uint64_t id = 0;
  int64_t bytes = 0;       ///< read + written over the file's records
  int64_t max_offset = 0;  ///< highest byte offset accessed, -1 when unknown
};

/// Job-level fields plus per-module summaries, keyed by prefix.
struct LogSummary {
  std::string source;  ///< file the summary came from
  std::string version;
  int64_t jobid = 0;
  int64_t uid = 0;
  int64_t nprocs = 0;
  int64_t start_time = 0;
  int64_t end_time = 0;
  double run_time = 0;
  std::string exe;
  std::map<std::string, ModuleSummary> modules;
  std::vector<std::string> warnings;  ///< skipped / incomplete modules (one line each)
  std::vector<std::string> notes;     ///< modules iorec does not use
  /// Prefixes of POSIX/MPI-IO/STDIO modules whose data is flagged incomplete.
  std::vector<std::string> partial_modules;
  std::vector<ModuleSlot> slots;  ///< binary logs only
  std::optional<LustreLayout> layout;

  const ModuleSummary* Module(std::string_view prefix) const;
};

/// Incremental darshan-parser aggregation of one module's records (fed in file order).
class ModuleAggregator {
 public:
  /// `prefix` is "POSIX", "MPIIO" or "STDIO"; the name tables must outlive the aggregator.
  ModuleAggregator(const std::string& prefix, const std::vector<std::string>& counter_names,
                   const std::vector<std::string>& fcounter_names);
  ~ModuleAggregator();
  ModuleAggregator(ModuleAggregator&&) noexcept;
  ModuleAggregator& operator=(ModuleAggregator&&) noexcept;
  /// Adds one record; `c`/`f` hold the counter and fcounter rows.
  void Add(uint64_t id, int64_t rank, const int64_t* c, const double* f);
  /// Totals, file categories and perf over everything added. Call once. With `files`, also
  /// returns the per-file totals.
  ModuleSummary Finish(std::vector<FileTotals>* files = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Aggregates one module's records like darshan-parser (total record, file categories, perf).
ModuleSummary SummarizeModule(const ModuleData& module, int64_t nprocs,
                              std::vector<FileTotals>* files = nullptr);

/// The layout that carried the most bytes (nullopt without LUSTRE records). `files` are the
/// per-file totals of the module whose bytes count (POSIX when present), sorted by id.
std::optional<LustreLayout> DominantLayout(const std::vector<LustreRecord>& lustre,
                                           const std::vector<FileTotals>& files);

/// The `total_<COUNTER>: <value>` lines of `darshan-parser --total` for POSIX, MPI-IO and STDIO.
/// darshan-parser stops at the first module flagged partial unless --show-incomplete:
/// `*stopped_at` then names it (else it is left empty).
std::string FormatParserTotals(const LogSummary& s, bool show_incomplete, std::string* stopped_at);
/// The `# agg_time_by_slowest` / `# agg_perf_by_slowest` lines of `darshan-parser --perf`, each
/// module's pair after its `# <MODULE> module data` line.
std::string FormatParserPerf(const LogSummary& s, bool show_incomplete, std::string* stopped_at);

/// Summarizes a decoded binary log.
LogSummary Summarize(const Log& log);

/// Decodes and summarizes a binary log in one streaming pass: module records are aggregated as
/// they are decompressed and never stored (memory ~ file map + 40 bytes per record).
LogSummary SummarizeLogBytes(std::span<const unsigned char> bytes, const std::string& name);

/// Parses darshan-parser text output (any mix of --base/--total/--file/--perf sections).
/// Per-record lines are aggregated when no `total_` lines are present.
/// Throws core::InputError "<name>: line N: <problem>" on malformed input.
LogSummary ParseParserText(std::string_view text, const std::string& name);

/// Reads a darshan-parser text file.
LogSummary ReadParserText(const std::filesystem::path& path);

/// True when the file starts like darshan-parser output ("# darshan log version:").
bool LooksLikeParserText(std::string_view head);

/// Summarizes either a binary log or darshan-parser text (detected from content); `name` names
/// it in messages.
LogSummary SummarizeAnyLog(std::span<const unsigned char> bytes, const std::string& name);

/// Reads either a binary log or darshan-parser text (detected from content).
LogSummary ReadAnyLog(const std::filesystem::path& path);

}  // namespace iorec::darshan
