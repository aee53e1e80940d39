// Workload features and trial objectives from Darshan summaries. See docs/features.md.
#include "iorec/darshan/features.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "iorec/core/error.hpp"

namespace iorec::darshan {
namespace {

double Frac(double num, double den) {
  if (!(den > 0) || !(num > 0)) return 0.0;
  return std::clamp(num / den, 0.0, 1.0);
}

/// Counter total with Darshan's -1 ("unknown") mapped to 0.
double Pos(const ModuleSummary* m, const std::string& name) {
  if (!m) return 0.0;
  return static_cast<double>(std::max<int64_t>(0, m->Total(name)));
}

double SumBins(const ModuleSummary* m, const std::string& prefix, const char* const* bins, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += Pos(m, prefix + bins[i]);
  return s;
}

std::string Basename(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string FormatNumber(double v, int decimals) {
  if (decimals >= 0) {
    double scale = std::pow(10.0, decimals);
    v = std::round(v * scale) / scale;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", 15, v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

const ModuleSummary* ResolveBasis(const LogSummary& s, Basis basis, bool* mpiio) {
  const ModuleSummary* m = s.Module("MPIIO");
  if (basis == Basis::kMpiio) {
    if (!m)
      throw core::InputError(s.source +
                             ": --module mpiio requested but the log has no MPI-IO records");
    *mpiio = true;
    return m;
  }
  if (basis == Basis::kAuto && m &&
      Pos(m, "MPIIO_BYTES_READ") + Pos(m, "MPIIO_BYTES_WRITTEN") > 0) {
    *mpiio = true;
    return m;
  }
  *mpiio = false;
  return s.Module("POSIX");  // may be null: a log without POSIX I/O gives all-zero features
}

}  // namespace

Basis ParseBasis(const std::string& text) {
  if (text == "auto") return Basis::kAuto;
  if (text == "posix") return Basis::kPosix;
  if (text == "mpiio") return Basis::kMpiio;
  throw core::InputError("--module: expected auto, posix or mpiio, got '" + text + "'");
}

const std::vector<std::string>& FeatureNames() {
  static const std::vector<std::string> kNames = {"pct_file_not_aligned",
                                                  "pct_mem_not_aligned",
                                                  "pct_reads",
                                                  "pct_writes",
                                                  "pct_consec_reads",
                                                  "pct_consec_writes",
                                                  "pct_seq_reads",
                                                  "pct_seq_writes",
                                                  "pct_rw_switches",
                                                  "pct_byte_reads",
                                                  "pct_byte_writes",
                                                  "pct_io_access",
                                                  "pct_meta_open_access",
                                                  "pct_meta_stat_access",
                                                  "pct_meta_seek_access",
                                                  "pct_meta_sync_access",
                                                  "pct_read_0_100K",
                                                  "pct_read_100K_10M",
                                                  "pct_read_10M_1G_PLUS",
                                                  "pct_write_0_100K",
                                                  "pct_write_100K_10M",
                                                  "pct_write_10M_1G_PLUS",
                                                  "pct_shared_files",
                                                  "pct_bytes_shared_files",
                                                  "pct_unique_files",
                                                  "pct_bytes_unique_files",
                                                  "pct_read_only_files",
                                                  "pct_bytes_read_only_files",
                                                  "pct_read_write_files",
                                                  "pct_bytes_read_write_files",
                                                  "pct_write_only_files",
                                                  "pct_bytes_write_only_files"};
  return kNames;
}

std::map<std::string, double> WorkloadFeatures::AsMap() const {
  std::map<std::string, double> m(values.begin(), values.end());
  m["nprocs"] = static_cast<double>(nprocs);
  return m;
}

std::map<std::string, std::string> WorkloadFeatures::Attributes() const {
  return {{"io_api", io_api}, {"meta_api", meta_api}, {"mpi_collective_mode", mpi_collective_mode}};
}

namespace {

/// A module with records: counted ones (binary logs, text with record lines) or, for
/// darshan-parser text with totals only, any non-zero total.
bool HasRecords(const ModuleSummary* m) {
  if (!m) return false;
  if (m->num_records > 0) return true;
  for (const auto& [name, v] : m->totals)
    if (v != 0) return true;
  return false;
}

/// Throws when the log holds nothing the features describe, or (strict) is incomplete.
void CheckUsable(const LogSummary& s, bool strict) {
  if (!HasRecords(s.Module("POSIX")) && !HasRecords(s.Module("MPIIO"))) {
    std::string why = "no I/O to describe: the log has no POSIX or MPI-IO records";
    if (HasRecords(s.Module("STDIO")))
      why += " (only STDIO records, which the features do not use)";
    throw core::InputError(s.source + ": " + why);
  }
  if (strict && !s.partial_modules.empty()) {
    std::string list;
    for (const auto& m : s.partial_modules) list += (list.empty() ? "" : ", ") + m;
    throw core::InputError(s.source + ": " + list +
                           " module data is incomplete (Darshan ran out of memory for records); "
                           "--strict refuses incomplete logs");
  }
}

/// The operation counts of the basis module (MPI-IO: every read/write flavour).
struct OpCounts {
  double reads = 0, writes = 0, opens = 0, syncs = 0;
};

OpCounts CountOps(const ModuleSummary* b, bool mpiio) {
  OpCounts c;
  if (mpiio) {
    const std::string p = "MPIIO_";
    c.reads = Pos(b, p + "INDEP_READS") + Pos(b, p + "COLL_READS") + Pos(b, p + "SPLIT_READS") +
              Pos(b, p + "NB_READS");
    c.writes = Pos(b, p + "INDEP_WRITES") + Pos(b, p + "COLL_WRITES") + Pos(b, p + "SPLIT_WRITES") +
               Pos(b, p + "NB_WRITES");
    c.opens = Pos(b, p + "INDEP_OPENS") + Pos(b, p + "COLL_OPENS");
    c.syncs = Pos(b, p + "SYNCS");
  } else {
    c.reads = Pos(b, "POSIX_READS");
    c.writes = Pos(b, "POSIX_WRITES");
    c.opens = Pos(b, "POSIX_OPENS");
    c.syncs = Pos(b, "POSIX_FSYNCS") + Pos(b, "POSIX_FDSYNCS");
  }
  return c;
}

/// Alignment, direction, access pattern and metadata shares. MPI-IO has no alignment,
/// consecutive/sequential, seek or stat counters: POSIX's are used.
void AppendAccessFeatures(const ModuleSummary* b, const ModuleSummary* px, const std::string& p,
                          const OpCounts& ops, std::vector<double>& vals) {
  const double px_reads = Pos(px, "POSIX_READS"), px_writes = Pos(px, "POSIX_WRITES");
  const double px_io = px_reads + px_writes;
  const double stats = Pos(px, "POSIX_STATS"), seeks = Pos(px, "POSIX_SEEKS");
  const double io = ops.reads + ops.writes;
  const double meta_den = io + ops.opens + stats + seeks + ops.syncs;
  const double br = Pos(b, p + "BYTES_READ"), bw = Pos(b, p + "BYTES_WRITTEN");
  vals.insert(
      vals.end(),
      {Frac(Pos(px, "POSIX_FILE_NOT_ALIGNED"), px_io),
       Frac(Pos(px, "POSIX_MEM_NOT_ALIGNED"), px_io), Frac(ops.reads, io), Frac(ops.writes, io),
       Frac(Pos(px, "POSIX_CONSEC_READS"), px_reads),
       Frac(Pos(px, "POSIX_CONSEC_WRITES"), px_writes), Frac(Pos(px, "POSIX_SEQ_READS"), px_reads),
       Frac(Pos(px, "POSIX_SEQ_WRITES"), px_writes), Frac(Pos(b, p + "RW_SWITCHES"), io),
       Frac(br, br + bw), Frac(bw, br + bw), Frac(io, meta_den), Frac(ops.opens, meta_den),
       Frac(stats, meta_den), Frac(seeks, meta_den), Frac(ops.syncs, meta_den)});
}

/// Small (< 100K), mid (100K-10M) and large (>= 10M) shares of the reads, then the writes.
void AppendSizeFeatures(const ModuleSummary* b, const std::string& p, bool mpiio,
                        std::vector<double>& vals) {
  static const char* kSmall[] = {"0_100", "100_1K", "1K_10K", "10K_100K"};
  static const char* kMid[] = {"100K_1M", "1M_4M", "4M_10M"};
  static const char* kLarge[] = {"10M_100M", "100M_1G", "1G_PLUS"};
  for (const char* dir : {"READ", "WRITE"}) {
    const std::string bins = p + "SIZE_" + dir + (mpiio ? "_AGG_" : "_");
    const double small = SumBins(b, bins, kSmall, 4), mid = SumBins(b, bins, kMid, 3),
                 large = SumBins(b, bins, kLarge, 3);
    const double all = small + mid + large;
    vals.insert(vals.end(), {Frac(small, all), Frac(mid, all), Frac(large, all)});
  }
}

/// Shares of shared, unique, read-only, read-write and write-only files, by count and bytes.
void AppendFileFeatures(const ModuleSummary* b, std::vector<double>& vals) {
  FileCategories fc;
  if (b) fc = b->files;
  auto d = [](int64_t v) { return static_cast<double>(std::max<int64_t>(0, v)); };
  const double shared_n = d(fc.shared.count) + d(fc.part_shared.count);
  const double shared_b = d(fc.shared.total_bytes) + d(fc.part_shared.total_bytes);
  const double total_n = d(fc.total.count);
  const double total_b = d(fc.total.total_bytes);
  const double io_n = d(fc.read_only.count) + d(fc.read_write.count) + d(fc.write_only.count);
  const double io_b =
      d(fc.read_only.total_bytes) + d(fc.read_write.total_bytes) + d(fc.write_only.total_bytes);
  vals.insert(vals.end(),
              {Frac(shared_n, total_n), Frac(shared_b, total_b), Frac(d(fc.unique.count), total_n),
               Frac(d(fc.unique.total_bytes), total_b), Frac(d(fc.read_only.count), io_n),
               Frac(d(fc.read_only.total_bytes), io_b), Frac(d(fc.read_write.count), io_n),
               Frac(d(fc.read_write.total_bytes), io_b), Frac(d(fc.write_only.count), io_n),
               Frac(d(fc.write_only.total_bytes), io_b)});
}

}  // namespace

WorkloadFeatures ComputeFeatures(const LogSummary& s, Basis basis) {
  FeatureOptions o;
  o.basis = basis;
  return ComputeFeatures(s, o);
}

WorkloadFeatures ComputeFeatures(const LogSummary& s, const FeatureOptions& options) {
  CheckUsable(s, options.strict);
  WorkloadFeatures out;
  out.layout = s.layout;
  out.incomplete_modules = s.partial_modules;
  out.warnings = s.warnings;
  out.filename = Basename(s.source);
  out.jobid = s.jobid;
  out.nprocs = s.nprocs;
  bool mpiio = false;
  const ModuleSummary* b = ResolveBasis(s, options.basis, &mpiio);
  const ModuleSummary* px = s.Module("POSIX");
  const ModuleSummary* mp = s.Module("MPIIO");
  out.io_api = mpiio ? "mpiio" : "posix";
  out.meta_api = out.io_api;
  const double coll = Pos(mp, "MPIIO_COLL_READS") + Pos(mp, "MPIIO_COLL_WRITES") +
                      Pos(mp, "MPIIO_SPLIT_READS") + Pos(mp, "MPIIO_SPLIT_WRITES");
  out.mpi_collective_mode = coll > 0 ? "yes" : "no";

  const std::string p = mpiio ? "MPIIO_" : "POSIX_";
  std::vector<double> vals;
  AppendAccessFeatures(b, px, p, CountOps(b, mpiio), vals);
  AppendSizeFeatures(b, p, mpiio, vals);
  AppendFileFeatures(b, vals);
  const auto& names = FeatureNames();
  for (size_t i = 0; i < names.size(); ++i) out.values.emplace_back(names[i], vals[i]);
  return out;
}

WorkloadFeatures FeaturesFromFile(const std::filesystem::path& path, Basis basis) {
  return ComputeFeatures(ReadAnyLog(path), basis);
}

WorkloadFeatures FeaturesFromFile(const std::filesystem::path& path,
                                  const FeatureOptions& options) {
  return ComputeFeatures(ReadAnyLog(path), options);
}

std::string DescribeLayout(int64_t stripe_count, int64_t stripe_size) {
  std::string size = std::to_string(stripe_size);
  for (const auto& [unit, scale] :
       {std::pair{"G", int64_t{1} << 30}, std::pair{"M", int64_t{1} << 20},
        std::pair{"K", int64_t{1} << 10}}) {
    if (stripe_size > 0 && stripe_size % scale == 0) {
      size = std::to_string(stripe_size / scale) + unit;
      break;
    }
  }
  return std::to_string(stripe_count) + " \u00d7 " + size;
}

std::string ToWorkloadJson(const WorkloadFeatures& f, int decimals) {
  std::string s = "{\n";
  s += "  \"filename\": " + JsonString(f.filename) + ",\n";
  s += "  \"jobid\": " + std::to_string(f.jobid) + ",\n";
  s += "  \"io_api\": " + JsonString(f.io_api) + ",\n";
  s += "  \"meta_api\": " + JsonString(f.meta_api) + ",\n";
  s += "  \"mpi_collective_mode\": " + JsonString(f.mpi_collective_mode) + ",\n";
  s += "  \"nprocs\": " + std::to_string(f.nprocs);
  for (const auto& [name, v] : f.values)
    s += ",\n  " + JsonString(name) + ": " + FormatNumber(v, decimals);
  if (f.layout) {
    s += ",\n  \"lustre_stripe_count\": " + std::to_string(f.layout->stripe_count);
    s += ",\n  \"lustre_stripe_size\": " + std::to_string(f.layout->stripe_size);
    s += ",\n  \"lustre_ost_count\": " + std::to_string(f.layout->ost_count);
  }
  if (!f.incomplete_modules.empty()) {
    std::string list;
    for (const auto& m : f.incomplete_modules) list += (list.empty() ? "" : ",") + m;
    s += ",\n  \"incomplete_modules\": " + JsonString(list);
  }
  s += "\n}";
  return s;
}

std::string WorkloadCsvHeader() {
  std::string s = "filename,jobid,io_api,meta_api,mpi_collective_mode,nprocs";
  for (const auto& n : FeatureNames()) s += "," + n;
  return s + ",lustre_stripe_count,lustre_stripe_size,lustre_ost_count,incomplete_modules";
}

std::string ToWorkloadCsvRow(const WorkloadFeatures& f, int decimals) {
  std::string name = f.filename;
  if (name.find_first_of(",\"\n") != std::string::npos) {
    std::string q = "\"";
    for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    name = q + "\"";
  }
  std::string s = name + "," + std::to_string(f.jobid) + "," + f.io_api + "," + f.meta_api + "," +
                  f.mpi_collective_mode + "," + std::to_string(f.nprocs);
  for (const auto& [n, v] : f.values) s += "," + FormatNumber(v, decimals);
  if (f.layout)
    s += "," + std::to_string(f.layout->stripe_count) + "," +
         std::to_string(f.layout->stripe_size) + "," + std::to_string(f.layout->ost_count);
  else
    s += ",,,";
  std::string list;
  for (const auto& m : f.incomplete_modules) list += (list.empty() ? "" : " ") + m;
  return s + "," + list;
}

TrialObjectives ComputeObjectives(const LogSummary& s, Basis basis) {
  bool mpiio = false;
  const ModuleSummary* b = ResolveBasis(s, basis, &mpiio);
  TrialObjectives o;
  o.basis = mpiio ? "mpiio" : "posix";
  if (!b) throw core::InputError(s.source + ": log has no POSIX or MPI-IO records; no objective");
  const std::string p = mpiio ? "MPIIO_" : "POSIX_";
  o.throughput = b->perf.agg_perf_by_slowest;
  o.e2e_time =
      b->FTotal(p + "F_READ_TIME") + b->FTotal(p + "F_WRITE_TIME") + b->FTotal(p + "F_META_TIME");
  return o;
}

TrialObjectives ObjectivesFromFile(const std::filesystem::path& path, Basis basis) {
  return ComputeObjectives(ReadAnyLog(path), basis);
}

}  // namespace iorec::darshan
