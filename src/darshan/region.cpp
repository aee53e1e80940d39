// Region decompression: libdeflate for zlib streams (inflate and Adler-32 in one fast pass),
// libbz2 for bzip2, a plain copy for uncompressed logs.
#include "region.hpp"

#include <libdeflate.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>

namespace iorec::darshan::detail {
namespace {

constexpr size_t kBzipBlock = 256 * 1024;
/// Address space reserved for one zlib stream before falling back to grow-and-retry.
constexpr size_t kMaxReservation = size_t{16} << 30;

}  // namespace

InflateBuffer::~InflateBuffer() {
  if (mapped_) ::munmap(data_, capacity_);
}

bool InflateBuffer::Reserve(size_t bytes) {
  if (bytes <= capacity_) return true;
  if (mapped_) ::munmap(data_, capacity_);
  data_ = nullptr;
  capacity_ = 0;
  mapped_ = false;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  data_ = static_cast<unsigned char*>(p);
  capacity_ = bytes;
  mapped_ = true;
  return true;
}

RegionReader::RegionReader(std::span<const unsigned char> in, Compression comp, std::string where,
                           InflateBuffer* scratch)
    : in_(in), comp_(comp), where_(std::move(where)) {
  limit_ = std::min<uint64_t>(kMaxRegionBytes, in.size() * kMaxExpansion + (1 << 20));
  if (comp_ == Compression::kZlib) {
    inflater_ = libdeflate_alloc_decompressor();
    if (!inflater_) throw RegionError(where_ + ": out of memory for the decompressor");
    if (!scratch) {
      own_buffer_ = std::make_unique<InflateBuffer>();
      scratch = own_buffer_.get();
    }
    inflate_buf_ = scratch;
  } else if (comp_ == Compression::kBzip2) {
    bz_ = std::make_unique<bz_stream>();
    std::memset(bz_.get(), 0, sizeof(bz_stream));
    bz_out_.resize(std::min<size_t>(kBzipBlock, std::max<size_t>(4096, in.size() * 8)));
  }
}

RegionReader::~RegionReader() {
  if (inflater_) libdeflate_free_decompressor(inflater_);
  if (bz_active_) BZ2_bzDecompressEnd(bz_.get());
}

const unsigned char* RegionReader::Take(size_t n) {
  carry_.clear();
  if (block_.size() - pos_ >= n) {
    const unsigned char* p = block_.data() + pos_;
    pos_ += n;
    return p;
  }
  carry_.assign(block_.begin() + static_cast<std::ptrdiff_t>(pos_), block_.end());
  pos_ = block_.size();
  while (carry_.size() < n) {
    if (!NextBlock()) return nullptr;
    const size_t take = std::min(n - carry_.size(), block_.size());
    carry_.insert(carry_.end(), block_.begin(), block_.begin() + static_cast<std::ptrdiff_t>(take));
    pos_ = take;
  }
  return carry_.data();
}

size_t RegionReader::Read(void* dst, size_t n) {
  auto* out = static_cast<unsigned char*>(dst);
  size_t got = 0;
  while (got < n) {
    if (pos_ == block_.size() && !NextBlock()) break;
    const size_t take = std::min(n - got, block_.size() - pos_);
    std::memcpy(out + got, block_.data() + pos_, take);
    pos_ += take;
    got += take;
  }
  return got;
}

std::string RegionReader::ReadAll(size_t limit) {
  std::string out;
  while (true) {
    if (pos_ == block_.size() && !NextBlock()) break;
    const size_t take = block_.size() - pos_;
    if (out.size() + take > limit)
      throw RegionError(where_ + ": longer than " + std::to_string(limit) + " bytes");
    out.append(reinterpret_cast<const char*>(block_.data() + pos_), take);
    pos_ = block_.size();
  }
  return out;
}

bool RegionReader::NextBlock() {
  pos_ = 0;
  block_ = {};
  while (block_.empty()) {
    if (in_pos_ >= in_.size() && !bz_active_) return false;
    switch (comp_) {
      case Compression::kNone:
        block_ = in_.subspan(in_pos_);
        in_pos_ = in_.size();
        break;
      case Compression::kZlib:
        InflateStream();
        break;
      case Compression::kBzip2:
        Bzip2Block();
        break;
    }
  }
  produced_ += block_.size();
  if (produced_ > limit_)
    throw RegionError(where_ + ": decompressed region is implausibly large (> " +
                      std::to_string(limit_) + " bytes)");
  return true;
}

void RegionReader::InflateStream() {
  const size_t want = static_cast<size_t>(std::min<uint64_t>(limit_ - produced_, kMaxReservation));
  if (inflate_buf_->capacity() < want && !inflate_buf_->Reserve(want)) {
    // Could not reserve the address space: start smaller and grow on demand.
    inflate_buf_->Reserve(std::min<size_t>(want, std::max<size_t>(1 << 20, in_.size() * 8)));
  }
  while (true) {
    size_t in_used = 0, out_len = 0;
    const auto rc = libdeflate_zlib_decompress_ex(inflater_, in_.data() + in_pos_,
                                                  in_.size() - in_pos_, inflate_buf_->data(),
                                                  inflate_buf_->capacity(), &in_used, &out_len);
    if (rc == LIBDEFLATE_SUCCESS) {
      in_pos_ += in_used;
      block_ = {inflate_buf_->data(), out_len};
      return;
    }
    if (rc == LIBDEFLATE_INSUFFICIENT_SPACE && inflate_buf_->capacity() < want &&
        inflate_buf_->Reserve(std::min(want, inflate_buf_->capacity() * 4)))
      continue;
    if (rc == LIBDEFLATE_INSUFFICIENT_SPACE)
      throw RegionError(where_ + ": decompressed region is implausibly large (> " +
                        std::to_string(limit_) + " bytes)");
    throw RegionError(where_ + ": corrupt or truncated zlib stream at region byte " +
                      std::to_string(in_pos_));
  }
}

void RegionReader::Bzip2Block() {
  while (true) {
    if (!bz_active_) {
      std::memset(bz_.get(), 0, sizeof(bz_stream));
      if (BZ2_bzDecompressInit(bz_.get(), 0, 0) != BZ_OK)
        throw RegionError(where_ + ": bzip2 initialisation failed");
      bz_active_ = true;
      const size_t avail = std::min<size_t>(in_.size() - in_pos_, 1u << 30);
      bz_->next_in = reinterpret_cast<char*>(const_cast<unsigned char*>(in_.data() + in_pos_));
      bz_->avail_in = static_cast<unsigned>(avail);
    }
    bz_->next_out = reinterpret_cast<char*>(bz_out_.data());
    bz_->avail_out = static_cast<unsigned>(bz_out_.size());
    const unsigned before = bz_->avail_in;
    const int rc = BZ2_bzDecompress(bz_.get());
    in_pos_ += before - bz_->avail_in;
    const size_t produced = bz_out_.size() - bz_->avail_out;
    if (rc == BZ_STREAM_END) {
      BZ2_bzDecompressEnd(bz_.get());
      bz_active_ = false;
    } else if (rc != BZ_OK) {
      throw RegionError(where_ + ": corrupt bzip2 stream (code " + std::to_string(rc) + ")");
    } else if (produced == 0 && bz_->avail_in == 0) {
      throw RegionError(where_ + ": truncated bzip2 stream (compressed data ends early)");
    }
    if (produced > 0) {
      block_ = {bz_out_.data(), produced};
      return;
    }
    if (!bz_active_ && in_pos_ >= in_.size()) return;
  }
}

}  // namespace iorec::darshan::detail
