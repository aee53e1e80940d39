#pragma once
// Decompression of one log region (private to the darshan module). A region is one or more
// concatenated zlib or bzip2 streams (Darshan compresses per process) or raw bytes.
#include <bzlib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "iorec/darshan/log.hpp"

struct libdeflate_decompressor;

namespace iorec::darshan::detail {

/// Thrown for a region that cannot be decompressed; the message names the region.
class RegionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Output buffer for whole zlib streams: a large virtual reservation whose pages are only
/// backed once written, so one libdeflate call decompresses a stream of unknown size. Reused
/// across streams and regions (RSS ~ the largest stream).
class InflateBuffer {
 public:
  InflateBuffer() = default;
  ~InflateBuffer();
  InflateBuffer(const InflateBuffer&) = delete;
  InflateBuffer& operator=(const InflateBuffer&) = delete;
  /// Ensures at least `bytes` of address space; false when it cannot be reserved.
  bool Reserve(size_t bytes);
  unsigned char* data() { return data_; }
  size_t capacity() const { return capacity_; }

 private:
  unsigned char* data_ = nullptr;
  size_t capacity_ = 0;
  bool mapped_ = false;
};

/// Streams the decompressed bytes of one region in blocks (a whole zlib stream, 256 KiB of
/// bzip2 output, or the raw bytes), and hands out fixed-size records that may straddle blocks.
class RegionReader {
 public:
  /// `where` names the region in messages ("app.darshan: POSIX module region at byte 1328").
  /// `scratch` may be null (a private buffer is used).
  RegionReader(std::span<const unsigned char> in, Compression comp, std::string where,
               InflateBuffer* scratch = nullptr);
  ~RegionReader();
  RegionReader(const RegionReader&) = delete;
  RegionReader& operator=(const RegionReader&) = delete;

  /// The next `n` bytes (valid until the next call), or nullptr when fewer remain; then
  /// Leftover() says how many bytes were left over. Throws RegionError on corrupt data.
  const unsigned char* Take(size_t n);
  size_t Leftover() const { return carry_.size() + (block_.size() - pos_); }
  /// Copies up to `n` bytes; returns how many (fewer only at the end of the region).
  size_t Read(void* dst, size_t n);
  /// Everything that is left, up to `limit` bytes (throws RegionError past the limit).
  std::string ReadAll(size_t limit);
  const std::string& where() const { return where_; }

 private:
  bool NextBlock();
  void InflateStream();
  void Bzip2Block();

  std::span<const unsigned char> in_;
  Compression comp_;
  std::string where_;
  size_t in_pos_ = 0;
  uint64_t limit_ = 0;
  uint64_t produced_ = 0;
  std::span<const unsigned char> block_;
  size_t pos_ = 0;
  std::vector<unsigned char> carry_;
  libdeflate_decompressor* inflater_ = nullptr;
  std::unique_ptr<InflateBuffer> own_buffer_;
  InflateBuffer* inflate_buf_ = nullptr;
  std::unique_ptr<bz_stream> bz_;
  bool bz_active_ = false;
  std::vector<unsigned char> bz_out_;
};

}  // namespace iorec::darshan::detail
