#include "cover_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace iorec::sampling::detail {

PairTable::PairTable(const space::Space& space) {
  const size_t n = space.num_knobs();
  levels_.resize(n);
  for (size_t k = 0; k < n; ++k) levels_[k] = space.levels(k);
  base_.assign(n * n, 0);
  uint64_t next = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      base_[i * n + j] = static_cast<uint32_t>(next);
      const uint64_t block = static_cast<uint64_t>(levels_[i]) * levels_[j];
      blocks_.push_back(
          {static_cast<uint32_t>(next), static_cast<uint32_t>(i), static_cast<uint32_t>(j)});
      next += block;
      max_block_ = std::max(max_block_, block);
    }
  }
  num_pairs_ = next;
}

ValuePair PairTable::Decode(uint32_t index) const {
  auto it = std::upper_bound(blocks_.begin(), blocks_.end(), index,
                             [](uint32_t v, const Block& b) { return v < b.start; });
  --it;
  const uint32_t offset = index - it->start;
  const size_t lj = levels_[it->j];
  return ValuePair{it->i, static_cast<uint8_t>(offset / lj), it->j,
                   static_cast<uint8_t>(offset % lj)};
}

CoverState::CoverState(const PairTable& table, size_t num_fixed)
    : table_(&table), width_(table.num_knobs()), num_fixed_(num_fixed) {
  count_.assign(table.num_pairs(), 0);
  uncovered_.resize(table.num_pairs());
  position_.resize(table.num_pairs());
  for (uint32_t p = 0; p < table.num_pairs(); ++p) {
    uncovered_[p] = p;
    position_[p] = p;
  }
}

space::Config CoverState::RowConfig(size_t r) const {
  return space::Config(std::vector<uint8_t>(row(r), row(r) + width_));
}

void CoverState::Increment(uint32_t pair) {
  if (count_[pair]++ == 0) {
    const uint32_t pos = position_[pair];
    const uint32_t last = uncovered_.back();
    uncovered_[pos] = last;
    position_[last] = pos;
    uncovered_.pop_back();
    position_[pair] = kNotListed;
  }
}

void CoverState::Decrement(uint32_t pair) {
  if (--count_[pair] == 0) {
    position_[pair] = static_cast<uint32_t>(uncovered_.size());
    uncovered_.push_back(pair);
  }
}

void CoverState::AddRow(const uint8_t* row) {
  rows_.insert(rows_.end(), row, row + width_);
  for (size_t i = 0; i < width_; ++i) {
    for (size_t j = i + 1; j < width_; ++j) Increment(table_->Index(i, row[i], j, row[j]));
  }
}

void CoverState::RemoveRow(size_t r) {
  const uint8_t* cells = row(r);
  for (size_t i = 0; i < width_; ++i) {
    for (size_t j = i + 1; j < width_; ++j) Decrement(table_->Index(i, cells[i], j, cells[j]));
  }
  const size_t last = num_rows() - 1;
  if (r != last) std::memcpy(rows_.data() + r * width_, row(last), width_);
  rows_.resize(last * width_);
}

uint32_t CoverState::Gain(const uint8_t* row) const {
  uint32_t gain = 0;
  for (size_t i = 0; i < width_; ++i) {
    for (size_t j = i + 1; j < width_; ++j) {
      gain += count_[table_->Index(i, row[i], j, row[j])] == 0;
    }
  }
  return gain;
}

uint32_t CoverState::UniquePairs(size_t r) const {
  const uint8_t* cells = row(r);
  uint32_t unique = 0;
  for (size_t i = 0; i < width_; ++i) {
    for (size_t j = i + 1; j < width_; ++j) {
      unique += count_[table_->Index(i, cells[i], j, cells[j])] == 1;
    }
  }
  return unique;
}

int CoverState::Delta1(size_t r, size_t k, uint8_t v) const {
  const uint8_t* cells = row(r);
  const uint8_t old = cells[k];
  if (old == v) return 0;
  int delta = 0;
  for (size_t j = 0; j < width_; ++j) {
    if (j == k) continue;
    delta -= count_[table_->Index(k, old, j, cells[j])] == 1;
    delta += count_[table_->Index(k, v, j, cells[j])] == 0;
  }
  return delta;
}

int CoverState::Delta2(size_t r, size_t k1, uint8_t v1, size_t k2, uint8_t v2) const {
  const uint8_t* cells = row(r);
  const uint8_t o1 = cells[k1];
  const uint8_t o2 = cells[k2];
  if (o1 == v1) return Delta1(r, k2, v2);
  if (o2 == v2) return Delta1(r, k1, v1);
  int delta = 0;
  for (size_t j = 0; j < width_; ++j) {
    if (j == k1 || j == k2) continue;
    delta -= count_[table_->Index(k1, o1, j, cells[j])] == 1;
    delta += count_[table_->Index(k1, v1, j, cells[j])] == 0;
    delta -= count_[table_->Index(k2, o2, j, cells[j])] == 1;
    delta += count_[table_->Index(k2, v2, j, cells[j])] == 0;
  }
  delta -= count_[table_->Index(k1, o1, k2, o2)] == 1;
  delta += count_[table_->Index(k1, v1, k2, v2)] == 0;
  return delta;
}

