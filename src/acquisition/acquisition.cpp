#include "iorec/acquisition/acquisition.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <tuple>

namespace iorec::acquisition {

const char* ToString(PoolMode m) { return m == PoolMode::kEnumerated ? "enumerated" : "mutation"; }

const char* ToString(Role r) {
  switch (r) {
    case Role::kExploit:
      return "exploit";
    case Role::kExplore:
      return "explore";
    case Role::kDiversify:
      return "diversify";
    case Role::kFill:
      return "fill";
  }
  return "unknown";
}

CandidatePool BuildCandidatePool(const space::Space& space, const ConfigSet& tested,
                                 const std::vector<space::Config>& parents,
                                 const PoolParams& params, core::Rng& rng,
                                 const std::vector<space::Config>& seeds) {
  CandidatePool pool;
  if (space.Size() <= params.enum_threshold_hard) {
    pool.mode = PoolMode::kEnumerated;
    for (uint64_t r = 0; r < space.Size(); ++r) {
      space::Config c = space.Unrank(r);
      if (!tested.count(c)) pool.configs.push_back(std::move(c));
    }
    return pool;
  }
  pool.mode = PoolMode::kMutation;
  ConfigSet seen;
  auto add = [&](space::Config c) {
    if (pool.configs.size() >= params.max_pool) return;
    if (tested.count(c) || !seen.insert(c).second) return;
    pool.configs.push_back(std::move(c));
  };
  for (const auto& c : seeds) add(c);
  const size_t n = space.num_knobs();
  const size_t np = std::min(parents.size(), params.num_parents);
  // Every single-knob move of each parent.
  for (size_t p = 0; p < np; ++p) {
    for (size_t k = 0; k < n; ++k) {
      for (size_t l = 0; l < space.levels(k); ++l) {
        if (l == parents[p][k]) continue;
        space::Config c = parents[p];
        c.set_level(core::KnobIndex(k), core::LevelIndex(l));
        add(std::move(c));
      }
    }
  }
  // Two-knob moves, sampled, for up to half of the pool.
  const size_t two_knob_budget = params.max_pool / 2;
  for (size_t t = 0;
       np > 0 && n >= 2 && pool.configs.size() < two_knob_budget && t < 4 * two_knob_budget; ++t) {
    space::Config c = parents[t % np];
    const size_t a = rng.UniformInt(n);
    size_t b = rng.UniformInt(n - 1);
    if (b >= a) ++b;
    c.set_level(core::KnobIndex(a), core::LevelIndex(rng.UniformInt(space.levels(a))));
    c.set_level(core::KnobIndex(b), core::LevelIndex(rng.UniformInt(space.levels(b))));
    add(std::move(c));
  }
  // Random configs fill the rest.
  const uint64_t untested = space.Size() - std::min<uint64_t>(space.Size(), tested.size());
  const size_t target = static_cast<size_t>(std::min<uint64_t>(params.max_pool, untested));
  for (size_t t = 0; pool.configs.size() < target && t < 20 * params.max_pool; ++t) {
    add(space.Random(rng));
  }
  return pool;
}

std::vector<space::Config> ModelAscent(const space::Space& space,
                                       const std::vector<space::Config>& starts,
                                       const ConfigSet& tested, const BatchScorer& score,
                                       int max_steps) {
  std::vector<std::pair<double, space::Config>> optima;
  ConfigSet seen;
  const size_t n = space.num_knobs();
  for (const auto& start : starts) {
    space::Config cur = start;
    double cur_score = score({cur}).front();
    for (int step = 0; step < max_steps; ++step) {
      std::vector<space::Config> moves;
      for (size_t k = 0; k < n; ++k) {
        for (size_t l = 0; l < space.levels(k); ++l) {
          if (l == cur[k]) continue;
          space::Config c = cur;
          c.set_level(core::KnobIndex(static_cast<uint32_t>(k)),
                      core::LevelIndex(static_cast<uint32_t>(l)));
          moves.push_back(std::move(c));
        }
      }
      if (moves.empty()) break;
      const auto s = score(moves);
      const size_t best = static_cast<size_t>(std::max_element(s.begin(), s.end()) - s.begin());
      if (!(s[best] > cur_score)) break;
      cur = moves[best];
      cur_score = s[best];
    }
    if (!tested.count(cur) && seen.insert(cur).second) optima.emplace_back(cur_score, cur);
  }
  std::stable_sort(optima.begin(), optima.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<space::Config> out;
  for (auto& o : optima) out.push_back(std::move(o.second));
  return out;
}

double Redundancy(const space::Space& space, const space::Config& c,
                  const std::vector<space::Config>& others) {
  if (others.empty()) return 0.0;
  double best = std::numeric_limits<double>::infinity();
  for (const auto& o : others) best = std::min(best, space.Distance(c, o));
  return 1.0 - best;
}

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// The batch under construction: what is taken, and each candidate's distance to the nearest
/// tested or taken config, kept up to date as configs are taken.
class BatchBuilder {
 public:
  BatchBuilder(const space::Space& space, const std::vector<space::Config>& pool,
               const std::vector<space::Config>& tested)
      : space_(space),
        pool_(pool),
        min_dist_(pool.size(), 1.0),
        taken_(pool.size(), 0),
        have_reference_(!tested.empty()) {
    for (size_t i = 0; have_reference_ && i < pool_.size(); ++i) {
      double d = std::numeric_limits<double>::infinity();
      for (const auto& t : tested) d = std::min(d, space_.Distance(pool_[i], t));
      min_dist_[i] = d;
    }
  }

  size_t size() const { return pool_.size(); }
  double min_dist(size_t i) const { return min_dist_[i]; }
  /// 1 - distance to the nearest tested or taken config; 0 while there is neither.
  double Redundancy(size_t i) const {
    return (have_reference_ || !picks_.empty()) ? 1.0 - min_dist_[i] : 0.0;
  }

  void Take(size_t i, Role role, double score) {
    taken_[i] = 1;
    picks_.push_back({i, role, score});
    for (size_t j = 0; j < pool_.size(); ++j)
      min_dist_[j] = std::min(min_dist_[j], space_.Distance(pool_[j], pool_[i]));
  }

  /// The untaken candidate with the highest score (the first on ties); size() when none
  /// scores above -infinity.
  template <typename ScoreOf>
  std::pair<size_t, double> Argmax(ScoreOf&& score_of) const {
    size_t best = pool_.size();
    double best_score = kNegInf;
    for (size_t i = 0; i < pool_.size(); ++i) {
      if (taken_[i]) continue;
      const double s = score_of(i);
      if (s > best_score) best = i, best_score = s;
    }
    return {best, best_score};
  }

  /// The `fraction` quantile from the top of the untaken candidates' means; -infinity when
  /// the fraction keeps them all.
  double TopMeanThreshold(const std::vector<double>& mean, double fraction) const {
    if (fraction >= 1.0) return kNegInf;
    std::vector<double> sorted;
    for (size_t j = 0; j < pool_.size(); ++j) {
      if (!taken_[j]) sorted.push_back(mean[j]);
    }
    const auto keep = static_cast<size_t>(
        std::ceil(std::max(0.0, fraction) * static_cast<double>(sorted.size())));
    if (keep == 0 || keep > sorted.size()) return kNegInf;
    std::nth_element(sorted.begin(), sorted.begin() + (keep - 1), sorted.end(), std::greater<>());
    return sorted[keep - 1];
  }

  const std::vector<Pick>& picks() const { return picks_; }

 private:
  const space::Space& space_;
  const std::vector<space::Config>& pool_;
  std::vector<double> min_dist_;
  std::vector<char> taken_;
  bool have_reference_;
  std::vector<Pick> picks_;
};

/// The best predicted mean, inside the exploit region when one is given and not empty.
void TakeExploit(BatchBuilder& b, const std::vector<double>& mean,
                 const std::vector<char>& region) {
  const bool use_region =
      region.size() == b.size() && std::find(region.begin(), region.end(), 1) != region.end();
  auto [i, s] = b.Argmax([&](size_t j) { return (use_region && !region[j]) ? kNegInf : mean[j]; });
  if (i == b.size()) std::tie(i, s) = b.Argmax([&](size_t j) { return mean[j]; });
  b.Take(i, Role::kExploit, s);
}

/// The farthest from everything tested or taken among the top means.
void TakeDiversify(BatchBuilder& b, const std::vector<double>& mean, double top_fraction) {
  const double threshold = b.TopMeanThreshold(mean, top_fraction);
  auto [i, s] = b.Argmax([&](size_t j) { return mean[j] >= threshold ? b.min_dist(j) : kNegInf; });
  if (i == b.size()) std::tie(i, s) = b.Argmax([&](size_t j) { return b.min_dist(j); });
  b.Take(i, Role::kDiversify, s);
}

}  // namespace

std::vector<Pick> SelectBatch(const space::Space& space, const std::vector<space::Config>& pool,
                              const std::vector<double>& mean, const std::vector<double>& stddev,
                              const std::vector<space::Config>& tested, const BatchParams& params,
                              core::Rng& rng) {
  const size_t want = std::min(params.batch, pool.size());
  if (want == 0) return {};
  BatchBuilder b(space, pool, tested);
  // Thompson draws are made once per batch, in candidate order, so they are seed-stable.
  std::vector<double> draw;
  if (params.explore == ExploreMode::kThompson) {
    draw.resize(pool.size());
    for (size_t i = 0; i < pool.size(); ++i) draw[i] = rng.Normal(mean[i], stddev[i]);
  }
  auto explore_score = [&](size_t i) {
    const double base =
        params.explore == ExploreMode::kUcb ? mean[i] + params.beta * stddev[i] : draw[i];
    return base - params.lambda * b.Redundancy(i);
  };
  TakeExploit(b, mean, params.exploit_region);
  if (b.picks().size() < want) {
    const auto [i, s] = b.Argmax(explore_score);
    b.Take(i, Role::kExplore, s);
  }
  if (b.picks().size() < want) TakeDiversify(b, mean, params.diversify_top_fraction);
  while (b.picks().size() < want) {
    const auto [i, s] = b.Argmax(explore_score);
    b.Take(i, Role::kFill, s);
  }
  return b.picks();
}

}  // namespace iorec::acquisition
