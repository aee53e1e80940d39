#pragma once
// On-disk record layouts of the counter modules, per module version (private to the darshan
// module). Older versions are up-converted to the current layout exactly as darshan-util 3.4.7
// does, including which inserted counters it leaves un-swapped in byte-swapped logs.
#include <cstddef>
#include <cstdint>

namespace iorec::darshan::detail {

/// Bytes of one on-disk record of `module_id` (POSIX, MPI-IO, STDIO) at `version`, or 0 when
/// the version is not one darshan-util reads.
size_t RawRecordSize(int module_id, uint32_t version);

/// Decodes one raw record into the current layout. `c` and `f` receive the current number of
/// counters and fcounters. Returns false for a record darshan-util drops (POSIX version 1
/// records that carry stdio counters).
bool DecodeRecord(int module_id, uint32_t version, bool swap, const unsigned char* raw,
                  uint64_t* id, int64_t* rank, int64_t* c, double* f);

}  // namespace iorec::darshan::detail
