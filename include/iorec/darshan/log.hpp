#pragma once
/// Binary Darshan log (format 3.x) reader. Decodes the header, job record, name records and the
/// POSIX, MPI-IO, STDIO and LUSTRE module records; other modules are skipped with a note.
/// Every problem with the input is reported as core::InputError naming the file.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace iorec::darshan {

/// Module ids as assigned by darshan-log-format.h (index into the header's region map).
enum class ModuleId : int {
  kNull = 0,
  kPosix = 1,
  kMpiio = 2,
  kH5f = 3,
  kH5d = 4,
  kPnetcdfFile = 5,
  kPnetcdfVar = 6,
  kBgq = 7,
  kLustre = 8,
  kStdio = 9,
  kDxtPosix = 10,
  kDxtMpiio = 11,
  kMdhim = 12,
  kApxc = 13,
  kApmpi = 14,
  kHeatmap = 15,
  kDfs = 16,
  kDaos = 17,
};

/// Display name of a module id ("POSIX", "MPI-IO", ...); "MOD<n>" for unknown ids.
std::string ModuleName(int module_id);

/// Compression of the log regions (header byte `comp_type`).
enum class Compression : int { kZlib = 0, kBzip2 = 1, kNone = 2 };

/// Location of a compressed region in the file (bytes).
struct RegionMap {
  uint64_t off = 0;
  uint64_t len = 0;
};

struct LogHeader {
  std::string version;  ///< e.g. "3.41"
  bool byte_swapped = false;
  Compression compression = Compression::kZlib;
  uint64_t partial_flag = 0;
  RegionMap job_map;  ///< derived: from end of header to the name region
  RegionMap name_map;
  std::vector<RegionMap> mod_map;  ///< indexed by module id
  std::vector<uint32_t> mod_ver;   ///< indexed by module id
  size_t header_size = 0;          ///< bytes of the uncompressed header
};

struct MountEntry {
  std::string path;
  std::string fs_type;
};

struct JobInfo {
  int64_t uid = 0;
  int64_t start_time = 0;  ///< seconds since epoch
  int64_t start_time_nsec = 0;
  int64_t end_time = 0;  ///< seconds since epoch
  int64_t end_time_nsec = 0;
  int64_t nprocs = 0;
  int64_t jobid = 0;
  std::vector<std::pair<std::string, std::string>> metadata;  ///< "key=value" lines
  std::string exe;
  std::vector<MountEntry> mounts;
  /// Run time in seconds as darshan-parser prints it.
  double RunTime() const;
};

/// Records of one counter-based module (POSIX, MPI-IO, STDIO). Counters are stored in blocks
/// of kBlockRecords records so that growing never copies (peak memory ~ decoded size).
struct ModuleData {
  int module_id = 0;
  std::string prefix;  ///< counter-name prefix: "POSIX", "MPIIO", "STDIO"
  uint32_t version = 0;
  const std::vector<std::string>* counter_names = nullptr;
  const std::vector<std::string>* fcounter_names = nullptr;
  std::vector<uint64_t> ids;
  std::vector<int64_t> ranks;

  size_t size() const { return ids.size(); }
  size_t NumCounters() const { return counter_names ? counter_names->size() : 0; }
  size_t NumFCounters() const { return fcounter_names ? fcounter_names->size() : 0; }
  /// Appends a record and returns its index; counters are copied from `c`/`f` (raw, possibly
  /// unaligned bytes of NumCounters()/NumFCounters() values) or zeroed when null.
  size_t AddRecord(uint64_t id, int64_t rank, const void* c = nullptr, const void* f = nullptr);
  /// Counter row of record `rec` (NumCounters() values; NumFCounters() for FCounters).
  const int64_t* Counters(size_t rec) const {
    return cblocks_[rec / kBlockRecords].data() + (rec % kBlockRecords) * NumCounters();
  }
  const double* FCounters(size_t rec) const {
    return fblocks_[rec / kBlockRecords].data() + (rec % kBlockRecords) * NumFCounters();
  }
  int64_t* MutableCounters(size_t rec) { return const_cast<int64_t*>(Counters(rec)); }
  double* MutableFCounters(size_t rec) { return const_cast<double*>(FCounters(rec)); }
  int64_t Counter(size_t rec, size_t idx) const { return Counters(rec)[idx]; }
  double FCounter(size_t rec, size_t idx) const { return FCounters(rec)[idx]; }
  /// Index of a counter name, or -1.
  int CounterIndex(std::string_view name) const;
  int FCounterIndex(std::string_view name) const;

  static constexpr size_t kBlockRecords = 4096;

 private:
  std::vector<std::vector<int64_t>> cblocks_;
  std::vector<std::vector<double>> fblocks_;
};

/// One Lustre layout component (module version 2; version 1 logs give one component).
struct LustreComponent {
  int64_t stripe_size = 0;
  int64_t stripe_count = 0;
  int64_t stripe_pattern = 0;
  int64_t flags = 0;
  int64_t ext_start = 0;
  int64_t ext_end = 0;
  int64_t mirror_id = 0;
  std::string pool_name;
};

struct LustreRecord {
  uint64_t id = 0;
  int64_t rank = 0;
  int64_t osts = -1;  ///< file-system OST count (version 1 only, else -1)
  int64_t mdts = -1;  ///< file-system MDT count (version 1 only, else -1)
  std::vector<LustreComponent> components;
  std::vector<int64_t> ost_ids;
};

/// A decoded log.
struct Log {
  std::string path;  ///< file name used in messages
  LogHeader header;
  JobInfo job;
  std::unordered_map<uint64_t, std::string> names;  ///< record id -> file name
  std::map<int, ModuleData> modules;                ///< POSIX, MPI-IO, STDIO by module id
  std::vector<LustreRecord> lustre;
  uint32_t lustre_version = 0;
  std::vector<std::string> notes;  ///< skipped modules and other non-fatal remarks

  const ModuleData* Module(ModuleId id) const;
};

/// Reads and decodes a log file. Throws core::InputError "<path>: <problem>" on bad input.
Log ReadLog(const std::filesystem::path& path);

/// Read-only memory map of a whole file (throws core::InputError naming the file).
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::span<const unsigned char> bytes() const { return {data_, size_}; }

 private:
  const unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

/// Receives POSIX / MPI-IO / STDIO records while a log is decoded (streaming).
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  /// Called before the records of each decoded module; `module` has names but no records.
  virtual void BeginModule(const ModuleData& module) = 0;
  /// One record of the current module (byte order already fixed).
  virtual void Record(uint64_t id, int64_t rank, const int64_t* counters,
                      const double* fcounters) = 0;
};

/// Decodes a log held in memory; `name` is used in error messages. With a sink, counter-module
/// records are passed to it instead of being stored (Log::modules then holds empty modules).
Log ParseLog(std::span<const unsigned char> bytes, const std::string& name,
             RecordSink* sink = nullptr);

/// Counter names for a module/version, or nullptr when the module is not decoded.
const std::vector<std::string>* CounterNames(int module_id, uint32_t version);
const std::vector<std::string>* FCounterNames(int module_id, uint32_t version);

/// Limits protecting against hostile input.
inline constexpr uint64_t kMaxRegionBytes = uint64_t{16} << 30;  ///< decompressed region cap
inline constexpr uint64_t kMaxExpansion = 2000;                  ///< decompressed/compressed cap
inline constexpr size_t kMaxNameLength = 1 << 16;
inline constexpr int64_t kMaxLustreComponents = 4096;
inline constexpr int64_t kMaxLustreStripes = 1 << 20;

}  // namespace iorec::darshan