void CoverState::Set(size_t r, size_t k, uint8_t v) {
  uint8_t* cells = rows_.data() + r * width_;
  const uint8_t old = cells[k];
  if (old == v) return;
  for (size_t j = 0; j < width_; ++j) {
    if (j == k) continue;
    Decrement(table_->Index(k, old, j, cells[j]));
    Increment(table_->Index(k, v, j, cells[j]));
  }
  cells[k] = v;
}

bool CoverState::HasRow(const uint8_t* row, size_t except) const {
  const size_t rows = num_rows();
  for (size_t r = 0; r < rows; ++r) {
    if (r != except && std::memcmp(this->row(r), row, width_) == 0) return true;
  }
  return false;
}

namespace {

bool Accept(int delta, double temperature, core::Rng& rng) {
  if (delta >= 0) return true;
  return rng.Uniform() < std::exp(static_cast<double>(delta) / temperature);
}

}  // namespace

void Anneal(CoverState& state, const AnnealParams& params, core::Rng& rng) {
  const size_t n = state.table().num_knobs();
  const size_t rows = state.num_rows();
  const size_t fixed = state.num_fixed();
  if (rows <= fixed || n < 2 || state.uncovered() == 0 || params.iterations == 0) return;

  std::vector<size_t> mutable_knobs;
  for (size_t k = 0; k < n; ++k) {
    if (state.table().levels(k) > 1) mutable_knobs.push_back(k);
  }
  if (mutable_knobs.empty()) return;

  const size_t free_rows = rows - fixed;
  std::vector<uint8_t> best_rows(state.row(fixed), state.row(fixed) + free_rows * n);
  uint64_t best_uncovered = state.uncovered();
  std::vector<uint8_t> scratch(n);

  const double cooling =
      std::pow(params.end_temperature / params.start_temperature,
               1.0 / static_cast<double>(std::max<uint64_t>(params.iterations, 1)));
  double temperature = params.start_temperature;

  for (uint64_t it = 0; it < params.iterations && state.uncovered() > 0; ++it) {
    temperature *= cooling;
    size_t r = fixed + static_cast<size_t>(rng.UniformInt(free_rows));
    size_t k1 = 0, k2 = 0;
    uint8_t v1 = 0, v2 = 0;
    bool two_cells = false;
    int delta = 0;
    if (rng.Uniform() < params.targeted_share) {
      const ValuePair p = state.table().Decode(state.RandomUncovered(rng));
      k1 = p.i;
      v1 = p.a;
      k2 = p.j;
      v2 = p.b;
      two_cells = true;
      if (params.best_row) {
        // Best row for this pair; ties broken uniformly at random.
        int best = std::numeric_limits<int>::min();
        uint64_t ties = 0;
        for (size_t cand = fixed; cand < rows; ++cand) {
          const int d = state.Delta2(cand, k1, v1, k2, v2);
          if (d > best) {
            best = d;
            r = cand;
            ties = 1;
          } else if (d == best && rng.UniformInt(++ties) == 0) {
            r = cand;
          }
        }
        delta = best;
      } else {
        delta = state.Delta2(r, k1, v1, k2, v2);
      }
    } else {
      k1 = mutable_knobs[static_cast<size_t>(rng.UniformInt(mutable_knobs.size()))];
      const uint8_t cur = state.row(r)[k1];
      v1 = static_cast<uint8_t>(rng.UniformInt(state.table().levels(k1) - 1));
      if (v1 >= cur) ++v1;
      delta = state.Delta1(r, k1, v1);
    }
    if (!Accept(delta, temperature, rng)) continue;
    std::memcpy(scratch.data(), state.row(r), n);
    scratch[k1] = v1;
    if (two_cells) scratch[k2] = v2;
    if (std::memcmp(scratch.data(), state.row(r), n) == 0) continue;
    if (state.HasRow(scratch.data(), r)) continue;
    state.Set(r, k1, v1);
    if (two_cells) state.Set(r, k2, v2);
    if (state.uncovered() < best_uncovered) {
      best_uncovered = state.uncovered();
      std::memcpy(best_rows.data(), state.row(fixed), free_rows * n);
    }
  }

  if (state.uncovered() > best_uncovered) {
    for (size_t r = 0; r < free_rows; ++r) {
      for (size_t k = 0; k < n; ++k) state.Set(fixed + r, k, best_rows[r * n + k]);
    }
  }
}

}  // namespace iorec::sampling::detail
