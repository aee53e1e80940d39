/// Pairwise (strength-2, mixed-level) covering sets: greedy fill + simulated annealing.
#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_set>

#include "cover_state.hpp"
#include "iorec/sampling/warm_start.hpp"

namespace iorec::sampling {
namespace {

using detail::AnnealParams;
using detail::CoverState;
using detail::PairTable;
using space::Config;
using space::Space;

/// Random configs and AETG-style constructed configs scored per greedy step when the space is
/// too large to enumerate.
constexpr size_t kRandomCandidates = 48;
constexpr size_t kConstructedCandidates = 24;
constexpr double kStartTemperature = 0.5;
constexpr double kEndTemperature = 0.05;
/// Rows tried for removal at each size before FullPairwiseCover gives up.
constexpr size_t kRemovalAttempts = 3;
/// Algebraic-seed path: restarts (independent rng forks), hill-climbing moves on the OA symbol
/// maps per restart, and annealing moves per restart (cheap random-row moves, see FastParams).
constexpr size_t kSeedRestarts = 2;
/// Climb steps are capped so that steps * (rows built * pairs per row * deletion rounds) stays
/// within kSeedClimbWork (3000 steps for the default space at 45 rows).
constexpr uint64_t kSeedClimbSteps = 3000;
constexpr uint64_t kSeedClimbWork = 80'000'000;
constexpr uint64_t kSeedAnnealMoves = 3'000'000;
/// Annealing moves are also capped at this many per value pair (small spaces need few) and at
/// kAnnealCellBudget / #knobs (a move costs O(knobs)).
constexpr uint64_t kMovesPerPair = 2500;
constexpr uint64_t kAnnealCellBudget = 27'000'000;
/// The seed is only tried when the free rows fill at least this share of the q^2 OA rows:
/// far below that, deletion destroys the structure and the greedy path is as good and faster.
constexpr double kSeedMinFill = 0.75;
/// Annealing moves for the greedy path and for each repair in FullPairwiseCover.
constexpr uint64_t kFastAnnealMoves = 3'000'000;
constexpr uint64_t kRepairMoves = 2'000'000;

/// Cheap moves: 70% write a random uncovered pair into one random free row, 30% change one
/// random cell; cooling 0.5 -> 0.05. Tuned on the default space (docs/warm_start.md).
AnnealParams FastParams(uint64_t moves) {
  AnnealParams p;
  p.iterations = moves;
  p.start_temperature = kStartTemperature;
  p.end_temperature = kEndTemperature;
  p.targeted_share = 0.7;
  p.best_row = false;
  return p;
}

/// Picks the best candidate: most new pairs, then largest min distance to the chosen set,
/// then uniformly at random among exact ties (reservoir sampling).
class BestPicker {
 public:
  /// Returns true if (gain, diversity) could still win; diversity is then offered via Offer.
  bool Competitive(uint32_t gain) const { return !has_ || gain >= gain_; }
  void Offer(size_t index, uint32_t gain, double diversity, core::Rng& rng) {
    if (!has_ || gain > gain_ || (gain == gain_ && diversity > diversity_)) {
      has_ = true;
      gain_ = gain;
      diversity_ = diversity;
      index_ = index;
      ties_ = 1;
    } else if (gain == gain_ && diversity == diversity_) {
      ++ties_;
      if (rng.UniformInt(ties_) == 0) index_ = index;
    }
  }
  bool has() const { return has_; }
  size_t index() const { return index_; }

 private:
  bool has_ = false;
  uint32_t gain_ = 0;
  double diversity_ = 0.0;
  size_t index_ = 0;
  uint64_t ties_ = 0;
};

double MinDistance(const Space& space, const Config& c, const std::vector<Config>& chosen) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& o : chosen) best = std::min(best, space.Distance(c, o));
  return best;
}

/// AETG-style construction: fix a random uncovered pair, then give each remaining knob (in
/// random order) the level covering the most uncovered pairs with the knobs fixed so far.
Config Construct(const Space& space, const CoverState& state, core::Rng& rng) {
  const PairTable& table = state.table();
  const size_t n = space.num_knobs();
  if (state.uncovered() == 0 || n < 2) return space.Random(rng);
  const detail::ValuePair seed = table.Decode(state.RandomUncovered(rng));
  std::vector<uint8_t> cells(n, 0);
  std::vector<size_t> fixed = {seed.i, seed.j};
  cells[seed.i] = seed.a;
  cells[seed.j] = seed.b;
  std::vector<size_t> order;
  for (size_t k = 0; k < n; ++k) {
    if (k != seed.i && k != seed.j) order.push_back(k);
  }
  rng.Shuffle(order);
  for (size_t k : order) {
    uint32_t best_gain = 0;
    uint8_t best_level = 0;
    uint64_t ties = 0;
    for (size_t v = 0; v < table.levels(k); ++v) {
      uint32_t gain = 0;
      for (size_t f : fixed) {
        gain += !state.IsCovered(table.Index(k, static_cast<uint8_t>(v), f, cells[f]));
      }
      if (ties == 0 || gain > best_gain) {
        best_gain = gain;
        best_level = static_cast<uint8_t>(v);
        ties = 1;
      } else if (gain == best_gain && rng.UniformInt(++ties) == 0) {
        best_level = static_cast<uint8_t>(v);
      }
    }
    cells[k] = best_level;
    fixed.push_back(k);
  }
  return Config(std::move(cells));
}

