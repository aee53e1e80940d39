// Binary Darshan log reader (format 3.x). Written from the public format description:
// uncompressed header, then compressed regions (job, name records, one per module).
#include <bzlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/darshan/log.hpp"

namespace iorec::darshan {
namespace {

constexpr int64_t kMagic = 6567223;
constexpr size_t kJobMetadataLen = 1024;
constexpr size_t kChunk = 256 * 1024;

[[noreturn]] void Fail(const std::string& name, const std::string& problem) {
  throw core::InputError(name + ": " + problem);
}

uint64_t Swap64(uint64_t v) { return __builtin_bswap64(v); }
uint32_t Swap32(uint32_t v) { return __builtin_bswap32(v); }

/// Header layout differences between format versions.
struct Layout {
  size_t max_mods;
  bool wide_partial_flag;  // uint64 partial flag (3.41) vs uint32
  bool nsec_times;         // job record with sec/nsec pairs (3.41)
};

bool LayoutFor(const std::string& version, Layout* layout) {
  if (version == "3.41") {
    *layout = {64, true, true};
    return true;
  }
  if (version == "3.10" || version == "3.20" || version == "3.21") {
    *layout = {16, false, false};
    return true;
  }
  return false;
}

/// Little helper reading fixed-size integers from a byte span with bounds checks.
class ByteReader {
 public:
  ByteReader(std::span<const unsigned char> b, bool swap) : b_(b), swap_(swap) {}
  bool Has(size_t n) const { return pos_ + n <= b_.size(); }
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
  void Skip(size_t n) { pos_ += n; }
  void AlignTo(size_t a) { pos_ = (pos_ + a - 1) / a * a; }
  size_t pos() const { return pos_; }

 private:
  std::span<const unsigned char> b_;
  bool swap_;
  size_t pos_ = 0;
};

/// Streams the decompressed bytes of one region. Handles several concatenated compressed
/// streams (Darshan writes one per rank chunk) and caps the total output.
class RegionStream {
 public:
  RegionStream(std::span<const unsigned char> in, Compression comp, const std::string& where)
      : in_(in), comp_(comp), where_(where) {
    limit_ = std::min<uint64_t>(kMaxRegionBytes, in.size() * kMaxExpansion + (1 << 20));
    if (comp_ == Compression::kZlib) {
      zs_ = std::make_unique<z_stream>();
      std::memset(zs_.get(), 0, sizeof(z_stream));
      if (inflateInit(zs_.get()) != Z_OK) Fail(where_, "zlib initialisation failed");
      zs_->next_in = const_cast<Bytef*>(in_.data());
      zs_->avail_in = static_cast<uInt>(std::min<size_t>(in_.size(), 1u << 30));
      in_used_ = zs_->avail_in;
    } else if (comp_ == Compression::kBzip2) {
      bz_ = std::make_unique<bz_stream>();
      std::memset(bz_.get(), 0, sizeof(bz_stream));
      if (BZ2_bzDecompressInit(bz_.get(), 0, 0) != BZ_OK) Fail(where_, "bzip2 init failed");
      bz_->next_in = reinterpret_cast<char*>(const_cast<unsigned char*>(in_.data()));
      bz_->avail_in = static_cast<unsigned>(std::min<size_t>(in_.size(), 1u << 30));
      in_used_ = bz_->avail_in;
    }
    buf_.resize(std::min<size_t>(kChunk, std::max<size_t>(4096, in.size() * 4)));
  }
  ~RegionStream() {
    if (zs_) inflateEnd(zs_.get());
    if (bz_) BZ2_bzDecompressEnd(bz_.get());
  }
  RegionStream(const RegionStream&) = delete;
  RegionStream& operator=(const RegionStream&) = delete;

