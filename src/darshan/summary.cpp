// Aggregation of module records the way darshan-parser does it (--total, --file, --perf).
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_map>

#include "iorec/darshan/summary.hpp"

namespace iorec::darshan {
namespace {

enum class IKind { kSum, kSet, kMax, kCommonStart, kSkip };
enum class FKind {
  kSum,
  kMinNonZero,
  kMax,
  kMaxReadTime,
  kMaxWriteTime,
  kFastest,
  kSlowest,
  kZero
};

/// Two's-complement wrapping add: counters from hostile or corrupt logs may overflow, and
/// darshan-util's C code wraps too.
int64_t WAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

IKind ClassifyInt(std::string_view n) {
  for (auto s : {"_FASTEST_RANK", "_FASTEST_RANK_BYTES", "_SLOWEST_RANK", "_SLOWEST_RANK_BYTES",
                 "_MAX_READ_TIME_SIZE", "_MAX_WRITE_TIME_SIZE"})
    if (EndsWith(n, s)) return IKind::kSkip;
  for (auto s : {"_RENAMED_FROM", "_MODE", "_MEM_ALIGNMENT", "_FILE_ALIGNMENT"})
    if (EndsWith(n, s)) return IKind::kSet;
  if (EndsWith(n, "_MAX_BYTE_READ") || EndsWith(n, "_MAX_BYTE_WRITTEN")) return IKind::kMax;
  if (EndsWith(n, "_STRIDE1_STRIDE") || EndsWith(n, "_ACCESS1_ACCESS")) return IKind::kCommonStart;
  if (n.find("_STRIDE") != std::string_view::npos || n.find("_ACCESS") != std::string_view::npos)
    return IKind::kSkip;
  return IKind::kSum;
}

FKind ClassifyFloat(std::string_view n) {
  if (EndsWith(n, "_F_MAX_READ_TIME")) return FKind::kMaxReadTime;
  if (EndsWith(n, "_F_MAX_WRITE_TIME")) return FKind::kMaxWriteTime;
  if (EndsWith(n, "_F_FASTEST_RANK_TIME")) return FKind::kFastest;
  if (EndsWith(n, "_F_SLOWEST_RANK_TIME")) return FKind::kSlowest;
  if (n.find("_F_VARIANCE_") != std::string_view::npos) return FKind::kZero;
  if (EndsWith(n, "_START_TIMESTAMP")) return FKind::kMinNonZero;
  if (EndsWith(n, "_END_TIMESTAMP")) return FKind::kMax;
  return FKind::kSum;
}

/// Folds a record's four (value, count) "most common" pairs into the running top four the way
/// darshan-util does: counts of values already present are added; each new value is inserted by
/// count (ties: larger value first), its rank computed with a 32-bit total as in the C code.
/// MPI-IO skips the whole record when its first value is 0 (`skip_if_first_zero`).
void MergeCommon(int64_t* vals, int64_t* cnts, const int64_t* rec_vals, const int64_t* rec_cnts,
                 bool skip_if_first_zero) {
  if (skip_if_first_zero && rec_vals[0] == 0) return;
  bool seen[4] = {false, false, false, false};
  for (int j = 0; j < 4; ++j)
    for (int k = 0; k < 4; ++k)
      if (vals[k] == rec_vals[j]) {
        cnts[k] = WAdd(cnts[k], rec_cnts[j]);
        seen[j] = true;
      }
  for (int j = 0; j < 4; ++j) {
    if (seen[j]) continue;
    const int64_t v = rec_vals[j];
    if (v == 0) break;
    int32_t total = static_cast<int32_t>(rec_cnts[j]);
    for (int k = 0; k < 4; ++k)
      if (vals[k] == v) {
        total = static_cast<int32_t>(WAdd(cnts[k], rec_cnts[j]));
        break;
      }
    int64_t nv[4] = {0, 0, 0, 0}, nc[4] = {0, 0, 0, 0};
    int n = 0, k = 0;
    for (; k < 4; ++k) {
      if (cnts[k] > total || (cnts[k] == total && vals[k] > v)) {
        nv[n] = vals[k];
        nc[n] = cnts[k];
        ++n;
      } else {
        break;
      }
    }
    if (n == 4) break;
    nv[n] = v;
    nc[n] = rec_cnts[j];
    ++n;
    for (; n < 4 && k < 4; ++k) {
      if (vals[k] != v) {
        nv[n] = vals[k];
        nc[n] = cnts[k];
        ++n;
      }
    }
    std::memcpy(vals, nv, sizeof(nv));
    std::memcpy(cnts, nc, sizeof(nc));
  }
}

struct FileAcc {
  uint64_t id = 0;
  int64_t r_bytes = 0, w_bytes = 0, max_offset = 0;
  int32_t nprocs = 0;
  uint32_t seq = 0;  ///< record order: merging a file's records is order-dependent
};

void AddToCategory(FileCategory& c, const FileAcc& f) {
  c.count++;
  c.total_bytes = WAdd(c.total_bytes, WAdd(f.r_bytes, f.w_bytes));
  if (f.max_offset == -1 || c.max_byte_offset == -1)
    c.max_byte_offset = -1;
  else
    c.max_byte_offset = std::max(c.max_byte_offset, f.max_offset);
}

}  // namespace

int64_t ModuleSummary::Total(std::string_view name) const {
  auto it = totals.find(std::string(name));
  return it == totals.end() ? 0 : it->second;
}

double ModuleSummary::FTotal(std::string_view name) const {
  auto it = ftotals.find(std::string(name));
  return it == ftotals.end() ? 0.0 : it->second;
}

const ModuleSummary* LogSummary::Module(std::string_view prefix) const {
  auto it = modules.find(std::string(prefix));
  return it == modules.end() ? nullptr : &it->second;
}

struct ModuleAggregator::Impl {
  struct RankAcc {
    double io = 0, rw = 0, md = 0;
  };
  static constexpr int64_t kDenseRanks = 1 << 16;

