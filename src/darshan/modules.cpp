// Counter name tables of the decoded Darshan modules (current layouts, darshan-util 3.4.7).
#include <cstring>
#include <string>
#include <vector>

#include "iorec/darshan/log.hpp"

namespace iorec::darshan {
namespace {

std::vector<std::string> Prefixed(const char* prefix, std::initializer_list<const char*> names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const char* n : names) out.push_back(std::string(prefix) + n);
  return out;
}

std::vector<std::string> SizeBins(const char* prefix, const char* kind) {
  static const char* kBins[] = {"0_100", "100_1K", "1K_10K",   "10K_100K", "100K_1M",
                                "1M_4M", "4M_10M", "10M_100M", "100M_1G",  "1G_PLUS"};
  std::vector<std::string> out;
  for (const char* b : kBins) out.push_back(std::string(prefix) + kind + b);
  return out;
}

void Append(std::vector<std::string>& dst, const std::vector<std::string>& src) {
  dst.insert(dst.end(), src.begin(), src.end());
}

std::vector<std::string> TimeFCounters(const char* p) {
  return Prefixed(p,
                  {"F_OPEN_START_TIMESTAMP", "F_READ_START_TIMESTAMP", "F_WRITE_START_TIMESTAMP",
                   "F_CLOSE_START_TIMESTAMP", "F_OPEN_END_TIMESTAMP", "F_READ_END_TIMESTAMP",
                   "F_WRITE_END_TIMESTAMP", "F_CLOSE_END_TIMESTAMP", "F_READ_TIME", "F_WRITE_TIME",
                   "F_META_TIME", "F_MAX_READ_TIME", "F_MAX_WRITE_TIME", "F_FASTEST_RANK_TIME",
                   "F_SLOWEST_RANK_TIME", "F_VARIANCE_RANK_TIME", "F_VARIANCE_RANK_BYTES"});
}

std::vector<std::string> MakePosix() {
  auto v = Prefixed("POSIX_", {"OPENS",
                               "FILENOS",
                               "DUPS",
                               "READS",
                               "WRITES",
                               "SEEKS",
                               "STATS",
                               "MMAPS",
                               "FSYNCS",
                               "FDSYNCS",
                               "RENAME_SOURCES",
                               "RENAME_TARGETS",
                               "RENAMED_FROM",
                               "MODE",
                               "BYTES_READ",
                               "BYTES_WRITTEN",
                               "MAX_BYTE_READ",
                               "MAX_BYTE_WRITTEN",
                               "CONSEC_READS",
                               "CONSEC_WRITES",
                               "SEQ_READS",
                               "SEQ_WRITES",
                               "RW_SWITCHES",
                               "MEM_NOT_ALIGNED",
                               "MEM_ALIGNMENT",
                               "FILE_NOT_ALIGNED",
                               "FILE_ALIGNMENT",
                               "MAX_READ_TIME_SIZE",
                               "MAX_WRITE_TIME_SIZE"});
  Append(v, SizeBins("POSIX_", "SIZE_READ_"));
  Append(v, SizeBins("POSIX_", "SIZE_WRITE_"));
  Append(v, Prefixed(
                "POSIX_",
                {"STRIDE1_STRIDE", "STRIDE2_STRIDE",     "STRIDE3_STRIDE", "STRIDE4_STRIDE",
                 "STRIDE1_COUNT",  "STRIDE2_COUNT",      "STRIDE3_COUNT",  "STRIDE4_COUNT",
                 "ACCESS1_ACCESS", "ACCESS2_ACCESS",     "ACCESS3_ACCESS", "ACCESS4_ACCESS",
                 "ACCESS1_COUNT",  "ACCESS2_COUNT",      "ACCESS3_COUNT",  "ACCESS4_COUNT",
                 "FASTEST_RANK",   "FASTEST_RANK_BYTES", "SLOWEST_RANK",   "SLOWEST_RANK_BYTES"}));
  return v;
}

std::vector<std::string> MakeMpiio() {
  auto v =
      Prefixed("MPIIO_", {"INDEP_OPENS", "COLL_OPENS", "INDEP_READS", "INDEP_WRITES", "COLL_READS",
                          "COLL_WRITES", "SPLIT_READS", "SPLIT_WRITES", "NB_READS", "NB_WRITES",
                          "SYNCS", "HINTS", "VIEWS", "MODE", "BYTES_READ", "BYTES_WRITTEN",
                          "RW_SWITCHES", "MAX_READ_TIME_SIZE", "MAX_WRITE_TIME_SIZE"});
  Append(v, SizeBins("MPIIO_", "SIZE_READ_AGG_"));
  Append(v, SizeBins("MPIIO_", "SIZE_WRITE_AGG_"));
  Append(v, Prefixed("MPIIO_",
                     {"ACCESS1_ACCESS", "ACCESS2_ACCESS", "ACCESS3_ACCESS", "ACCESS4_ACCESS",
                      "ACCESS1_COUNT", "ACCESS2_COUNT", "ACCESS3_COUNT", "ACCESS4_COUNT",
                      "FASTEST_RANK", "FASTEST_RANK_BYTES", "SLOWEST_RANK", "SLOWEST_RANK_BYTES"}));
  return v;
}

std::vector<std::string> MakeStdio() {
  return Prefixed("STDIO_",
                  {"OPENS", "FDOPENS", "READS", "WRITES", "SEEKS", "FLUSHES", "BYTES_WRITTEN",
                   "BYTES_READ", "MAX_BYTE_READ", "MAX_BYTE_WRITTEN", "FASTEST_RANK",
                   "FASTEST_RANK_BYTES", "SLOWEST_RANK", "SLOWEST_RANK_BYTES"});
}

std::vector<std::string> MakeStdioF() {
  return Prefixed("STDIO_",
                  {"F_META_TIME", "F_WRITE_TIME", "F_READ_TIME", "F_OPEN_START_TIMESTAMP",
                   "F_CLOSE_START_TIMESTAMP", "F_WRITE_START_TIMESTAMP", "F_READ_START_TIMESTAMP",
                   "F_OPEN_END_TIMESTAMP", "F_CLOSE_END_TIMESTAMP", "F_WRITE_END_TIMESTAMP",
                   "F_READ_END_TIMESTAMP", "F_FASTEST_RANK_TIME", "F_SLOWEST_RANK_TIME",
                   "F_VARIANCE_RANK_TIME", "F_VARIANCE_RANK_BYTES"});
}

}  // namespace