  /// Copies up to n bytes; returns the count (less than n only at end of region).
  size_t Read(void* dst, size_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    size_t got = 0;
    while (got < n) {
      if (head_ == tail_ && n - got >= kChunk) {  // large read: decompress straight into dst
        size_t produced = Produce(out + got, n - got);
        if (produced == 0) break;
        got += produced;
        continue;
      }
      if (head_ == tail_ && !Fill()) break;
      size_t take = std::min(n - got, tail_ - head_);
      std::memcpy(out + got, buf_.data() + head_, take);
      head_ += take;
      got += take;
    }
    return got;
  }
  /// Reads exactly n bytes or fails with `what`.
  void ReadExact(void* dst, size_t n, const char* what) {
    if (Read(dst, n) != n) Fail(where_, std::string("truncated ") + what);
  }
  bool AtEnd() { return head_ == tail_ && !Fill(); }
  /// Reads one byte; returns false at end.
  bool Byte(char* c) { return Read(c, 1) == 1; }
  const std::string& where() const { return where_; }

 private:
  bool Fill() {
    head_ = 0;
    tail_ = Produce(buf_.data(), buf_.size());
    return tail_ > 0;
  }

  /// Decompresses up to `cap` bytes into dst; 0 at end of region.
  size_t Produce(unsigned char* dst, size_t cap) {
    size_t produced = 0;
    if (done_) return 0;
    if (comp_ == Compression::kNone) {
      size_t take = std::min(cap, in_.size() - raw_pos_);
      std::memcpy(dst, in_.data() + raw_pos_, take);
      raw_pos_ += take;
      produced = take;
      if (raw_pos_ == in_.size()) done_ = true;
    } else if (comp_ == Compression::kZlib) {
      while (produced == 0) {
        if (zs_->avail_in == 0 && in_used_ < in_.size()) {
          size_t more = std::min<size_t>(in_.size() - in_used_, 1u << 30);
          zs_->next_in = const_cast<Bytef*>(in_.data() + in_used_);
          zs_->avail_in = static_cast<uInt>(more);
          in_used_ += more;
        }
        const size_t want = std::min<size_t>(cap, 1u << 30);
        zs_->next_out = dst;
        zs_->avail_out = static_cast<uInt>(want);
        int rc = inflate(zs_.get(), Z_NO_FLUSH);
        produced = want - zs_->avail_out;
        if (rc == Z_STREAM_END) {
          if (zs_->avail_in == 0 && in_used_ >= in_.size()) {
            done_ = true;
            break;
          }
          if (inflateReset(zs_.get()) != Z_OK) Fail(where_, "corrupt zlib stream");
        } else if (rc == Z_BUF_ERROR && zs_->avail_in == 0 && in_used_ >= in_.size()) {
          Fail(where_, "truncated zlib stream (compressed data ends early)");
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
          Fail(where_,
               std::string("corrupt zlib stream (") + (zs_->msg ? zs_->msg : "error") + ")");
        } else if (rc == Z_BUF_ERROR && produced == 0) {
          Fail(where_, "corrupt zlib stream (no progress)");
        }
      }
    } else {
      while (produced == 0) {
        const size_t want = std::min<size_t>(cap, 1u << 30);
        bz_->next_out = reinterpret_cast<char*>(dst);
        bz_->avail_out = static_cast<unsigned>(want);
        int rc = BZ2_bzDecompress(bz_.get());
        produced = want - bz_->avail_out;
        if (rc == BZ_STREAM_END) {
          if (bz_->avail_in == 0 && in_used_ >= in_.size()) {
            done_ = true;
            break;
          }
          const char* next = bz_->next_in;
          unsigned avail = bz_->avail_in;
          BZ2_bzDecompressEnd(bz_.get());
          std::memset(bz_.get(), 0, sizeof(bz_stream));
          if (BZ2_bzDecompressInit(bz_.get(), 0, 0) != BZ_OK) Fail(where_, "bzip2 init failed");
          bz_->next_in = const_cast<char*>(next);
          bz_->avail_in = avail;
        } else if (rc != BZ_OK) {
          Fail(where_, "corrupt bzip2 stream (code " + std::to_string(rc) + ")");
        } else if (produced == 0) {
          if (bz_->avail_in == 0)
            Fail(where_, "truncated bzip2 stream (compressed data ends early)");
        }
      }
    }
    total_ += produced;
    if (total_ > limit_)
      Fail(where_,
           "decompressed region is implausibly large (> " + std::to_string(limit_) + " bytes)");
    return produced;
  }

