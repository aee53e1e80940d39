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

std::vector<Pick> SelectBatch(const space::Space& space, const std::vector<space::Config>& pool,
                              const std::vector<double>& mean, const std::vector<double>& stddev,
                              const std::vector<space::Config>& tested, const BatchParams& params,
                              core::Rng& rng) {
  const size_t n = pool.size();
  const size_t want = std::min(params.batch, n);
  std::vector<Pick> picks;
  if (want == 0) return picks;

  // min distance of each candidate to tested + picked, maintained incrementally.
  std::vector<double> min_dist(n, 1.0);
  if (!tested.empty()) {
    for (size_t i = 0; i < n; ++i) {
      double d = std::numeric_limits<double>::infinity();
      for (const auto& t : tested) d = std::min(d, space.Distance(pool[i], t));
      min_dist[i] = d;
    }
  }
  const bool have_reference = !tested.empty();
  std::vector<char> taken(n, 0);
  auto take = [&](size_t i, Role role, double score) {
    taken[i] = 1;
    picks.push_back({i, role, score});
    for (size_t j = 0; j < n; ++j)
      min_dist[j] = std::min(min_dist[j], space.Distance(pool[j], pool[i]));
  };
  auto argmax = [&](auto&& score_of) {
    size_t best = n;
    double best_score = -std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < n; ++i) {
      if (taken[i]) continue;
      const double s = score_of(i);
      if (s > best_score) best = i, best_score = s;
    }
    return std::make_pair(best, best_score);
  };

  // Thompson draws are made once per batch, in candidate order, so they are seed-stable.
  std::vector<double> draw;
  if (params.explore == ExploreMode::kThompson) {
    draw.resize(n);
    for (size_t i = 0; i < n; ++i) draw[i] = rng.Normal(mean[i], stddev[i]);
  }
  auto explore_score = [&](size_t i) {
    const double redundancy = (have_reference || !picks.empty()) ? 1.0 - min_dist[i] : 0.0;
    const double base =
        params.explore == ExploreMode::kUcb ? mean[i] + params.beta * stddev[i] : draw[i];
    return base - params.lambda * redundancy;
  };

  {
    const auto& region = params.exploit_region;
    const bool use_region =
        region.size() == n && std::find(region.begin(), region.end(), 1) != region.end();
    auto [i, s] = argmax([&](size_t j) {
      return (use_region && !region[j]) ? -std::numeric_limits<double>::infinity() : mean[j];
    });
    if (i == n) std::tie(i, s) = argmax([&](size_t j) { return mean[j]; });
    take(i, Role::kExploit, s);
  }
  if (picks.size() < want) {
    auto [i, s] = argmax(explore_score);
    take(i, Role::kExplore, s);
  }
  if (picks.size() < want) {
    double threshold = -std::numeric_limits<double>::infinity();
    if (params.diversify_top_fraction < 1.0) {
      std::vector<double> sorted;
      for (size_t j = 0; j < n; ++j) {
        if (!taken[j]) sorted.push_back(mean[j]);
      }
      const auto keep = static_cast<size_t>(std::ceil(std::max(0.0, params.diversify_top_fraction) *
                                                      static_cast<double>(sorted.size())));
      if (keep > 0 && keep <= sorted.size()) {
        std::nth_element(sorted.begin(), sorted.begin() + (keep - 1), sorted.end(),
                         std::greater<>());
        threshold = sorted[keep - 1];
      }
    }
    auto [i, s] = argmax([&](size_t j) {
      return mean[j] >= threshold ? min_dist[j] : -std::numeric_limits<double>::infinity();
    });
    if (i == n) std::tie(i, s) = argmax([&](size_t j) { return min_dist[j]; });
    take(i, Role::kDiversify, s);
  }
  while (picks.size() < want) {
    auto [i, s] = argmax(explore_score);
    take(i, Role::kFill, s);
  }
  return picks;
}

}  // namespace iorec::acquisition