/// Greedy fill state shared by BuildWarmStart and FullPairwiseCover.
class GreedyFill {
 public:
  GreedyFill(const Space& space, const PairTable& table, std::vector<Config> anchors)
      : space_(space), state_(table, anchors.size()), chosen_(std::move(anchors)) {
    for (const auto& c : chosen_) {
      state_.AddRow(c.levels().data());
      chosen_set_.insert(c);
    }
    enumerated_ = space.Size() <= kEnumerateLimit;
    if (enumerated_) {
      pool_ = space.Enumerate(kEnumerateLimit);
      used_.assign(pool_.size(), false);
      min_distance_.assign(pool_.size(), std::numeric_limits<double>::infinity());
      for (size_t p = 0; p < pool_.size(); ++p) {
        if (chosen_set_.count(pool_[p])) used_[p] = true;
        for (const auto& c : chosen_) {
          min_distance_[p] = std::min(min_distance_[p], space.Distance(pool_[p], c));
        }
      }
    }
  }

  bool enumerated() const { return enumerated_; }
  CoverState& state() { return state_; }
  const std::vector<Config>& chosen() const { return chosen_; }

  /// Adds one config; returns false if no unused config is left.
  bool Step(core::Rng& rng) { return enumerated_ ? StepEnumerated(rng) : StepSampled(rng); }

 private:
  void Choose(Config c) {
    state_.AddRow(c.levels().data());
    chosen_set_.insert(c);
    chosen_.push_back(std::move(c));
  }

  bool StepEnumerated(core::Rng& rng) {
    BestPicker picker;
    for (size_t p = 0; p < pool_.size(); ++p) {
      if (used_[p]) continue;
      const uint32_t gain = state_.Gain(pool_[p].levels().data());
      if (picker.Competitive(gain)) picker.Offer(p, gain, min_distance_[p], rng);
    }
    if (!picker.has()) return false;
    const size_t pick = picker.index();
    used_[pick] = true;
    const Config c = pool_[pick];
    for (size_t p = 0; p < pool_.size(); ++p) {
      if (!used_[p]) min_distance_[p] = std::min(min_distance_[p], space_.Distance(pool_[p], c));
    }
    Choose(c);
    return true;
  }

  bool StepSampled(core::Rng& rng) {
    std::vector<Config> candidates;
    // Keep drawing until a config not yet chosen turns up (the space is large, so this ends).
    while (candidates.empty()) {
      for (size_t i = 0; i < kConstructedCandidates; ++i) {
        Config c = Construct(space_, state_, rng);
        if (!chosen_set_.count(c)) candidates.push_back(std::move(c));
      }
      for (size_t i = 0; i < kRandomCandidates; ++i) {
        Config c = space_.Random(rng);
        if (!chosen_set_.count(c)) candidates.push_back(std::move(c));
      }
    }
    std::vector<uint32_t> gains(candidates.size());
    uint32_t best_gain = 0;
    for (size_t i = 0; i < candidates.size(); ++i) {
      gains[i] = state_.Gain(candidates[i].levels().data());
      best_gain = std::max(best_gain, gains[i]);
    }
    BestPicker picker;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (gains[i] != best_gain) continue;
      picker.Offer(i, gains[i], MinDistance(space_, candidates[i], chosen_), rng);
    }
    Choose(std::move(candidates[picker.index()]));
    return true;
  }

  const Space& space_;
  CoverState state_;
  std::vector<Config> chosen_;
  std::unordered_set<Config, space::ConfigHash> chosen_set_;
  bool enumerated_ = false;
  std::vector<Config> pool_;
  std::vector<bool> used_;
  std::vector<double> min_distance_;
};

std::vector<Config> Rows(const CoverState& state) {
  std::vector<Config> out;
  out.reserve(state.num_rows());
  for (size_t r = 0; r < state.num_rows(); ++r) out.push_back(state.RowConfig(r));
  return out;
}

}  // namespace

PairCoverage Coverage(const Space& space, const std::vector<Config>& configs) {
  const PairTable table(space);
  CoverState state(table, 0);
  for (const auto& c : configs) state.AddRow(c.levels().data());
  return PairCoverage{state.covered(), table.num_pairs()};
}

