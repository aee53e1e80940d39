#pragma once
/// Binary Darshan log reader: log formats 3.00-3.41 (newer 3.x read as 3.41 with a warning).
/// Decodes the header, job record, name records and the POSIX, MPI-IO, STDIO (every module
/// version, up-converted to the current counter layout as darshan-util does) and LUSTRE
/// (versions 1-2) records. Damage stays local: an unknown, garbled, unsupported or partial module
/// is skipped with one warning; only an unreadable header or job record fails the whole log
/// (core::InputError naming the file and the byte offset).
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
  std::string version;    ///< e.g. "3.41"
  int format_minor = 41;  ///< minor number of the format version (3.<minor>)
  bool byte_swapped = false;
  Compression compression = Compression::kZlib;
  uint64_t partial_flag = 0;
  RegionMap job_map;  ///< derived: from end of header to the name region
  RegionMap name_map;
  /// Indexed by the current (3.41) module ids: older formats are re-indexed as darshan-util
  /// does (H5D inserted at 3.20, PNETCDF_VAR at 3.41); always kMaxModules entries.
  std::vector<RegionMap> mod_map;
  std::vector<uint32_t> mod_ver;  ///< indexed like mod_map
  size_t header_size = 0;         ///< bytes of the uncompressed header

  bool Partial(int module_id) const {
    return module_id >= 0 && module_id < 64 && (partial_flag >> module_id) & 1;
  }
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
  bool nsec_times = true;  ///< the format stores nanoseconds (3.41 and later)
  std::vector<std::pair<std::string, std::string>> metadata;  ///< "key=value" lines
  std::string exe;
  std::vector<MountEntry> mounts;
  /// Run time in seconds as darshan-parser prints it (formats before 3.41: end - start + 1).
  double RunTime() const;
};

/// Records of one counter-based module (POSIX, MPI-IO, STDIO), in the current counter layout
/// whatever the module version in the log (`version`). Counters are stored in blocks
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

/// One Lustre layout component (module version 2; version 1 logs give one component with
/// pattern, flags and mirror id -1 and the extent [0, -1)).
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
  /// Instantiated components; like darshan-util, the list stops at the first unused one
  /// (stripe size -1).
  std::vector<LustreComponent> components;
  /// OST indices of the kept components' stripes, component by component.
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
  /// Modules skipped because they are unknown, garbled, of an unsupported version or flagged
  /// partial; POSIX/MPI-IO/STDIO data flagged partial; a newer format. One entry per module.
  std::vector<std::string> warnings;
  std::vector<std::string> notes;  ///< known modules iorec does not decode (HEATMAP, DXT, ...)
  /// Counter modules (POSIX, MPI-IO, STDIO) whose data is decoded but flagged incomplete.
  std::vector<int> partial_modules;
  /// Counter modules (POSIX, MPI-IO, STDIO) present in the log but skipped as garbled or of an
  /// unsupported version.
  std::vector<int> skipped_modules;

  const ModuleData* Module(ModuleId id) const;
};

/// Reads and decodes a log file. Throws core::InputError "<path>: <problem>" on bad input.
Log ReadLog(const std::filesystem::path& path);

/// Read-only memory map of a whole regular file. Never blocks on FIFOs or devices: anything but
/// a regular file is rejected (core::InputError naming the file).
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
  /// One record of the current module (byte order already fixed, current counter layout).
  virtual void Record(uint64_t id, int64_t rank, const int64_t* counters,
                      const double* fcounters) = 0;
  /// After the module's last record. `kept` is false when the module turned out garbled and is
  /// skipped: forget its records.
  virtual void EndModule(const ModuleData& module, bool kept) = 0;
};

struct ParseOptions {
  /// With a sink, counter-module records are passed to it instead of being stored
  /// (Log::modules then holds empty modules).
  RecordSink* sink = nullptr;
  bool read_names = true;  ///< decode the name-record region (not needed for summaries)
};

/// Decodes a log held in memory; `name` is used in error messages.
Log ParseLog(std::span<const unsigned char> bytes, const std::string& name,
             const ParseOptions& options);
Log ParseLog(std::span<const unsigned char> bytes, const std::string& name,
             RecordSink* sink = nullptr);

/// Current (darshan-util 3.4.7) record version of a counter module: POSIX 4, MPI-IO 3, STDIO 2.
uint32_t CurrentVersion(int module_id);
/// Counter names of a counter module's current layout when `version` is one iorec decodes
/// (1..CurrentVersion: older records are up-converted), else nullptr.
const std::vector<std::string>* CounterNames(int module_id, uint32_t version);
const std::vector<std::string>* FCounterNames(int module_id, uint32_t version);
/// Counter-name prefix of a counter module ("POSIX", "MPIIO", "STDIO"), "" for others.
std::string CounterPrefix(int module_id);

/// Number of module slots in a 3.41 header.
inline constexpr int kMaxModules = 64;

/// Limits protecting against hostile input.
inline constexpr uint64_t kMaxRegionBytes = uint64_t{16} << 30;  ///< decompressed region cap
inline constexpr uint64_t kMaxExpansion = 2000;                  ///< decompressed/compressed cap
inline constexpr size_t kMaxNameLength = 1 << 16;
inline constexpr int64_t kMaxLustreComponents = 4096;
inline constexpr int64_t kMaxLustreStripes = 1 << 20;

}  // namespace iorec::darshan
