// Binary Darshan log reader (formats 3.00-3.41). Written from the public format description
// (darshan-log-format.h, darshan-logutils.c of darshan-util 3.4.7): an uncompressed header,
// then compressed regions (job record, name records, one per module).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "iorec/core/error.hpp"
#include "iorec/darshan/log.hpp"
#include "records.hpp"
#include "region.hpp"

namespace iorec::darshan {
namespace {

using detail::InflateBuffer;
using detail::RegionError;
using detail::RegionReader;

constexpr int64_t kMagic = 6567223;
constexpr size_t kJobMetadataLen = 1024;
constexpr size_t kJobRecordSize = 4096;  // darshan-util reads at most this much of the job region
constexpr int kKnownModules = 18;        // NULL .. DAOS
constexpr int kH5dModule = 4;
constexpr int kPnetcdfVarModule = 6;
constexpr size_t kMaxNamesBytes = size_t{1} << 32;

[[noreturn]] void Fail(const std::string& name, const std::string& problem) {
  throw core::InputError(name + ": " + problem);
}

uint64_t Swap64(uint64_t v) { return __builtin_bswap64(v); }
uint32_t Swap32(uint32_t v) { return __builtin_bswap32(v); }

/// Header layout of a log format version.
struct Layout {
  int minor = 41;
  size_t max_mods = 64;
  bool wide_partial_flag = true;       // uint64 partial flag (3.41) vs uint32
  bool nsec_times = true;              // job record with sec/nsec pairs (3.41)
  bool length_prefixed_names = false;  // 3.00 name records: id, uint32 length, bytes
  bool newer = false;                  // a 3.x newer than 3.41, read with the 3.41 layout
};

/// The layout of "3.<minor>", or false for versions Darshan never wrote.
bool LayoutFor(const std::string& version, Layout* layout) {
  if (version.size() < 3 || version.compare(0, 2, "3.") != 0) return false;
  int minor = 0;
  for (size_t i = 2; i < version.size(); ++i) {
    if (version[i] < '0' || version[i] > '9' || minor > 1000) return false;
    minor = minor * 10 + (version[i] - '0');
  }
  layout->minor = minor;
  if (minor >= 41) {
    layout->newer = minor > 41;
    return true;
  }
  if (minor != 0 && minor != 10 && minor != 20 && minor != 21) return false;
  layout->max_mods = 16;
  layout->wide_partial_flag = false;
  layout->nsec_times = false;
  layout->length_prefixed_names = minor == 0;
  return true;
}

/// Fixed-size integers from the uncompressed header.
class HeaderReader {
 public:
  HeaderReader(std::span<const unsigned char> b, bool swap) : b_(b), swap_(swap) {}
  uint64_t U64() {
    uint64_t v;
    std::memcpy(&v, b_.data() + pos_, 8);
    pos_ += 8;
    return swap_ ? Swap64(v) : v;
  }
  uint32_t U32() {
    uint32_t v;
    std::memcpy(&v, b_.data() + pos_, 4);
    pos_ += 4;
    return swap_ ? Swap32(v) : v;
  }
  void Seek(size_t pos) { pos_ = pos; }
  size_t pos() const { return pos_; }

