#pragma once
/// Explicit, seedable random streams. Every stream is derived from the study
/// seed plus a stage name, so results never depend on call order across stages.
/// The generator is xoshiro256** with our own distribution code, so streams are
/// identical across platforms and standard libraries.
#include <cstdint>
#include <string_view>
#include <vector>

namespace iorec::core {

class Rng {
 public:
  /// A stream for (seed, stage). Different stage names give independent streams.
  Rng(uint64_t seed, std::string_view stage);
  explicit Rng(uint64_t raw_seed);

  /// A child stream: deterministic in (this stream's seed, name), does not advance this one.
  Rng Fork(std::string_view name) const;
  Rng Fork(uint64_t index) const;

  uint64_t NextU64();
  /// Uniform in [0, 1).
  double Uniform();
  /// Uniform integer in [0, n). Precondition: n > 0. Unbiased (rejection).
  uint64_t UniformInt(uint64_t n);
  /// Standard normal draw.
  double Normal();
  double Normal(double mean, double stddev) { return mean + stddev * Normal(); }

  /// Fisher-Yates shuffle.
  template <class T>
  void Shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) {
      size_t j = static_cast<size_t>(UniformInt(i));
      std::swap(v[i - 1], v[j]);
    }
  }

  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace iorec::core