uint32_t CurrentVersion(int module_id) {
  switch (static_cast<ModuleId>(module_id)) {
    case ModuleId::kPosix:
      return 4;
    case ModuleId::kMpiio:
      return 3;
    case ModuleId::kStdio:
      return 2;
    default:
      return 0;
  }
}

std::string CounterPrefix(int module_id) {
  switch (static_cast<ModuleId>(module_id)) {
    case ModuleId::kPosix:
      return "POSIX";
    case ModuleId::kMpiio:
      return "MPIIO";
    case ModuleId::kStdio:
      return "STDIO";
    default:
      return "";
  }
}

const std::vector<std::string>* CounterNames(int module_id, uint32_t version) {
  static const auto kPosix = MakePosix();
  static const auto kMpiio = MakeMpiio();
  static const auto kStdio = MakeStdio();
  if (version < 1 || version > CurrentVersion(module_id)) return nullptr;
  switch (static_cast<ModuleId>(module_id)) {
    case ModuleId::kPosix:
      return &kPosix;
    case ModuleId::kMpiio:
      return &kMpiio;
    default:
      return &kStdio;
  }
}

const std::vector<std::string>* FCounterNames(int module_id, uint32_t version) {
  static const auto kPosixF = TimeFCounters("POSIX_");
  static const auto kMpiioF = TimeFCounters("MPIIO_");
  static const auto kStdioF = MakeStdioF();
  if (version < 1 || version > CurrentVersion(module_id)) return nullptr;
  switch (static_cast<ModuleId>(module_id)) {
    case ModuleId::kPosix:
      return &kPosixF;
    case ModuleId::kMpiio:
      return &kMpiioF;
    default:
      return &kStdioF;
  }
}

std::string ModuleName(int module_id) {
  static const char* kNames[] = {"NULL",         "POSIX",       "MPI-IO", "H5F",    "H5D",
                                 "PNETCDF_FILE", "PNETCDF_VAR", "BG/Q",   "LUSTRE", "STDIO",
                                 "DXT_POSIX",    "DXT_MPIIO",   "MDHIM",  "APXC",   "APMPI",
                                 "HEATMAP",      "DFS",         "DAOS"};
  if (module_id >= 0 && module_id < static_cast<int>(std::size(kNames))) return kNames[module_id];
  return "MOD" + std::to_string(module_id);
}

int ModuleData::CounterIndex(std::string_view name) const {
  if (!counter_names) return -1;
  for (size_t i = 0; i < counter_names->size(); ++i)
    if ((*counter_names)[i] == name) return static_cast<int>(i);
  return -1;
}

int ModuleData::FCounterIndex(std::string_view name) const {
  if (!fcounter_names) return -1;
  for (size_t i = 0; i < fcounter_names->size(); ++i)
    if ((*fcounter_names)[i] == name) return static_cast<int>(i);
  return -1;
}

size_t ModuleData::AddRecord(uint64_t id, int64_t rank, const void* c, const void* f) {
  const size_t r = ids.size();
  // Fixed 4096 records per block; only the last block grows (amortised), so earlier rows never
  // move and small modules stay small.
  if (r % kBlockRecords == 0) {
    cblocks_.emplace_back();
    fblocks_.emplace_back();
    if (r > 0) {  // a big module: allocate whole blocks up front
      cblocks_.back().reserve(kBlockRecords * NumCounters());
      fblocks_.back().reserve(kBlockRecords * NumFCounters());
    }
  }
  auto& cb = cblocks_.back();
  auto& fb = fblocks_.back();
  const size_t c0 = cb.size(), f0 = fb.size();
  cb.resize(c0 + NumCounters());
  fb.resize(f0 + NumFCounters());
  if (c) std::memcpy(cb.data() + c0, c, NumCounters() * sizeof(int64_t));
  if (f) std::memcpy(fb.data() + f0, f, NumFCounters() * sizeof(double));
  ids.push_back(id);
  ranks.push_back(rank);
  return r;
}

const ModuleData* Log::Module(ModuleId id) const {
  auto it = modules.find(static_cast<int>(id));
  return it == modules.end() ? nullptr : &it->second;
}

double JobInfo::RunTime() const {
  if (!nsec_times) return static_cast<double>(end_time - start_time + 1);
  return (static_cast<double>(end_time) + static_cast<double>(end_time_nsec) / 1e9) -
         (static_cast<double>(start_time) + static_cast<double>(start_time_nsec) / 1e9);
}

}  // namespace iorec::darshan
