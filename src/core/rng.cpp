#include "iorec/core/rng.hpp"

#include <cmath>

#include "iorec/core/hash.hpp"

namespace iorec::core {
namespace {
constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Rng::Rng(uint64_t raw_seed) : seed_(raw_seed) {
  uint64_t x = raw_seed;
  for (auto& s : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    s = Mix64(x);
  }
}

Rng::Rng(uint64_t seed, std::string_view stage) : Rng(HashCombine(Mix64(seed), Fnv1a64(stage))) {}

Rng Rng::Fork(std::string_view name) const { return Rng(HashCombine(seed_, Fnv1a64(name))); }
Rng Rng::Fork(uint64_t index) const { return Rng(HashCombine(seed_, Mix64(index + 1))); }

uint64_t Rng::NextU64() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Rng::Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

uint64_t Rng::UniformInt(uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = NextU64();
  } while (x >= limit);
  return x % n;
}

double Rng::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Marsaglia polar method; only +,*,log,sqrt, which are correctly rounded or
  // deterministic on IEEE-754 platforms with glibc.
  double u, v, s;
  do {
    u = 2.0 * Uniform() - 1.0;
    v = 2.0 * Uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double m = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * m;
  has_spare_ = true;
  return u * m;
}

}  // namespace iorec::core