  std::span<const unsigned char> in_;
  Compression comp_;
  std::string where_;
  std::unique_ptr<z_stream> zs_;
  std::unique_ptr<bz_stream> bz_;
  size_t in_used_ = 0;
  size_t raw_pos_ = 0;
  std::vector<unsigned char> buf_;
  size_t head_ = 0, tail_ = 0;
  bool done_ = false;
  uint64_t total_ = 0;
  uint64_t limit_ = 0;
};

void SwapRow(int64_t* c, size_t nc, double* f, size_t nf) {
  for (size_t i = 0; i < nc; ++i) c[i] = static_cast<int64_t>(Swap64(static_cast<uint64_t>(c[i])));
  for (size_t i = 0; i < nf; ++i) {
    uint64_t v;
    std::memcpy(&v, &f[i], 8);
    v = Swap64(v);
    std::memcpy(&f[i], &v, 8);
  }
}

std::span<const unsigned char> RegionBytes(std::span<const unsigned char> file, RegionMap map,
                                           const std::string& name, const std::string& what) {
  if (map.off > file.size() || map.len > file.size() - map.off)
    Fail(name, what + " region (offset " + std::to_string(map.off) + ", length " +
                   std::to_string(map.len) + ") extends past end of file (" +
                   std::to_string(file.size()) + " bytes); log truncated or corrupt");
  return file.subspan(map.off, map.len);
}

LogHeader ParseHeader(std::span<const unsigned char> file, const std::string& name,
                      Layout* layout) {
  LogHeader h;
  if (file.size() < 16)
    Fail(name, "not a Darshan log (file too short: " + std::to_string(file.size()) + " bytes)");
  std::string version(reinterpret_cast<const char*>(file.data()), 8);
  version = version.substr(0, version.find('\0'));
  uint64_t magic;
  std::memcpy(&magic, file.data() + 8, 8);
  if (static_cast<int64_t>(magic) == kMagic) {
    h.byte_swapped = false;
  } else if (static_cast<int64_t>(Swap64(magic)) == kMagic) {
    h.byte_swapped = true;
  } else {
    bool looks_versioned =
        version.size() >= 3 && version[0] >= '0' && version[0] <= '9' && version[1] == '.';
    if (looks_versioned)
      Fail(name, "bad magic number " + std::to_string(static_cast<int64_t>(magic)) + " (expected " +
                     std::to_string(kMagic) + "); not a Darshan log or corrupt");
    Fail(name, "not a Darshan log (no Darshan version string / magic number)");
  }
  for (char c : version)
    if (c < 32 || c > 126) version = "<binary>";
  if (version.empty() || version[0] != '3')
    Fail(name, "unsupported Darshan log format version '" + version +
                   "' (supported: 3.10, 3.20, 3.21, 3.41)");
  if (!LayoutFor(version, layout))
    Fail(name, "unsupported Darshan log format version '" + version +
                   "' (supported: 3.10, 3.20, 3.21, 3.41)");
  h.version = version;
  ByteReader r(file, h.byte_swapped);
  size_t need = 16 + 8 + (layout->wide_partial_flag ? 8 : 8) + 16 + layout->max_mods * 20;
  if (!r.Has(need)) Fail(name, "truncated header (" + std::to_string(file.size()) + " bytes)");
  r.Skip(16);
  unsigned char comp = file[16];
  r.Skip(1);
  if (layout->wide_partial_flag) {
    r.AlignTo(8);
    h.partial_flag = r.U64();
  } else {
    r.AlignTo(4);
    h.partial_flag = r.U32();
  }
  r.AlignTo(8);
  h.name_map = {r.U64(), r.U64()};
  h.mod_map.resize(layout->max_mods);
  for (auto& m : h.mod_map) m = {r.U64(), r.U64()};
  h.mod_ver.resize(layout->max_mods);
  for (auto& v : h.mod_ver) v = r.U32();
  r.AlignTo(8);
  h.header_size = r.pos();
  if (comp > 2) Fail(name, "unknown compression type " + std::to_string(comp));
  h.compression = static_cast<Compression>(comp);
  if (h.name_map.off < h.header_size)
    Fail(name, "name-record region offset " + std::to_string(h.name_map.off) +
                   " lies inside the header; corrupt log");
  h.job_map = {h.header_size, h.name_map.off - h.header_size};
  return h;
}

void ParseJob(std::span<const unsigned char> file, const Layout& layout, Log* log) {
  const std::string& name = log->path;
  auto bytes = RegionBytes(file, log->header.job_map, name, "job");
  RegionStream s(bytes, log->header.compression, name + ": job region");
  size_t nfields = layout.nsec_times ? 7 : 5;
  std::array<uint64_t, 7> f{};
  s.ReadExact(f.data(), nfields * 8, "job record");
  if (log->header.byte_swapped)
    for (size_t i = 0; i < nfields; ++i) f[i] = Swap64(f[i]);
  JobInfo& j = log->job;
  j.uid = static_cast<int64_t>(f[0]);
  if (layout.nsec_times) {
    j.start_time = f[1], j.start_time_nsec = f[2], j.end_time = f[3], j.end_time_nsec = f[4];
    j.nprocs = f[5], j.jobid = f[6];
  } else {
    j.start_time = f[1], j.end_time = f[2], j.nprocs = f[3], j.jobid = f[4];
  }
  if (j.nprocs <= 0) Fail(name, "job record has invalid nprocs " + std::to_string(j.nprocs));
  std::string meta(kJobMetadataLen, '\0');
  s.ReadExact(meta.data(), kJobMetadataLen, "job metadata");
  meta.resize(std::strlen(meta.c_str()));
  size_t pos = 0;
  while (pos < meta.size()) {
    size_t nl = meta.find('\n', pos);
    std::string line = meta.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? meta.size() : nl + 1;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    j.metadata.emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
  // exe line, then "fs_type\tmount_path\n" entries, NUL-terminated.
  std::string rest;
  char c;
  while (s.Byte(&c) && c != '\0') {
    rest.push_back(c);
    if (rest.size() > (1u << 24)) Fail(name, "job region exe/mount table is implausibly long");
  }
  size_t nl = rest.find('\n');
  j.exe = rest.substr(0, nl);
  while (nl != std::string::npos) {
    size_t start = nl + 1;
    nl = rest.find('\n', start);
    std::string line = rest.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    j.mounts.push_back({line.substr(tab + 1), line.substr(0, tab)});
  }
  // darshan-parser lists mounts longest path first
  std::stable_sort(j.mounts.begin(), j.mounts.end(),
                   [](const auto& a, const auto& b) { return a.path.size() > b.path.size(); });
}

void ParseNames(std::span<const unsigned char> file, Log* log) {
  const std::string& name = log->path;
  if (log->header.name_map.len == 0) return;
  auto bytes = RegionBytes(file, log->header.name_map, name, "name-record");
  RegionStream s(bytes, log->header.compression, name + ": name-record region");
  while (!s.AtEnd()) {
    uint64_t id;
    s.ReadExact(&id, 8, "name record id");
    if (log->header.byte_swapped) id = Swap64(id);
    std::string n;
    char c;
    bool terminated = false;
    while (s.Byte(&c)) {
      if (c == '\0') {
        terminated = true;
        break;
      }
      n.push_back(c);
      if (n.size() > kMaxNameLength) Fail(s.where(), "record name longer than 64 KiB");
    }
    if (!terminated) Fail(s.where(), "truncated record name");
    log->names[id] = std::move(n);
  }
}

void ParseCounterModule(std::span<const unsigned char> file, int mod, Log* log, RecordSink* sink) {
  const auto& h = log->header;
  ModuleData md;
  md.module_id = mod;
  md.version = h.mod_ver[mod];
  md.counter_names = CounterNames(mod, md.version);
  md.fcounter_names = FCounterNames(mod, md.version);
  md.prefix = mod == 1 ? "POSIX" : mod == 2 ? "MPIIO" : "STDIO";
  std::string where = log->path + ": " + ModuleName(mod) + " module";
  auto bytes = RegionBytes(file, h.mod_map[mod], log->path, ModuleName(mod) + " module");
  RegionStream s(bytes, h.compression, where);
  const size_t nc = md.NumCounters(), nf = md.NumFCounters();
  const size_t rec_bytes = 16 + 8 * (nc + nf);
  // Records are decoded in batches; the batch grows from 16 to 4096 records so that small
  // modules stay cheap and large ones decompress straight into the batch buffer.
  if (sink) sink->BeginModule(md);
  std::vector<int64_t> crow(sink ? nc : 0);
  std::vector<double> frow(sink ? nf : 0);
  constexpr size_t kMaxBatch = 4096;
  size_t batch_records = 16;
  std::vector<unsigned char> batch;
  const bool swap = h.byte_swapped;
  while (true) {
    batch.resize(rec_bytes * batch_records);
    batch_records = std::min(kMaxBatch, batch_records * 2);
    const size_t got = s.Read(batch.data(), batch.size());
    if (got == 0) break;
    if (got % rec_bytes != 0)
      Fail(where, "truncated record (" + std::to_string(got % rec_bytes) + " of " +
                      std::to_string(rec_bytes) + " bytes)");
    for (const unsigned char* rec = batch.data(); rec < batch.data() + got; rec += rec_bytes) {
      uint64_t id, rank;
      std::memcpy(&id, rec, 8);
      std::memcpy(&rank, rec + 8, 8);
      if (swap) id = Swap64(id), rank = Swap64(rank);
      auto r = static_cast<int64_t>(rank);
      if (r < -1 || r >= log->job.nprocs)
        Fail(where, "record " + std::to_string(md.size()) + " has rank " + std::to_string(r) +
                        " outside [-1, nprocs=" + std::to_string(log->job.nprocs) + ")");
      if (sink) {
        std::memcpy(crow.data(), rec + 16, 8 * nc);
        std::memcpy(frow.data(), rec + 16 + 8 * nc, 8 * nf);
        if (swap) SwapRow(crow.data(), nc, frow.data(), nf);
        sink->Record(id, r, crow.data(), frow.data());
        continue;
      }
      const size_t idx = md.AddRecord(id, r, rec + 16, rec + 16 + 8 * nc);
      if (swap) SwapRow(md.MutableCounters(idx), nc, md.MutableFCounters(idx), nf);
    }
    if (got < batch.size()) break;
  }
  log->modules[mod] = std::move(md);
}

void ParseLustre(std::span<const unsigned char> file, Log* log) {
  const auto& h = log->header;
  const int mod = static_cast<int>(ModuleId::kLustre);
  uint32_t ver = h.mod_ver[mod];
  std::string where = log->path + ": LUSTRE module";
  if (ver != 1 && ver != 2) {
    log->notes.push_back("LUSTRE module version " + std::to_string(ver) +
                         " not supported; skipped");
    return;
  }
  log->lustre_version = ver;
  auto bytes = RegionBytes(file, h.mod_map[mod], log->path, "LUSTRE module");
  RegionStream s(bytes, h.compression, where);
  const bool swap = h.byte_swapped;
  auto rd = [&](const char* what) {
    uint64_t v;
    s.ReadExact(&v, 8, what);
    return static_cast<int64_t>(swap ? Swap64(v) : v);
  };
  while (!s.AtEnd()) {
    LustreRecord rec;
    rec.id = static_cast<uint64_t>(rd("LUSTRE record"));
    rec.rank = rd("LUSTRE record");
    int64_t nstripes;
    if (ver == 1) {
      // OSTS, MDTS, STRIPE_OFFSET, STRIPE_SIZE, STRIPE_WIDTH, then STRIPE_WIDTH OST ids
      rec.osts = rd("LUSTRE record");
      rec.mdts = rd("LUSTRE record");
      rd("LUSTRE record");
      LustreComponent c;
      c.stripe_size = rd("LUSTRE record");
      c.stripe_count = rd("LUSTRE record");
      nstripes = c.stripe_count;
      rec.components.push_back(c);
    } else {
      int64_t ncomps = rd("LUSTRE record");
      nstripes = rd("LUSTRE record");
      if (ncomps < 0 || ncomps > kMaxLustreComponents)
        Fail(where, "record " + std::to_string(log->lustre.size()) +
                        " has absurd component count " + std::to_string(ncomps));
      if (nstripes < 0 || nstripes > kMaxLustreStripes)
        Fail(where, "record " + std::to_string(log->lustre.size()) + " has absurd stripe count " +
                        std::to_string(nstripes));
      for (int64_t i = 0; i < ncomps; ++i) {
        LustreComponent c;
        c.stripe_size = rd("LUSTRE component");
        c.stripe_count = rd("LUSTRE component");
        c.stripe_pattern = rd("LUSTRE component");
        c.flags = rd("LUSTRE component");
        c.ext_start = rd("LUSTRE component");
        c.ext_end = rd("LUSTRE component");
        c.mirror_id = rd("LUSTRE component");
        char pool[17] = {};
        s.ReadExact(pool, 16, "LUSTRE pool name");
        c.pool_name = pool;
        rec.components.push_back(std::move(c));
      }
    }
    if (nstripes < 0 || nstripes > kMaxLustreStripes)
      Fail(where, "record " + std::to_string(log->lustre.size()) + " has absurd stripe count " +
                      std::to_string(nstripes));
    // Version 1 records always carry at least one OST id slot (C struct with ost_ids[1]).
    const int64_t slots = ver == 1 ? std::max<int64_t>(1, nstripes) : nstripes;
    for (int64_t i = 0; i < slots; ++i) {
      int64_t ost = rd("LUSTRE OST list");
      if (i < nstripes) rec.ost_ids.push_back(ost);
    }
    log->lustre.push_back(std::move(rec));
  }
}

}  // namespace

Log ParseLog(std::span<const unsigned char> bytes, const std::string& name, RecordSink* sink) {
  Log log;
  log.path = name;
  Layout layout{};
  log.header = ParseHeader(bytes, name, &layout);
  ParseJob(bytes, layout, &log);
  ParseNames(bytes, &log);
  for (size_t mod = 0; mod < log.header.mod_map.size(); ++mod) {
    const RegionMap& m = log.header.mod_map[mod];
    int id = static_cast<int>(mod);
    if (m.len == 0) {
      if (log.header.partial_flag & (uint64_t{1} << mod))
        log.notes.push_back(ModuleName(id) + " module flagged partial (ran out of memory)");
      continue;
    }
    if (id == static_cast<int>(ModuleId::kLustre)) {
      ParseLustre(bytes, &log);
    } else if (CounterNames(id, log.header.mod_ver[mod]) != nullptr) {
      ParseCounterModule(bytes, id, &log, sink);
      if (log.header.partial_flag & (uint64_t{1} << mod))
        log.notes.push_back(ModuleName(id) + " module holds incomplete data (partial flag set)");
    } else {
      // still verify the region lies inside the file
      RegionBytes(bytes, m, name, ModuleName(id) + " module");
      bool known = id == 1 || id == 2 || id == 9;
      log.notes.push_back(ModuleName(id) + " module (version " +
                          std::to_string(log.header.mod_ver[mod]) + ") " +
                          (known ? "version not supported" : "not decoded") + "; skipped");
    }
  }
  return log;
}

MappedFile::MappedFile(const std::filesystem::path& path) {
  const std::string name = path.string();
  int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail(name, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    Fail(name, "not a regular file");
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