  Impl(const std::string& prefix, const std::vector<std::string>& cn_in,
       const std::vector<std::string>& fn_in)
      : cn(cn_in), fn(fn_in), nc(cn_in.size()), nf(fn_in.size()), agg(nc, 0), fagg(nf, 0.0) {
    out.prefix = prefix;
    clamp_sums = prefix == "POSIX";          // darshan-util marks negative POSIX sums as -1
    common_needs_first = prefix == "MPIIO";  // MPI-IO skips a record whose first value is 0
    ik.resize(nc);
    fk.resize(nf);
    for (size_t i = 0; i < nc; ++i) {
      ik[i] = ClassifyInt(cn[i]);
      if (ik[i] == IKind::kSum) sum_idx.push_back(static_cast<uint16_t>(i));
      if (ik[i] != IKind::kSum && ik[i] != IKind::kSkip)
        other_idx.push_back(static_cast<uint16_t>(i));
    }
    for (size_t i = 0; i < nf; ++i) fk[i] = ClassifyFloat(fn[i]);
    auto idx = [&](const char* suffix) {
      auto it = std::find(cn.begin(), cn.end(), prefix + suffix);
      return it == cn.end() ? -1 : static_cast<int>(it - cn.begin());
    };
    auto fidx = [&](const char* suffix) {
      auto it = std::find(fn.begin(), fn.end(), prefix + suffix);
      return it == fn.end() ? -1 : static_cast<int>(it - fn.begin());
    };
    i_br = idx("_BYTES_READ"), i_bw = idx("_BYTES_WRITTEN");
    i_mbr = idx("_MAX_BYTE_READ"), i_mbw = idx("_MAX_BYTE_WRITTEN");
    i_fr = idx("_FASTEST_RANK"), i_frb = idx("_FASTEST_RANK_BYTES");
    i_sr = idx("_SLOWEST_RANK"), i_srb = idx("_SLOWEST_RANK_BYTES");
    i_mrs = idx("_MAX_READ_TIME_SIZE"), i_mws = idx("_MAX_WRITE_TIME_SIZE");
    f_rt = fidx("_F_READ_TIME"), f_wt = fidx("_F_WRITE_TIME"), f_mt = fidx("_F_META_TIME");
    f_ft = fidx("_F_FASTEST_RANK_TIME"), f_st = fidx("_F_SLOWEST_RANK_TIME");
  }

  static int64_t ci(int i, const int64_t* c) { return i >= 0 ? c[i] : 0; }
  static double cf(int i, const double* f) { return i >= 0 ? f[i] : 0.0; }

