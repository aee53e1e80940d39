#pragma once
/// Platform-independent hashing (never std::hash): the same input gives the same
/// value on every compiler and machine.
#include <cstdint>
#include <string>
#include <string_view>

namespace iorec::core {

/// 64-bit FNV-1a over bytes.
constexpr uint64_t Fnv1a64(std::string_view bytes, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// SplitMix64 finaliser: a strong bijective 64-bit mix.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Combines two hashes, order-sensitive.
constexpr uint64_t HashCombine(uint64_t a, uint64_t b) { return Mix64(a ^ Mix64(b)); }

/// Maps a hash to a double uniformly in [0, 1).
constexpr double HashToUnit(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

/// SHA-1 (FIPS 180-4) of `bytes` as 40 lowercase hex digits. For identifiers other tools
/// compute the same way (the reference's config_id), not for security.
std::string Sha1Hex(std::string_view bytes);

}  // namespace iorec::core
