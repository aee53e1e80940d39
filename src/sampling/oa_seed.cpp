/// Algebraic seed for the covering-array search: an orthogonal array OA(q^2, q+1, q, 2) over
/// GF(q) whose symbol maps are hill-climbed so that, next to the fixed anchors, the rows kept
/// after greedy deletion cover as many pairs as possible.
#include <algorithm>
#include <numeric>

#include "cover_state.hpp"

namespace iorec::sampling::detail {
namespace {

size_t SmallestPrimeAtLeast(size_t m) {
  for (size_t q = std::max<size_t>(m, 2);; ++q) {
    bool prime = true;
    for (size_t d = 2; d * d <= q; ++d) prime = prime && (q % d != 0);
    if (prime) return q;
  }
}

/// Symbol maps of every knob plus the free columns; `column[k]` is the OA column of knob k
/// (0: a, 1: b, c >= 2: a + (c-1) b), or -1 for a free column with one value per OA row.
struct Labelling {
  std::vector<int> column;
  std::vector<std::vector<uint8_t>> map;   ///< [knob][symbol] -> level
  std::vector<std::vector<uint8_t>> free;  ///< [knob][point] -> level (free columns only)
};

class SeedBuilder {
 public:
  SeedBuilder(const PairTable& table, const std::vector<space::Config>& anchors, size_t q,
              size_t target_rows)
      : table_(table), anchors_(anchors), q_(q), n_(table.num_knobs()), target_(target_rows) {}

  /// Rows of the labelled OA after the anchors, then greedy deletion down to target_.
  CoverState Build(const Labelling& l) const {
    CoverState state(table_, anchors_.size());
    for (const auto& a : anchors_) state.AddRow(a.levels().data());
    std::vector<uint8_t> row(n_);
    for (size_t a = 0; a < q_; ++a) {
      for (size_t b = 0; b < q_; ++b) {
        for (size_t k = 0; k < n_; ++k) {
          const int c = l.column[k];
          if (c < 0) {
            row[k] = l.free[k][a * q_ + b];
            continue;
          }
          const size_t symbol = c == 0 ? a : c == 1 ? b : (a + static_cast<size_t>(c - 1) * b) % q_;
          row[k] = l.map[k][symbol];
        }
        state.AddRow(row.data());
      }
    }
    while (state.num_rows() > target_) {
      // Duplicates first (score -1), then the row covering the fewest pairs alone; first wins.
      size_t victim = state.num_fixed();
      int64_t best = INT64_MAX;
      for (size_t r = state.num_fixed(); r < state.num_rows(); ++r) {
        const int64_t score =
            state.HasRow(state.row(r), r) ? -1 : static_cast<int64_t>(state.UniquePairs(r));
        if (score < best) {
          best = score;
          victim = r;
        }
      }
      state.RemoveRow(victim);
    }
    return state;
  }

 private:
  const PairTable& table_;
  const std::vector<space::Config>& anchors_;
  size_t q_;
  size_t n_;
  size_t target_;
};

bool Surjective(const std::vector<uint8_t>& map, size_t levels) {
  std::vector<bool> seen(levels, false);
  for (uint8_t v : map) seen[v] = true;
  return std::all_of(seen.begin(), seen.end(), [](bool b) { return b; });
}

/// Makes the remaining duplicate rows distinct by re-drawing cells (only possible duplicates:
/// when fewer rows were deleted than there were duplicates).
void Deduplicate(CoverState& state, core::Rng& rng) {
  const size_t n = state.table().num_knobs();
  for (size_t r = state.num_fixed(); r < state.num_rows(); ++r) {
    for (int tries = 0; tries < 10000 && state.HasRow(state.row(r), r); ++tries) {
      const size_t k = static_cast<size_t>(rng.UniformInt(n));
      state.Set(r, k, static_cast<uint8_t>(rng.UniformInt(state.table().levels(k))));
    }
  }
}

}  // namespace

size_t SeedPrime(const PairTable& table) {
  size_t max_levels = 1;
  for (size_t k = 0; k < table.num_knobs(); ++k) max_levels = std::max(max_levels, table.levels(k));
  return SmallestPrimeAtLeast(max_levels);
}

bool AlgebraicSeed(const PairTable& table, const std::vector<space::Config>& anchors,
                   size_t target_rows, uint64_t climb_steps, core::Rng& rng, CoverState* out) {
  const size_t n = table.num_knobs();
  if (n < 2) return false;
  const size_t q = SeedPrime(table);
  if (q > kMaxSeedPrime || target_rows <= anchors.size() || target_rows > q * q + anchors.size()) {
    return false;
  }

  // Knobs with the most levels get the OA columns (a and b first), the rest free columns.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return table.levels(x) > table.levels(y); });
  Labelling l;
  l.column.assign(n, -1);
  l.map.assign(n, std::vector<uint8_t>(q, 0));
  l.free.assign(n, {});
  for (size_t i = 0; i < std::min(n, q + 1); ++i) l.column[order[i]] = static_cast<int>(i);
  std::vector<size_t> free_knobs, mapped_knobs;
  for (size_t k = 0; k < n; ++k) {
    const size_t levels = table.levels(k);
    for (size_t s = 0; s < q; ++s) {
      l.map[k][s] = static_cast<uint8_t>(s < levels ? s : rng.UniformInt(levels));
    }
    if (l.column[k] < 0) {
      l.free[k].resize(q * q);
      for (auto& v : l.free[k]) v = static_cast<uint8_t>(rng.UniformInt(levels));
      if (levels > 1) free_knobs.push_back(k);
    } else if (levels > 1) {
      mapped_knobs.push_back(k);
    }
  }

  const SeedBuilder builder(table, anchors, q, target_rows);
  CoverState best = builder.Build(l);
  if (!mapped_knobs.empty() || !free_knobs.empty()) {
    for (uint64_t step = 0; step < climb_steps && best.uncovered() > 0; ++step) {
      Labelling next = l;
      const uint64_t kind = rng.UniformInt(3);
      if (kind == 0 && !free_knobs.empty()) {
        // Re-draw one free cell.
        const size_t k = free_knobs[static_cast<size_t>(rng.UniformInt(free_knobs.size()))];
        next.free[k][static_cast<size_t>(rng.UniformInt(q * q))] =
            static_cast<uint8_t>(rng.UniformInt(table.levels(k)));
      } else if (!mapped_knobs.empty()) {
        const size_t k = mapped_knobs[static_cast<size_t>(rng.UniformInt(mapped_knobs.size()))];
        const size_t s1 = static_cast<size_t>(rng.UniformInt(q));
        if (kind == 1 || table.levels(k) == q) {
          // Swap the levels of two symbols (keeps the map a surjection).
          std::swap(next.map[k][s1], next.map[k][static_cast<size_t>(rng.UniformInt(q))]);
        } else {
          next.map[k][s1] = static_cast<uint8_t>(rng.UniformInt(table.levels(k)));
          if (!Surjective(next.map[k], table.levels(k))) continue;
        }
      } else {
        continue;
      }
      CoverState trial = builder.Build(next);
      if (trial.uncovered() <= best.uncovered()) {  // accept sideways moves too
        best = std::move(trial);
        l = std::move(next);
      }
    }
  }
  Deduplicate(best, rng);
  *out = std::move(best);
  return true;
}

}  // namespace iorec::sampling::detail