  void Add(uint64_t id, int64_t rank, const int64_t* c, const double* f) {
    const bool init = out.num_records == 0;
    ++out.num_records;
    PerfEstimate& perf = out.perf;
    const int64_t bytes = WAdd(ci(i_br, c), ci(i_bw, c));
    // Same operand order as darshan-util, so the sums round identically.
    const double rw_time = cf(f_rt, f) + cf(f_wt, f);
    const double io_time = cf(f_mt, f) + cf(f_rt, f) + cf(f_wt, f);
    const double agg_time = cf(f_rt, f) + cf(f_wt, f) + cf(f_mt, f);

    // ---- total record
    if (init) agg_id = id;
    const bool same_file = agg_id == id;
    if (!same_file) agg_id = 0;
    int64_t fast_rank, slow_rank, fast_bytes, slow_bytes;
    double fast_time, slow_time;
    if (rank < 0) {
      fast_rank = ci(i_fr, c), slow_rank = ci(i_sr, c);
      fast_bytes = ci(i_frb, c), slow_bytes = ci(i_srb, c);
      fast_time = cf(f_ft, f), slow_time = cf(f_st, f);
    } else {
      fast_rank = slow_rank = rank;
      fast_bytes = slow_bytes = bytes;
      fast_time = slow_time = agg_time;
    }
    int64_t* a = agg.data();
    if (clamp_sums) {
      for (const uint16_t i : sum_idx) {
        const int64_t v = WAdd(a[i], c[i]);
        a[i] = v < 0 ? -1 : v;
      }
    } else {
      for (const uint16_t i : sum_idx) a[i] = WAdd(a[i], c[i]);
    }
    for (const uint16_t i : other_idx) {
      switch (ik[i]) {
        case IKind::kSet:
          a[i] = c[i];
          break;
        case IKind::kMax:
          a[i] = std::max(a[i], c[i]);
          break;
        case IKind::kCommonStart:
          if (i + 8u <= nc) {
            int64_t rv[4], rc[4];
            std::memcpy(rv, c + i, sizeof(rv));
            std::memcpy(rc, c + i + 4, sizeof(rc));
            MergeCommon(a + i, a + i + 4, rv, rc, common_needs_first);
          }
          break;
        case IKind::kSum:
        case IKind::kSkip:
          break;
      }
    }
    for (size_t i = 0; i < nf; ++i) {
      switch (fk[i]) {
        case FKind::kSum:
          fagg[i] += f[i];
          break;
        case FKind::kMinNonZero:
          if (f[i] > 0 && (fagg[i] == 0 || f[i] < fagg[i])) fagg[i] = f[i];
          break;
        case FKind::kMax:
          if (f[i] > fagg[i]) fagg[i] = f[i];
          break;
        case FKind::kMaxReadTime:
          if (f[i] > fagg[i]) {
            fagg[i] = f[i];
            if (i_mrs >= 0) agg[i_mrs] = c[i_mrs];
          }
          break;
        case FKind::kMaxWriteTime:
          if (f[i] > fagg[i]) {
            fagg[i] = f[i];
            if (i_mws >= 0) agg[i_mws] = c[i_mws];
          }
          break;
        case FKind::kFastest:
          if (!same_file) {
            if (i_fr >= 0) agg[i_fr] = -1;
            if (i_frb >= 0) agg[i_frb] = -1;
            fagg[i] = 0;
          } else if (init || fast_time < fagg[i]) {
            if (i_fr >= 0) agg[i_fr] = fast_rank;
            if (i_frb >= 0) agg[i_frb] = fast_bytes;
            fagg[i] = fast_time;
          }
          break;
        case FKind::kSlowest:
          if (!same_file) {
            if (i_sr >= 0) agg[i_sr] = -1;
            if (i_srb >= 0) agg[i_srb] = -1;
            fagg[i] = 0;
          } else if (init || slow_time > fagg[i]) {
            if (i_sr >= 0) agg[i_sr] = slow_rank;
            if (i_srb >= 0) agg[i_srb] = slow_bytes;
            fagg[i] = slow_time;
          }
          break;
        case FKind::kZero:
          fagg[i] = 0;
          break;
      }
    }

    // ---- perf
    perf.total_bytes = WAdd(perf.total_bytes, bytes);
    if (rank < 0) {
      perf.shared_time_by_slowest += cf(f_st, f);
    } else {
      RankAcc* rp;
      if (rank < kDenseRanks) {
        if (static_cast<size_t>(rank) >= dense_ranks.size()) dense_ranks.resize(rank + 1);
        rp = &dense_ranks[rank];
      } else {
        rp = &sparse_ranks[rank];
      }
      RankAcc& ra = *rp;
      ra.io += io_time;
      ra.rw += rw_time;
      ra.md += cf(f_mt, f);
    }

    // MPI-IO has no byte offsets: its files' max offset is -1 ("not supported").
    const int64_t max_offset = i_mbr < 0 && i_mbw < 0 ? -1 : std::max(ci(i_mbr, c), ci(i_mbw, c));
    files.push_back({id, ci(i_br, c), ci(i_bw, c), max_offset, rank < 0 ? -1 : 1,
                     static_cast<uint32_t>(files.size())});
  }