 private:
  std::span<const unsigned char> b_;
  bool swap_;
  size_t pos_ = 0;
};

/// Re-indexes module slots of older formats: a module id introduced later (`inserted`) takes
/// its slot and the following slots move up by one, as darshan-util does.
void InsertModuleSlot(LogHeader& h, int inserted) {
  for (int i = kMaxModules - 1; i > inserted; --i) {
    h.mod_map[i] = h.mod_map[i - 1];
    h.mod_ver[i] = h.mod_ver[i - 1];
  }
  h.mod_map[inserted] = {};
  h.mod_ver[inserted] = 0;
  const uint64_t low = h.partial_flag & ((uint64_t{1} << inserted) - 1);
  const uint64_t high = ((h.partial_flag << 1) >> (inserted + 1)) << (inserted + 1);
  h.partial_flag = low | high;
}

std::string VersionString(std::span<const unsigned char> file) {
  std::string version(reinterpret_cast<const char*>(file.data()), 8);
  version = version.substr(0, version.find('\0'));
  for (char c : version)
    if (c < 32 || c > 126) return "<binary>";
  return version;
}

LogHeader ParseHeader(std::span<const unsigned char> file, const std::string& name, Layout* layout,
                      std::vector<std::string>* warnings) {
  LogHeader h;
  if (file.size() < 16)
    Fail(name, "not a Darshan log (file too short: " + std::to_string(file.size()) + " bytes)");
  const std::string version = VersionString(file);
  uint64_t magic;
  std::memcpy(&magic, file.data() + 8, 8);
  if (static_cast<int64_t>(magic) == kMagic) {
    h.byte_swapped = false;
  } else if (static_cast<int64_t>(Swap64(magic)) == kMagic) {
    h.byte_swapped = true;
  } else {
    const bool looks_versioned =
        version.size() >= 3 && version[0] >= '0' && version[0] <= '9' && version[1] == '.';
    if (looks_versioned)
      Fail(name, "byte 8: bad magic number " + std::to_string(static_cast<int64_t>(magic)) +
                     " (expected " + std::to_string(kMagic) + "); not a Darshan log or corrupt");
    Fail(name, "not a Darshan log (no Darshan version string / magic number)");
  }
  if (!LayoutFor(version, layout))
    Fail(name, "byte 0: unsupported Darshan log format version '" + version +
                   "' (supported: 3.00, 3.10, 3.20, 3.21, 3.41 and newer 3.x)");
  if (layout->newer)
    warnings->push_back("log format " + version +
                        " is newer than 3.41, the newest iorec knows; read with the 3.41 layout");
  h.version = version;
  h.format_minor = layout->minor;
  const size_t maps_at = layout->wide_partial_flag ? 32 : 24;
  const size_t need = maps_at + 16 + layout->max_mods * 20;
  if (file.size() < need)
    Fail(name, "byte " + std::to_string(file.size()) + ": truncated header (" +
                   std::to_string(need) + " bytes expected for format " + version + ")");
  HeaderReader r(file, h.byte_swapped);
  const unsigned char comp = file[16];
  r.Seek(layout->wide_partial_flag ? 24 : 20);
  h.partial_flag = layout->wide_partial_flag ? r.U64() : r.U32();
  r.Seek(maps_at);
  h.name_map = {r.U64(), r.U64()};
  h.mod_map.assign(kMaxModules, {});
  h.mod_ver.assign(kMaxModules, 0);
  for (size_t i = 0; i < layout->max_mods; ++i) h.mod_map[i] = {r.U64(), r.U64()};
  for (size_t i = 0; i < layout->max_mods; ++i) h.mod_ver[i] = r.U32();
  h.header_size = (r.pos() + 7) / 8 * 8;
  if (comp > 2) Fail(name, "byte 16: unknown compression type " + std::to_string(comp));
  h.compression = static_cast<Compression>(comp);
  if (layout->minor < 20) InsertModuleSlot(h, kH5dModule);
  if (layout->minor < 41) InsertModuleSlot(h, kPnetcdfVarModule);

  // The job record runs from the end of the header to the next region.
  uint64_t job_end = h.name_map.off;
  if (job_end == 0) {
    job_end = file.size();
    for (const auto& m : h.mod_map)
      if (m.off != 0) {
        job_end = m.off;
        break;
      }
  }
  if (job_end < h.header_size || job_end > file.size())
    Fail(name, "byte " + std::to_string(maps_at) + ": the job record would end at byte " +
                   std::to_string(job_end) + ", outside the file (" + std::to_string(file.size()) +
                   " bytes); corrupt header");
  h.job_map = {h.header_size, job_end - h.header_size};
  return h;
}

/// The compressed bytes of a region, or an error message when it lies outside the file.
std::span<const unsigned char> RegionBytes(std::span<const unsigned char> file, RegionMap map,
                                           std::string* problem) {
  if (map.off > file.size() || map.len > file.size() - map.off) {
    *problem = "region (byte " + std::to_string(map.off) + ", " + std::to_string(map.len) +
               " bytes) extends past the end of the file (" + std::to_string(file.size()) +
               " bytes); log truncated or corrupt";
    return {};
  }
  return file.subspan(map.off, map.len);
}

std::string RegionName(const std::string& file, const std::string& what, RegionMap map) {
  return file + ": " + what + " (region at byte " + std::to_string(map.off) + ")";
}

void ParseMountTable(const std::string& rest, JobInfo& j) {
  const size_t nl = rest.find('\n');
  if (nl != std::string::npos) j.exe = rest.substr(0, nl);  // darshan-util: empty without '\n'
  size_t pos = nl;
  while (pos != std::string::npos) {
    const size_t start = pos + 1;
    pos = rest.find('\n', start);
    const std::string line =
        rest.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    j.mounts.push_back({line.substr(tab + 1), line.substr(0, tab)});
  }
  // darshan-parser lists mounts longest path first
  std::stable_sort(j.mounts.begin(), j.mounts.end(),
                   [](const auto& a, const auto& b) { return a.path.size() > b.path.size(); });
}

void ParseJob(std::span<const unsigned char> file, const Layout& layout, InflateBuffer* buf,
              Log* log) {
  const std::string& name = log->path;
  const RegionMap map = log->header.job_map;
  const std::string where = RegionName(name, "job record", map);
  std::string problem;
  auto bytes = RegionBytes(file, map, &problem);
  if (!problem.empty()) Fail(name, "job record " + problem);
  std::array<unsigned char, kJobRecordSize> rec{};
  size_t got = 0;
  try {
    RegionReader s(bytes, log->header.compression, where, buf);
    got = s.Read(rec.data(), rec.size());
  } catch (const RegionError& e) {
    throw core::InputError(e.what());
  }
  const size_t nfields = layout.nsec_times ? 7 : 5;
  const size_t fixed = nfields * 8 + kJobMetadataLen;
  if (got < fixed)
    Fail(where, "truncated job record (" + std::to_string(got) + " of " + std::to_string(fixed) +
                    " bytes)");
  std::array<uint64_t, 7> f{};
  std::memcpy(f.data(), rec.data(), nfields * 8);
  if (log->header.byte_swapped)
    for (size_t i = 0; i < nfields; ++i) f[i] = Swap64(f[i]);
  JobInfo& j = log->job;
  j.nsec_times = layout.nsec_times;
  j.uid = static_cast<int64_t>(f[0]);
  if (layout.nsec_times) {
    j.start_time = f[1], j.start_time_nsec = f[2], j.end_time = f[3], j.end_time_nsec = f[4];
    j.nprocs = f[5], j.jobid = f[6];
  } else {
    j.start_time = f[1], j.end_time = f[2], j.nprocs = f[3], j.jobid = f[4];
  }
  if (j.nprocs <= 0) Fail(where, "job record has invalid nprocs " + std::to_string(j.nprocs));
  const char* meta_begin = reinterpret_cast<const char*>(rec.data() + nfields * 8);
  const std::string meta(meta_begin, strnlen(meta_begin, kJobMetadataLen));
  size_t pos = 0;
  while (pos < meta.size()) {
    const size_t nl = meta.find('\n', pos);
    const std::string line =
        meta.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? meta.size() : nl + 1;
    const size_t eq = line.find('=');
    if (eq != std::string::npos) j.metadata.emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
  // exe line, then "fs_type\tmount_path" lines, NUL-terminated, within the 4 KiB record.
  const char* rest = meta_begin + kJobMetadataLen;
  ParseMountTable(std::string(rest, strnlen(rest, got - fixed)), j);
}

void ParseNames(std::span<const unsigned char> file, const Layout& layout, InflateBuffer* buf,
                Log* log) {
  const RegionMap map = log->header.name_map;
  if (map.len == 0) return;
  std::string problem;
  auto bytes = RegionBytes(file, map, &problem);
  if (!problem.empty()) {
    log->warnings.push_back("name records " + problem + "; file names unavailable");
    return;
  }
  std::string all;
  try {
    RegionReader s(bytes, log->header.compression,
                   "name records (region at byte " + std::to_string(map.off) + ")", buf);
    all = s.ReadAll(kMaxNamesBytes);
  } catch (const RegionError& e) {
    log->warnings.push_back(std::string(e.what()) + "; file names unavailable");
    return;
  }
  const bool swap = log->header.byte_swapped;
  size_t pos = 0;
  while (pos + 8 < all.size()) {
    uint64_t id;
    std::memcpy(&id, all.data() + pos, 8);
    if (swap) id = Swap64(id);
    std::string n;
    if (layout.length_prefixed_names) {
      if (pos + 12 > all.size()) break;
      uint32_t len;
      std::memcpy(&len, all.data() + pos + 8, 4);
      if (swap) len = Swap32(len);
      if (len > all.size() - pos - 12) break;
      n.assign(all.data() + pos + 12, len);
      pos += 12 + len;
    } else {
      const size_t end = all.find('\0', pos + 8);
      if (end == std::string::npos) break;
      n.assign(all.data() + pos + 8, end - pos - 8);
      pos = end + 1;
    }
    auto [it, inserted] = log->names.emplace(id, std::move(n));
    if (!inserted && it->second.empty()) it->second = n;  // darshan-util keeps a non-empty name
  }
  if (pos < all.size())
    log->warnings.push_back("name records: " + std::to_string(all.size() - pos) +
                            " trailing bytes do not form a whole record; ignored");
}

/// Decodes the records of one counter module. Throws RegionError or std::runtime_error when
/// the module is garbled (the caller skips it).
void DecodeCounterModule(std::span<const unsigned char> bytes, int mod, InflateBuffer* buf,
                         Log* log, ModuleData& md, RecordSink* sink) {
  const auto& h = log->header;
  const size_t raw = detail::RawRecordSize(mod, md.version);
  const size_t nc = md.NumCounters(), nf = md.NumFCounters();
  RegionReader s(
      bytes, h.compression,
      ModuleName(mod) + " module (region at byte " + std::to_string(h.mod_map[mod].off) + ")", buf);
  std::vector<int64_t> crow(nc);
  std::vector<double> frow(nf);
  size_t index = 0;
  while (const unsigned char* rec = s.Take(raw)) {
    uint64_t id;
    int64_t rank;
    if (!detail::DecodeRecord(mod, md.version, h.byte_swapped, rec, &id, &rank, crow.data(),
                              frow.data()))
      continue;
    if (rank < -1 || rank >= log->job.nprocs)
      throw std::runtime_error("record " + std::to_string(index) + " has rank " +
                               std::to_string(rank) +
                               " outside [-1, nprocs=" + std::to_string(log->job.nprocs) + ")");
    ++index;
    if (sink)
      sink->Record(id, rank, crow.data(), frow.data());
    else
      md.AddRecord(id, rank, crow.data(), frow.data());
  }
  if (s.Leftover() > 0)
    log->warnings.push_back(
        ModuleName(mod) + " module: " + std::to_string(s.Leftover()) +
        " trailing bytes do not form a whole record; ignored (as darshan-util)");
}

void ParseCounterModule(std::span<const unsigned char> file, int mod, InflateBuffer* buf,
                        RecordSink* sink, Log* log) {
  const auto& h = log->header;
  const std::string mname = ModuleName(mod);
  const uint32_t ver = h.mod_ver[mod];
  if (detail::RawRecordSize(mod, ver) == 0) {
    log->skipped_modules.push_back(mod);
    log->warnings.push_back(mname + " module version " + std::to_string(ver) +
                            " is not supported (iorec reads 1-" +
                            std::to_string(CurrentVersion(mod)) + "); skipped");
    return;
  }
  std::string problem;
  auto bytes = RegionBytes(file, h.mod_map[mod], &problem);
  if (!problem.empty()) {
    log->skipped_modules.push_back(mod);
    log->warnings.push_back(mname + " module " + problem + "; skipped");
    return;
  }
  ModuleData md;
  md.module_id = mod;
  md.version = ver;
  md.counter_names = CounterNames(mod, ver);
  md.fcounter_names = FCounterNames(mod, ver);
  md.prefix = CounterPrefix(mod);
  if (sink) sink->BeginModule(md);
  try {
    DecodeCounterModule(bytes, mod, buf, log, md, sink);
  } catch (const std::exception& e) {
    if (sink) sink->EndModule(md, false);
    log->skipped_modules.push_back(mod);
    std::string what = e.what();
    if (what.rfind(mname, 0) != 0) what = mname + " module: " + what;
    log->warnings.push_back(what + "; skipped");
    return;
  }
  if (sink) sink->EndModule(md, true);
  if (h.Partial(mod))
    log->warnings.push_back(mname +
                            " module data is incomplete (Darshan ran out of memory for its "
                            "records); features use what it holds");
  log->modules[mod] = std::move(md);
}

/// Reads `count` int64 values; false at the end of the region.
bool ReadI64s(RegionReader& s, bool swap, int64_t* out, size_t count) {
  const unsigned char* p = s.Take(8 * count);
  if (!p) return false;
  std::memcpy(out, p, 8 * count);
  if (swap)
    for (size_t i = 0; i < count; ++i) out[i] = static_cast<int64_t>(Swap64(out[i]));
  return true;
}

/// One LUSTRE record; false at the end of the module. Throws std::runtime_error when garbled.
bool ReadLustreRecord(RegionReader& s, uint32_t ver, bool swap, size_t index, LustreRecord* rec) {
  auto fail = [&](const std::string& what) {
    throw std::runtime_error("record " + std::to_string(index) + ": " + what);
  };
  if (ver == 1) {
    // id, rank, OSTS, MDTS, STRIPE_OFFSET, STRIPE_SIZE, STRIPE_WIDTH, then the OST ids
    int64_t f[7];
    if (!ReadI64s(s, swap, f, 7)) return false;
    rec->id = static_cast<uint64_t>(f[0]);
    rec->rank = f[1];
    rec->osts = f[2];
    rec->mdts = f[3];
    if (f[6] < 0 || f[6] > kMaxLustreStripes) fail("absurd stripe count " + std::to_string(f[6]));
    LustreComponent c;
    c.stripe_size = f[5];
    c.stripe_count = f[6];
    c.stripe_pattern = c.flags = c.ext_end = c.mirror_id = -1;
    rec->components.push_back(c);
    rec->ost_ids.resize(static_cast<size_t>(f[6]));
    if (f[6] > 0 && !ReadI64s(s, swap, rec->ost_ids.data(), rec->ost_ids.size()))
      fail("truncated OST list");
    return true;
  }
  // id, rank, component count, stripe count, components (7 int64 + 16-byte pool), OST ids
  int64_t f[4];
  if (!ReadI64s(s, swap, f, 4)) return false;
  rec->id = static_cast<uint64_t>(f[0]);
  rec->rank = f[1];
  const int64_t ncomps = f[2], nstripes = f[3];
  if (ncomps < 1) return true;  // darshan-util reads nothing more for such a record
  if (ncomps > kMaxLustreComponents) fail("absurd component count " + std::to_string(ncomps));
  if (nstripes < 0 || nstripes > kMaxLustreStripes)
    fail("absurd stripe count " + std::to_string(nstripes));
  bool unused_seen = false;
  int64_t kept_stripes = 0;
  for (int64_t i = 0; i < ncomps; ++i) {
    const unsigned char* p = s.Take(72);
    if (!p) fail("truncated component");
    int64_t v[7];
    std::memcpy(v, p, sizeof(v));
    if (swap)
      for (auto& x : v) x = static_cast<int64_t>(Swap64(static_cast<uint64_t>(x)));
    if (v[0] == -1) unused_seen = true;  // unused components are marked with stripe size -1
    if (unused_seen) continue;
    LustreComponent c{v[0], v[1], v[2], v[3], v[4], v[5], v[6], {}};
    c.pool_name.assign(reinterpret_cast<const char*>(p + 56),
                       strnlen(reinterpret_cast<const char*>(p + 56), 16));
    kept_stripes += std::max<int64_t>(0, c.stripe_count);
    rec->components.push_back(std::move(c));
  }
  std::vector<int64_t> osts(static_cast<size_t>(nstripes));
  if (nstripes > 0 && !ReadI64s(s, swap, osts.data(), osts.size())) fail("truncated OST list");
  osts.resize(static_cast<size_t>(std::min(kept_stripes, nstripes)));
  rec->ost_ids = std::move(osts);
  return true;
}

void ParseLustre(std::span<const unsigned char> file, InflateBuffer* buf, Log* log) {
  const auto& h = log->header;
  const int mod = static_cast<int>(ModuleId::kLustre);
  const uint32_t ver = h.mod_ver[mod];
  if (ver != 1 && ver != 2) {
    log->warnings.push_back("LUSTRE module version " + std::to_string(ver) +
                            " is not supported (iorec reads 1-2); skipped");
    return;
  }
  if (h.Partial(mod)) {
    log->warnings.push_back("LUSTRE module data is incomplete (flagged partial); skipped");
    return;
  }
  std::string problem;
  auto bytes = RegionBytes(file, h.mod_map[mod], &problem);
  if (!problem.empty()) {
    log->warnings.push_back("LUSTRE module " + problem + "; skipped");
    return;
  }
  std::vector<LustreRecord> records;
  try {
    RegionReader s(bytes, h.compression,
                   "LUSTRE module (region at byte " + std::to_string(h.mod_map[mod].off) + ")",
                   buf);
    while (true) {
      LustreRecord rec;
      if (!ReadLustreRecord(s, ver, h.byte_swapped, records.size(), &rec)) break;
      records.push_back(std::move(rec));
    }
  } catch (const std::exception& e) {
    std::string what = e.what();
    if (what.rfind("LUSTRE", 0) != 0) what = "LUSTRE module: " + what;
    log->warnings.push_back(what + "; skipped");
    return;
  }
  log->lustre_version = ver;
  log->lustre = std::move(records);
}

void ParseOtherModule(int mod, Log* log) {
  const auto& h = log->header;
  const std::string ver = std::to_string(h.mod_ver[mod]);
  if (mod >= kKnownModules) {
    log->warnings.push_back("module id " + std::to_string(mod) + " (version " + ver +
                            ") is unknown; skipped");
  } else if (h.Partial(mod)) {
    log->warnings.push_back(ModuleName(mod) +
                            " module data is incomplete (flagged partial); "
                            "skipped");
  } else {
    log->notes.push_back(ModuleName(mod) + " module (version " + ver +
                         ") is not used by iorec; skipped");
  }
}

bool IsCounterModule(int mod) {
  return mod == static_cast<int>(ModuleId::kPosix) || mod == static_cast<int>(ModuleId::kMpiio) ||
         mod == static_cast<int>(ModuleId::kStdio);
}

}  // namespace

Log ParseLog(std::span<const unsigned char> bytes, const std::string& name,
             const ParseOptions& options) {
  Log log;
  log.path = name;
  Layout layout;
  log.header = ParseHeader(bytes, name, &layout, &log.warnings);
  // One decompression buffer per thread, reused by every region of every log it reads: its
  // pages stay mapped, so only the first large log pays for faulting them in.
  thread_local InflateBuffer buf;
  ParseJob(bytes, layout, &buf, &log);
  if (options.read_names) ParseNames(bytes, layout, &buf, &log);
  for (int mod = 0; mod < kMaxModules; ++mod) {
    const bool has_data = log.header.mod_map[mod].len > 0;
    const bool partial = log.header.Partial(mod);
    if (IsCounterModule(mod) && partial) log.partial_modules.push_back(mod);
    if (!has_data) {
      if (partial)
        log.warnings.push_back(ModuleName(mod) + " module is flagged partial and holds no data");
      continue;
    }
    if (IsCounterModule(mod))
      ParseCounterModule(bytes, mod, &buf, options.sink, &log);
    else if (mod == static_cast<int>(ModuleId::kLustre))
      ParseLustre(bytes, &buf, &log);
    else
      ParseOtherModule(mod, &log);
  }
  return log;
}

Log ParseLog(std::span<const unsigned char> bytes, const std::string& name, RecordSink* sink) {
  ParseOptions options;
  options.sink = sink;
  return ParseLog(bytes, name, options);
}

MappedFile::MappedFile(const std::filesystem::path& path) {
  const std::string name = path.string();
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is rejected below.
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) Fail(name, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool fifo = S_ISFIFO(st.st_mode), dir = S_ISDIR(st.st_mode);
    ::close(fd);
    Fail(name, std::string("not a regular file") +
                   (fifo  ? " (a FIFO)"
                    : dir ? " (a directory)"
                          : "") +
                   "; expected a Darshan log");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      Fail(name, std::string("cannot map: ") + std::strerror(errno));
    }
    data_ = static_cast<const unsigned char*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
}

Log ReadLog(const std::filesystem::path& path) {
  MappedFile file(path);
  return ParseLog(file.bytes(), path.string());
}

}  // namespace iorec::darshan
