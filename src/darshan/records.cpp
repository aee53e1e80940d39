// Record up-conversion, from the record layouts in darshan-util 3.4.7 (darshan-*-logutils.c):
//   POSIX  v1 680 B (68 counters incl. 4 stdio ones, 15 fcounters), v2 648 B (64 + 15),
//          v3 664 B (64 + 17), v4 704 B (69 + 17)
//   MPI-IO v1/v2 544 B (51 + 15), v3 560 B (51 + 17)
//   STDIO  v1 240 B (13 + 15), v2 248 B (14 + 15)
// Each step inserts counters by shifting the tail of the record in a zeroed 1 KiB scratch
// buffer by the byte lengths darshan-util uses (which drop a few trailing fcounters of old
// POSIX records); the inserted values are -1 (0 for POSIX_RENAMED_FROM).
#include "records.hpp"

#include <cstring>

#include "iorec/darshan/log.hpp"

namespace iorec::darshan::detail {
namespace {

constexpr size_t kBase = 16;  // record id + rank
constexpr size_t kScratch = 1024;

constexpr size_t kPosixCounters = 69, kPosixF = 17;
constexpr size_t kMpiioCounters = 51, kMpiioF = 17;
constexpr size_t kStdioCounters = 14, kStdioF = 15;

uint64_t Swap(uint64_t v) { return __builtin_bswap64(v); }

void PutI64(unsigned char* p, int64_t v) { std::memcpy(p, &v, 8); }
void PutF64(unsigned char* p, double v) { std::memcpy(p, &v, 8); }

/// Moves `len` bytes from `from` to `to` inside the scratch record (memmove semantics).
void Shift(unsigned char* s, size_t from, size_t to, size_t len) {
  std::memmove(s + to, s + from, len);
}

/// Splits a current-layout record into id, rank, counters and fcounters; swaps every value
/// except those listed in `keep_c` / `keep_f` (inserted natively by the up-conversion).
template <size_t NC, size_t NF, typename KeepC, typename KeepF>
void Unpack(const unsigned char* s, bool swap, uint64_t* id, int64_t* rank, int64_t* c, double* f,
            KeepC keep_c, KeepF keep_f) {
  uint64_t v[2];
  std::memcpy(v, s, 16);
  std::memcpy(c, s + kBase, 8 * NC);
  std::memcpy(f, s + kBase + 8 * NC, 8 * NF);
  if (swap) {
    v[0] = Swap(v[0]);
    v[1] = Swap(v[1]);
    for (size_t i = 0; i < NC; ++i)
      if (!keep_c(i)) c[i] = static_cast<int64_t>(Swap(static_cast<uint64_t>(c[i])));
    for (size_t i = 0; i < NF; ++i) {
      if (keep_f(i)) continue;
      uint64_t u;
      std::memcpy(&u, &f[i], 8);
      u = Swap(u);
      std::memcpy(&f[i], &u, 8);
    }
  }
  *id = v[0];
  *rank = static_cast<int64_t>(v[1]);
}

bool DecodePosix(uint32_t ver, bool swap, const unsigned char* raw, uint64_t* id, int64_t* rank,
                 int64_t* c, double* f) {
  auto none = [](size_t) { return false; };
  if (ver == 4) {
    Unpack<kPosixCounters, kPosixF>(raw, swap, id, rank, c, f, none, none);
    return true;
  }
  unsigned char s[kScratch] = {};
  size_t rec_len = RawRecordSize(1, ver);
  std::memcpy(s, raw, rec_len);
  if (ver == 1) {
    // Records with stdio (fopen) counters are dropped; the check reads the raw value.
    int64_t fopens;
    std::memcpy(&fopens, s + kBase + 6 * 8, 8);
    if (fopens > 0) return false;
    const size_t dest = kBase + 6 * 8, src = dest + 4 * 8;  // drop the 4 stdio counters
    Shift(s, src, dest, rec_len - src);
  }
  if (ver <= 2) {
    // insert F_CLOSE_START_TIMESTAMP and F_OPEN_END_TIMESTAMP (fcounters 3 and 4)
    const size_t dest = kBase + 64 * 8 + 5 * 8, src = dest - 2 * 8;
    Shift(s, src, dest, 12 * 8);
    PutF64(s + src, -1);
    PutF64(s + src + 8, -1);
  }
  // insert FILENOS, DUPS (counters 1, 2), then RENAME_SOURCES/TARGETS, RENAMED_FROM (10-12)
  size_t dest = kBase + 3 * 8, src = dest - 2 * 8;
  Shift(s, src, dest, rec_len - src);
  PutI64(s + src, -1);
  PutI64(s + src + 8, -1);
  dest = kBase + 13 * 8, src = dest - 3 * 8;
  Shift(s, src, dest, rec_len - src);
  PutI64(s + src, -1);
  PutI64(s + src + 8, -1);
  PutI64(s + src + 16, 0);
  // darshan-util skips swapping fcounters 3/4 (< v3) and, by indexing the fcounters with
  // counter ids, fcounters 10-12 (< v4).
  auto keep_f = [ver](size_t i) { return (ver < 3 && (i == 3 || i == 4)) || (i >= 10 && i <= 12); };
  Unpack<kPosixCounters, kPosixF>(s, swap, id, rank, c, f, none, keep_f);
  return true;
}

bool DecodeMpiio(uint32_t ver, bool swap, const unsigned char* raw, uint64_t* id, int64_t* rank,
                 int64_t* c, double* f) {
  auto none = [](size_t) { return false; };
  if (ver == 3) {
    Unpack<kMpiioCounters, kMpiioF>(raw, swap, id, rank, c, f, none, none);
    return true;
  }
  unsigned char s[kScratch] = {};
  std::memcpy(s, raw, RawRecordSize(2, ver));
  const size_t dest = kBase + 51 * 8 + 5 * 8, src = dest - 2 * 8;
  Shift(s, src, dest, 12 * 8);
  PutF64(s + src, -1);
  PutF64(s + src + 8, -1);
  Unpack<kMpiioCounters, kMpiioF>(s, swap, id, rank, c, f, none,
                                  [](size_t i) { return i == 3 || i == 4; });
  return true;
}

bool DecodeStdio(uint32_t ver, bool swap, const unsigned char* raw, uint64_t* id, int64_t* rank,
                 int64_t* c, double* f) {
  auto none = [](size_t) { return false; };
  if (ver == 2) {
    Unpack<kStdioCounters, kStdioF>(raw, swap, id, rank, c, f, none, none);
    return true;
  }
  unsigned char s[kScratch] = {};
  const size_t rec_len = RawRecordSize(9, ver);
  std::memcpy(s, raw, rec_len);
  const size_t dest = kBase + 2 * 8, src = dest - 8;  // insert FDOPENS (counter 1)
  Shift(s, src, dest, rec_len - src);
  PutI64(s + src, -1);
  Unpack<kStdioCounters, kStdioF>(
      s, swap, id, rank, c, f, [](size_t i) { return i == 1; }, none);
  return true;
}

}  // namespace

size_t RawRecordSize(int module_id, uint32_t version) {
  switch (static_cast<ModuleId>(module_id)) {
    case ModuleId::kPosix:
      return version == 1 ? 680 : version == 2 ? 648 : version == 3 ? 664 : version == 4 ? 704 : 0;
    case ModuleId::kMpiio:
      return version == 1 || version == 2 ? 544 : version == 3 ? 560 : 0;
    case ModuleId::kStdio:
      return version == 1 ? 240 : version == 2 ? 248 : 0;
    default:
      return 0;
  }
}

bool DecodeRecord(int module_id, uint32_t version, bool swap, const unsigned char* raw,
                  uint64_t* id, int64_t* rank, int64_t* c, double* f) {
  switch (static_cast<ModuleId>(module_id)) {
    case ModuleId::kPosix:
      return DecodePosix(version, swap, raw, id, rank, c, f);
    case ModuleId::kMpiio:
      return DecodeMpiio(version, swap, raw, id, rank, c, f);
    default:
      return DecodeStdio(version, swap, raw, id, rank, c, f);
  }
}

}  // namespace iorec::darshan::detail