  ModuleSummary Finish(std::vector<FileTotals>* file_totals) {
    PerfEstimate& perf = out.perf;
    std::sort(files.begin(), files.end(), [](const FileAcc& a, const FileAcc& b) {
      return a.id < b.id || (a.id == b.id && a.seq < b.seq);
    });
    size_t nfiles = 0;
    for (size_t i = 0; i < files.size();) {
      FileAcc acc{files[i].id, 0, 0, 0, 0, 0};
      for (; i < files.size() && files[i].id == acc.id; ++i) {
        const FileAcc& x = files[i];
        acc.r_bytes = WAdd(acc.r_bytes, x.r_bytes);
        acc.w_bytes = WAdd(acc.w_bytes, x.w_bytes);
        acc.max_offset = x.max_offset == -1 ? -1 : std::max(acc.max_offset, x.max_offset);
        // as darshan-parser: a shared record marks -1; later per-rank records still add 1
        if (x.nprocs == -1)
          acc.nprocs = -1;
        else
          acc.nprocs += 1;
      }
      files[nfiles++] = acc;
    }
    files.resize(nfiles);
    if (file_totals) {
      file_totals->clear();
      file_totals->reserve(files.size());
      for (const FileAcc& fa : files)
        file_totals->push_back({fa.id, WAdd(fa.r_bytes, fa.w_bytes), fa.max_offset});
    }

    for (size_t i = 0; i < nc; ++i) out.totals[cn[i]] = agg[i];
    for (size_t i = 0; i < nf; ++i) out.ftotals[fn[i]] = fagg[i];

    auto consider = [&](int64_t rank, const RankAcc& ra) {
      if (ra.io > perf.slowest_rank_io_time) {
        perf.slowest_rank_io_time = ra.io;
        perf.slowest_rank_rw_only_time = ra.rw;
        perf.slowest_rank_meta_only_time = ra.md;
        perf.slowest_rank = rank;
      }
    };
    for (size_t r = 0; r < dense_ranks.size(); ++r)
      consider(static_cast<int64_t>(r), dense_ranks[r]);
    for (const auto& [rank, ra] : sparse_ranks) consider(rank, ra);
    perf.agg_time_by_slowest = perf.slowest_rank_io_time + perf.shared_time_by_slowest;
    if (perf.agg_time_by_slowest > 0)
      perf.agg_perf_by_slowest =
          (static_cast<double>(perf.total_bytes) / 1048576.0) / perf.agg_time_by_slowest;
    out.has_perf = true;

    FileCategories& fc = out.files;
    for (const FileAcc& fa : files) {
      AddToCategory(fc.total, fa);
      if (fa.r_bytes > 0 && fa.w_bytes == 0)
        AddToCategory(fc.read_only, fa);
      else if (fa.w_bytes > 0 && fa.r_bytes == 0)
        AddToCategory(fc.write_only, fa);
      else if (fa.w_bytes > 0 && fa.r_bytes > 0)
        AddToCategory(fc.read_write, fa);
      if (fa.nprocs == 1)
        AddToCategory(fc.unique, fa);
      else if (fa.nprocs == -1)
        AddToCategory(fc.shared, fa);
      else
        AddToCategory(fc.part_shared, fa);
    }
    out.has_files = true;
    return std::move(out);
  }

