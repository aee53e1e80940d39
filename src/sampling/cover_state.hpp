#pragma once
/// Private to the sampling module: strength-2 pair indexing and an incrementally
/// maintained covering-array state (rows, per-pair cover counts, uncovered list) used by the
/// greedy fill and the simulated-annealing post-optimisation.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "iorec/core/rng.hpp"
#include "iorec/space/space.hpp"

namespace iorec::sampling::detail {

/// One value pair: level a of knob i together with level b of knob j (i < j).
struct ValuePair {
  size_t i = 0;
  uint8_t a = 0;
  size_t j = 0;
  uint8_t b = 0;
};

/// Dense numbering of every value pair of a space, block (i, j) after block (i', j') in
/// lexicographic knob-pair order, level a of knob i major within a block.
class PairTable {
 public:
  explicit PairTable(const space::Space& space);

  size_t num_knobs() const { return levels_.size(); }
  size_t levels(size_t k) const { return levels_[k]; }
  uint64_t num_pairs() const { return num_pairs_; }
  /// Largest levels_i * levels_j: no cover can have fewer rows.
  uint64_t max_block() const { return max_block_; }

  /// Index of (knob i = a, knob j = b). Requires i != j; the order of i and j is irrelevant.
  uint32_t Index(size_t i, uint8_t a, size_t j, uint8_t b) const {
    if (i > j) return base_[j * levels_.size() + i] + b * levels_[i] + a;
    return base_[i * levels_.size() + j] + a * levels_[j] + b;
  }
  ValuePair Decode(uint32_t index) const;

 private:
  std::vector<size_t> levels_;
  std::vector<uint32_t> base_;  ///< n*n, only i<j used
  struct Block {
    uint32_t start;
    uint32_t i;
    uint32_t j;
  };
  std::vector<Block> blocks_;  ///< sorted by start
  uint64_t num_pairs_ = 0;
  uint64_t max_block_ = 0;
};

/// Rows of a (partial) covering array with per-pair cover counts. The first num_fixed rows
/// are never changed by the local search.
class CoverState {
 public:
  CoverState(const PairTable& table, size_t num_fixed);

  const PairTable& table() const { return *table_; }
  size_t num_rows() const { return rows_.size() / width_; }
  size_t num_fixed() const { return num_fixed_; }
  const uint8_t* row(size_t r) const { return rows_.data() + r * width_; }
  space::Config RowConfig(size_t r) const;
  uint64_t uncovered() const { return uncovered_.size(); }
  uint64_t covered() const { return table_->num_pairs() - uncovered_.size(); }
  bool IsCovered(uint32_t pair) const { return count_[pair] > 0; }

  void AddRow(const uint8_t* row);
  /// Removes a non-fixed row; the last row takes its place.
  void RemoveRow(size_t r);

  /// Number of pairs of `row` that are currently uncovered.
  uint32_t Gain(const uint8_t* row) const;
  /// Number of pairs covered by row r only.
  uint32_t UniquePairs(size_t r) const;
  /// Change in covered pairs if row r's cell k becomes v (v may equal the current level).
  int Delta1(size_t r, size_t k, uint8_t v) const;
  /// Change in covered pairs if row r's cells k1, k2 (k1 != k2) become v1, v2.
  int Delta2(size_t r, size_t k1, uint8_t v1, size_t k2, uint8_t v2) const;
  void Set(size_t r, size_t k, uint8_t v);

  /// True if some row other than `except` equals `row`.
  bool HasRow(const uint8_t* row, size_t except) const;
  uint32_t RandomUncovered(core::Rng& rng) const {
    return uncovered_[static_cast<size_t>(rng.UniformInt(uncovered_.size()))];
  }

 private:
  static constexpr uint32_t kNotListed = UINT32_MAX;
  void Increment(uint32_t pair);
  void Decrement(uint32_t pair);

  const PairTable* table_;
  size_t width_;
  size_t num_fixed_;
  std::vector<uint8_t> rows_;        ///< row-major, width_ cells per row
  std::vector<uint32_t> count_;      ///< rows covering each pair
  std::vector<uint32_t> uncovered_;  ///< pairs with count 0, any order
  std::vector<uint32_t> position_;   ///< index into uncovered_, or kNotListed
};

struct AnnealParams {
  uint64_t iterations = 0;
  double start_temperature = 1.0;
  double end_temperature = 0.05;
  /// Fraction of moves aimed at a random uncovered pair (the rest change one random cell).
  double targeted_share = 0.5;
  /// Targeted moves evaluate every free row and take the best one (else one random row).
  bool best_row = true;
};

/// Simulated annealing over the non-fixed rows at fixed row count, maximising covered pairs.
/// Single-cell and pair-targeted two-cell moves; never creates duplicate rows. Stops early at
/// full coverage; leaves the state at the best coverage seen. Deterministic in rng.
void Anneal(CoverState& state, const AnnealParams& params, core::Rng& rng);

/// Algebraic seed (oa_seed.cpp): the q*q rows of the orthogonal array OA(q^2, q+1, q, 2) over
/// GF(q), q the smallest prime >= the largest level count (q <= kMaxSeedPrime). The knobs with
/// the most levels get the columns a, b, a+b, ..., a+(q-1)b, knobs beyond q+1 get a free
/// column. Each knob maps the q symbols onto its levels (a surjection). `anchors` come first,
/// then OA rows; the rows covering the fewest pairs alone are deleted down to `target_rows`.
/// The symbol maps and free columns are hill-climbed for `climb_steps` moves, each scored by
/// re-running the deletion, so the OA aligns itself with the anchors. Returns false (and
/// leaves *out untouched) when not applicable: q too large, target_rows <= #anchors or
/// > q^2 + #anchors. On success *out holds target_rows distinct rows, anchors first and fixed.
inline constexpr size_t kMaxSeedPrime = 13;
/// The q AlgebraicSeed would use: smallest prime >= the largest level count.
size_t SeedPrime(const PairTable& table);
bool AlgebraicSeed(const PairTable& table, const std::vector<space::Config>& anchors,
                   size_t target_rows, uint64_t climb_steps, core::Rng& rng, CoverState* out);

}  // namespace iorec::sampling::detail