WarmStartResult BuildWarmStart(const Space& space, const Config& baseline, size_t target_size,
                               core::Rng& rng) {
  WarmStartResult result;
  std::vector<Config> anchors = Anchors(space, baseline);
  result.num_anchors = anchors.size();

  if (target_size <= anchors.size()) {
    result.configs = std::move(anchors);
    result.enumerated = space.Size() <= kEnumerateLimit;
    result.coverage = Coverage(space, result.configs);
    return result;
  }
  if (space.Size() <= target_size) {
    // The whole space: anchors first, then every other config in rank order.
    std::unordered_set<Config, space::ConfigHash> seen(anchors.begin(), anchors.end());
    result.configs = std::move(anchors);
    for (auto& c : space.Enumerate(space.Size())) {
      if (!seen.count(c)) result.configs.push_back(std::move(c));
    }
    result.enumerated = true;
    result.coverage = Coverage(space, result.configs);
    return result;
  }

  const PairTable table(space);
  // Candidate 1..kSeedRestarts: algebraic (OA) seed aligned with the anchors, then annealing.
  const uint64_t moves = std::min({kSeedAnnealMoves, kMovesPerPair * table.num_pairs(),
                                   kAnnealCellBudget / std::max<size_t>(space.num_knobs(), 1)});
  const uint64_t pairs_per_row = space.num_knobs() * (space.num_knobs() - 1) / 2;
  const uint64_t q = detail::SeedPrime(table);
  const uint64_t built = q * q + anchors.size();
  const uint64_t climb_work = std::max<uint64_t>(
      1, built * pairs_per_row * (built > target_size ? built - target_size : 1));
  const uint64_t climb_steps = std::min(kSeedClimbSteps, kSeedClimbWork / climb_work);
  std::optional<CoverState> best;
  for (size_t restart = 0; restart < kSeedRestarts; ++restart) {
    core::Rng sub = rng.Fork(restart);
    CoverState seeded(table, anchors.size());
    if (static_cast<double>(target_size - anchors.size()) < kSeedMinFill * q * q ||
        !detail::AlgebraicSeed(table, anchors, target_size, climb_steps, sub, &seeded)) {
      break;
    }
    detail::Anneal(seeded, FastParams(moves), sub);
    if (!best || seeded.uncovered() < best->uncovered()) best = std::move(seeded);
    if (best->uncovered() == 0) break;
  }
  // Last candidate: greedy fill + annealing, when the seed does not apply or the space is small
  // enough to enumerate (there the exhaustive greedy can beat the seed).
  GreedyFill fill(space, table, std::move(anchors));
  result.enumerated = fill.enumerated();
  if (!best || (best->uncovered() > 0 && fill.enumerated())) {
    while (fill.chosen().size() < target_size && fill.Step(rng)) {
    }
    CoverState& state = fill.state();
    // After a seeded candidate this is only a cheap second opinion (it wins on small spaces).
    const uint64_t greedy_moves = std::min(kFastAnnealMoves, moves) / (best ? 4 : 1);
    detail::Anneal(state, FastParams(greedy_moves), rng);
    if (!best || state.uncovered() < best->uncovered()) best = state;
  }

  result.configs = Rows(*best);
  result.coverage = PairCoverage{best->covered(), table.num_pairs()};
  return result;
}

std::vector<Config> FullPairwiseCover(const Space& space, const Config& baseline, core::Rng& rng,
                                      bool with_anchors) {
  const PairTable table(space);
  GreedyFill fill(space, table, with_anchors ? Anchors(space, baseline) : std::vector<Config>{});
  while (fill.state().uncovered() > 0 && fill.Step(rng)) {
  }
  CoverState best = fill.state();
  if (best.uncovered() > 0) return Rows(best);  // cannot happen: the whole space covers all

  const uint64_t lower_bound = std::max<uint64_t>(table.max_block(), best.num_fixed());
  const AnnealParams params = FastParams(kRepairMoves);
  while (best.num_rows() > lower_bound && best.num_rows() > best.num_fixed()) {
    // Rows covering the fewest pairs on their own are the cheapest to drop.
    std::vector<std::pair<uint32_t, size_t>> order;
    for (size_t r = best.num_fixed(); r < best.num_rows(); ++r) {
      order.emplace_back(best.UniquePairs(r), r);
    }
    std::sort(order.begin(), order.end());
    bool shrunk = false;
    for (size_t attempt = 0; attempt < std::min(kRemovalAttempts, order.size()); ++attempt) {
      CoverState trial = best;
      trial.RemoveRow(order[attempt].second);
      detail::Anneal(trial, params, rng);
      if (trial.uncovered() == 0) {
        best = std::move(trial);
        shrunk = true;
        break;
      }
    }
    if (!shrunk) break;
  }
  return Rows(best);
}

}  // namespace iorec::sampling