  const std::vector<std::string>& cn;
  const std::vector<std::string>& fn;
  size_t nc, nf;
  std::vector<IKind> ik;
  std::vector<uint16_t> sum_idx;    ///< counters summed
  std::vector<uint16_t> other_idx;  ///< counters set, maxed or merged (most common values)
  std::vector<FKind> fk;
  int i_br, i_bw, i_mbr, i_mbw, i_fr, i_frb, i_sr, i_srb, i_mrs, i_mws;
  int f_rt, f_wt, f_mt, f_ft, f_st;
  bool clamp_sums = false;
  bool common_needs_first = false;
  std::vector<int64_t> agg;
  std::vector<double> fagg;
  uint64_t agg_id = 0;
  // Per-record file contributions; sorted by id and merged at the end (cheaper than a hash map
  // for millions of records).
  std::vector<FileAcc> files;
  std::vector<RankAcc> dense_ranks;
  std::map<int64_t, RankAcc> sparse_ranks;
  ModuleSummary out;
};

ModuleAggregator::ModuleAggregator(const std::string& prefix,
                                   const std::vector<std::string>& counter_names,
                                   const std::vector<std::string>& fcounter_names)
    : impl_(std::make_unique<Impl>(prefix, counter_names, fcounter_names)) {}
ModuleAggregator::~ModuleAggregator() = default;
ModuleAggregator::ModuleAggregator(ModuleAggregator&&) noexcept = default;
ModuleAggregator& ModuleAggregator::operator=(ModuleAggregator&&) noexcept = default;

void ModuleAggregator::Add(uint64_t id, int64_t rank, const int64_t* c, const double* f) {
  impl_->Add(id, rank, c, f);
}

ModuleSummary ModuleAggregator::Finish(std::vector<FileTotals>* files) {
  return impl_->Finish(files);
}

ModuleSummary SummarizeModule(const ModuleData& md, int64_t nprocs,
                              std::vector<FileTotals>* files) {
  (void)nprocs;
  ModuleAggregator agg(md.prefix, *md.counter_names, *md.fcounter_names);
  for (size_t r = 0; r < md.size(); ++r)
    agg.Add(md.ids[r], md.ranks[r], md.Counters(r), md.FCounters(r));
  return agg.Finish(files);
}

namespace {

/// Job fields, warnings and module slots of a decoded log (no module summaries).
LogSummary JobSummary(const Log& log) {
  LogSummary s;
  s.source = log.path;
  s.version = log.header.version;
  s.jobid = log.job.jobid;
  s.uid = log.job.uid;
  s.nprocs = log.job.nprocs;
  s.start_time = log.job.start_time;
  s.end_time = log.job.end_time;
  s.run_time = log.job.RunTime();
  s.exe = log.job.exe;
  s.warnings = log.warnings;
  s.notes = log.notes;
  for (int mod : log.partial_modules) s.partial_modules.push_back(CounterPrefix(mod));
  for (int mod = 0; mod < kMaxModules; ++mod) {
    ModuleSlot slot{mod, log.header.mod_map[mod].len > 0, log.header.Partial(mod),
                    log.modules.count(mod) > 0};
    if (slot.has_data || slot.partial) s.slots.push_back(slot);
  }
  return s;
}

/// Module whose per-file bytes weigh the Lustre layouts: POSIX, else MPI-IO, else STDIO.
const char* LayoutBasis(const LogSummary& s) {
  for (const char* p : {"POSIX", "MPIIO", "STDIO"})
    if (s.Module(p)) return p;
  return nullptr;
}

}  // namespace

LogSummary Summarize(const Log& log) {
  LogSummary s = JobSummary(log);
  std::map<std::string, std::vector<FileTotals>> files;
  for (const auto& [id, md] : log.modules)
    s.modules[md.prefix] = SummarizeModule(md, log.job.nprocs, &files[md.prefix]);
  if (!log.lustre.empty()) {
    const char* basis = LayoutBasis(s);
    s.layout = DominantLayout(log.lustre, basis ? files[basis] : std::vector<FileTotals>{});
  }
  return s;
}

namespace {

/// Feeds decoded records straight into per-module aggregators.
class AggregatingSink final : public RecordSink {
 public:
  void BeginModule(const ModuleData& m) override {
    current_ =
        &aggs_.emplace(m.prefix, ModuleAggregator(m.prefix, *m.counter_names, *m.fcounter_names))
             .first->second;
  }
  void Record(uint64_t id, int64_t rank, const int64_t* c, const double* f) override {
    current_->Add(id, rank, c, f);
  }
  void EndModule(const ModuleData& m, bool kept) override {
    if (!kept) aggs_.erase(m.prefix);
    current_ = nullptr;
  }
  std::map<std::string, ModuleAggregator>& aggregators() { return aggs_; }

 private:
  std::map<std::string, ModuleAggregator> aggs_;
  ModuleAggregator* current_ = nullptr;
};

}  // namespace

LogSummary SummarizeLogBytes(std::span<const unsigned char> bytes, const std::string& name) {
  AggregatingSink sink;
  ParseOptions options;
  options.sink = &sink;
  options.read_names = false;
  Log log = ParseLog(bytes, name, options);
  LogSummary s = JobSummary(log);
  std::map<std::string, std::vector<FileTotals>> files;
  const bool want_files = !log.lustre.empty();
  for (auto& [prefix, agg] : sink.aggregators())
    s.modules[prefix] = agg.Finish(want_files ? &files[prefix] : nullptr);
  if (want_files) {
    const char* basis = LayoutBasis(s);
    s.layout = DominantLayout(log.lustre, basis ? files[basis] : std::vector<FileTotals>{});
  }
  return s;
}

}  // namespace iorec::darshan
