#include "iorec/deploy/recommender.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace iorec::deploy {

struct Recommender::Candidates {
  std::vector<space::Config> configs;
  std::vector<std::string> origin;  ///< "neighbor:<id>" or "baseline"
  size_t baseline = 0;              ///< index of the baseline config
  model::Prediction pred;           ///< the model's view of each, on the queried workload
};

namespace {

using ConfigSet = std::unordered_set<space::Config, space::ConfigHash>;

/// The neighbours' consensus on each candidate (Recommend's doc explains the rule).
struct Consensus {
  std::vector<double> score;
  std::vector<int> listed;      ///< neighbours that listed the candidate
  std::vector<int> beats_base;  ///< 0 when some neighbour measured it at or below the baseline
};

/// A neighbour's listed configs as fractions of its best robust perf, the baseline included.
/// Empty when the neighbour has no baseline or no listed config.
std::unordered_map<space::Config, double, space::ConfigHash> Fractions(
    const RecommendationMatrix& m, size_t w, const space::Config& baseline, double* lowest) {
  std::unordered_map<space::Config, double, space::ConfigHash> frac;
  if (w >= m.size() || m.top[w].empty() || !m.has_baseline[w]) return frac;
  const double best = m.top[w].front().robust_perf.value;
  *lowest = 1.0;
  for (const auto& e : m.top[w]) {
    const double q = e.robust_perf.value / best;
    frac[e.config] = q;
    *lowest = std::min(*lowest, q);
  }
  frac.emplace(baseline, m.baseline[w].value / best);
  return frac;
}

Consensus ScoreConsensus(const RecommendationMatrix& m,
                         const std::vector<std::pair<double, size_t>>& nearest,
                         const std::vector<space::Config>& configs, size_t base_idx) {
  Consensus c;
  c.score.assign(configs.size(), 0.0);
  c.listed.assign(configs.size(), 0);
  c.beats_base.assign(configs.size(), 1);
  double weight_sum = 0.0;
  for (size_t i = 0; i < nearest.size(); ++i) {
    double lowest = 1.0;
    const auto frac = Fractions(m, nearest[i].second, configs[base_idx], &lowest);
    if (frac.empty()) continue;
    const double weight = 1.0 / static_cast<double>(i + 1);
    weight_sum += weight;
    const double base_frac = frac.at(configs[base_idx]);
    for (size_t k = 0; k < configs.size(); ++k) {
      const auto it = frac.find(configs[k]);
      c.score[k] += weight * (it != frac.end() ? it->second : lowest);
      if (it != frac.end() && k != base_idx) {
        ++c.listed[k];
        if (it->second <= base_frac) c.beats_base[k] = 0;
      }
    }
  }
  if (weight_sum > 0.0) {
    for (double& v : c.score) v /= weight_sum;
  }
  return c;
}

/// Candidates by consensus; near-ties (the same consensus to 0.1% of the best) go to the
/// model's mean. Rounding to a grid, rather than comparing differences, keeps the order a
/// strict weak order.
std::vector<size_t> OrderByConsensus(const Consensus& c, const model::Prediction& pred) {
  std::vector<size_t> order(c.score.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<long long> bucket(c.score.size());
  for (size_t i = 0; i < c.score.size(); ++i) bucket[i] = std::llround(c.score[i] * 1000.0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (bucket[a] != bucket[b]) return bucket[a] > bucket[b];
    return pred.mean[a] > pred.mean[b];
  });
  return order;
}

/// Top-1 must beat the baseline wherever it was measured, and on the consensus.
size_t ChooseFirst(const std::vector<size_t>& order, const Consensus& c, size_t base_idx) {
  for (size_t i : order) {
    if (i == base_idx) break;
    if (c.listed[i] > 0 && c.beats_base[i] && c.score[i] > c.score[base_idx]) return i;
  }
  return base_idx;
}

}  // namespace

Recommender::Recommender(const space::Space& space, const space::WorkloadSet& known,
                         const RecommendationMatrix& matrix, const model::RowModel& model,
                         space::Config baseline, RecommenderParams params)
    : space_(space),
      known_(known),
      matrix_(matrix),
      model_(model),
      baseline_(std::move(baseline)),
      params_(params),
      scale_(known) {
  Calibrate();
}

void Recommender::Calibrate() {
  count_feature_.assign(known_.feature_names.size(), false);
  for (const auto& w : known_.workloads) {
    for (size_t j = 0; j < count_feature_.size() && j < w.features.size(); ++j)
      count_feature_[j] = count_feature_[j] || w.features[j] > 1.0;
  }
  // Leave-one-out nearest-neighbour distances of the known workloads: a new workload
  // farther than the largest of them (plus a margin) is outside what the study saw.
  const auto& ws = known_.workloads;
  double max_nn = 0.0;
  std::vector<double> nns;
  // The model's spread when a config crosses between neighbours: on each known workload's
  // features, for its nearest other workload's best config. A first choice with a spread
  // above the 90th percentile of these is one the model knows unusually little about.
  std::vector<double> spreads;
  for (size_t a = 0; a < ws.size(); ++a) {
    double nn = INFINITY;
    size_t nearest = a;
    for (size_t b = 0; b < ws.size(); ++b) {
      const double d = Distance(ws[a].features, ws[b].features);
      if (b != a && d < nn) nn = d, nearest = b;
    }
    if (std::isfinite(nn)) {
      max_nn = std::max(max_nn, nn);
      nns.push_back(nn);
    }
    if (nearest == a || nearest >= matrix_.size() || matrix_.top[nearest].empty()) continue;
    const auto p = model::PredictConfigs(model_, space_, ws[a].features,
                                         {matrix_.top[nearest].front().config});
    spreads.push_back(p.stddev[0]);
  }
  far_threshold_ = max_nn > 0.0 ? 1.25 * max_nn : INFINITY;
  // Much closer than any two known workloads are to each other: the same application
  // (e.g. features re-derived from a new log of a measured job).
  if (!nns.empty()) {
    std::sort(nns.begin(), nns.end());
    same_threshold_ = 0.05 * nns[nns.size() / 2];
  }
  spread_threshold_ = INFINITY;
  if (!spreads.empty()) {
    std::sort(spreads.begin(), spreads.end());
    spread_threshold_ = spreads[std::min(spreads.size() - 1, spreads.size() * 9 / 10)];
  }
}

FeatureScale::FeatureScale(const space::WorkloadSet& reference) {
  const size_t nf = reference.feature_names.size();
  inv_span_.assign(nf, 1.0);
  for (size_t j = 0; j < nf; ++j) {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& w : reference.workloads)
      lo = std::min(lo, w.features[j]), hi = std::max(hi, w.features[j]);
    if (hi > lo) inv_span_[j] = 1.0 / (hi - lo);
  }
}

bool Recommender::SameScale(const std::vector<double>& a, const std::vector<double>& b) const {
  for (size_t j = 0; j < count_feature_.size(); ++j) {
    if (count_feature_[j] && a[j] != b[j]) return false;
  }
  return true;
}

double Recommender::Distance(const std::vector<double>& a, const std::vector<double>& b) const {
  return scale_.Distance(a, b);
}

double FeatureScale::Distance(const std::vector<double>& a, const std::vector<double>& b) const {
  double s = 0.0;
  for (size_t j = 0; j < a.size(); ++j) {
    const double d = (a[j] - b[j]) * inv_span_[j];
    s += d * d;
  }
  return std::sqrt(s);
}

std::vector<std::pair<double, size_t>> Recommender::Nearest(
    const std::vector<double>& features) const {
  std::vector<std::pair<double, size_t>> dist;
  for (size_t i = 0; i < known_.workloads.size(); ++i)
    dist.emplace_back(Distance(features, known_.workloads[i].features), i);
  std::stable_sort(dist.begin(), dist.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const size_t k = std::min(dist.size(), static_cast<size_t>(std::max(1, params_.knn_neighbors)));
  dist.resize(k);
  return dist;
}

Recommender::Candidates Recommender::Merge(
    const std::vector<std::pair<double, size_t>>& nearest) const {
  Candidates c;
  ConfigSet seen;
  for (const auto& [d, w] : nearest) {
    if (w >= matrix_.size()) continue;
    for (const auto& e : matrix_.top[w]) {
      if (seen.insert(e.config).second) {
        c.configs.push_back(e.config);
        c.origin.push_back("neighbor:" + known_.workloads[w].id);
      }
    }
  }
  if (seen.insert(baseline_).second) {
    c.configs.push_back(baseline_);
    c.origin.push_back("baseline");
  }
  c.baseline = static_cast<size_t>(std::find(c.configs.begin(), c.configs.end(), baseline_) -
                                   c.configs.begin());
  return c;
}

Recommendation Recommender::Recommend(const std::vector<double>& features) const {
  Recommendation rec;
  const auto nearest = Nearest(features);
  for (const auto& [d, w] : nearest) rec.neighbors.push_back({known_.workloads[w].id, d});
  rec.nearest_same_scale =
      !nearest.empty() && SameScale(features, known_.workloads[nearest[0].second].features);
  rec.exact_match = rec.nearest_same_scale && nearest[0].first <= std::max(1e-12, same_threshold_);
  Candidates cand = Merge(nearest);
  cand.pred = model::PredictConfigs(model_, space_, features, cand.configs);
  if (rec.exact_match && nearest[0].second < matrix_.size()) {
    FillMeasured(nearest[0].second, cand, rec);
  } else {
    FillUnseen(nearest, cand, rec);
  }
  return rec;
}

void Recommender::FillMeasured(size_t own, const Candidates& cand, Recommendation& rec) const {
  const size_t want = static_cast<size_t>(params_.return_top_k);
  ConfigSet used;
  for (const auto& e : matrix_.top[own]) {
    if (rec.configs.size() >= want) break;
    const auto it = std::find(cand.configs.begin(), cand.configs.end(), e.config);
    const size_t i = static_cast<size_t>(it - cand.configs.begin());
    rec.configs.push_back({e.config, cand.pred.mean[i], cand.pred.stddev[i], true,
                           matrix_.RobustGain(own, e), 0.0, "measured"});
    used.insert(e.config);
  }
  std::vector<size_t> by_model(cand.configs.size());
  std::iota(by_model.begin(), by_model.end(), 0);
  std::stable_sort(by_model.begin(), by_model.end(),
                   [&](size_t a, size_t b) { return cand.pred.mean[a] > cand.pred.mean[b]; });
  for (size_t i : by_model) {
    if (rec.configs.size() >= want) break;
    if (used.count(cand.configs[i])) continue;
    rec.configs.push_back(
        {cand.configs[i], cand.pred.mean[i], cand.pred.stddev[i], false, {}, 0.0, cand.origin[i]});
  }
}

void Recommender::FillUnseen(const std::vector<std::pair<double, size_t>>& nearest,
                             const Candidates& cand, Recommendation& rec) const {
  const size_t base = cand.baseline;
  const Consensus cons = ScoreConsensus(matrix_, nearest, cand.configs, base);
  const std::vector<size_t> order = OrderByConsensus(cons, cand.pred);
  const size_t first = ChooseFirst(order, cons, base);
  if (first == base) {
    rec.warnings.push_back(
        "no neighbour config beats the baseline on the neighbours' measurements; the baseline "
        "is recommended first");
  }
  const bool far = !nearest.empty() && nearest[0].first > far_threshold_;
  rec.far = far;
  if (far) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "nearest known workload is far (distance %.3f > %.3f, calibrated by "
                  "leave-one-out on the known workloads); the baseline is kept among the choices",
                  nearest[0].first, far_threshold_);
    rec.warnings.push_back(buf);
  }
  const bool uncertain = first != base && cand.pred.stddev[first] > spread_threshold_;
  if (uncertain) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "the model's spread for the first choice is high (%.3g > %.3g, the 90th "
                  "percentile when configs move between known neighbours); the baseline is "
                  "kept among the choices",
                  cand.pred.stddev[first], spread_threshold_);
    rec.warnings.push_back(buf);
  }
  auto entry = [&](size_t i) {
    return RecommendedConfig{cand.configs[i], cand.pred.mean[i], cand.pred.stddev[i], false, {},
                             cons.score[i],   cand.origin[i]};
  };
  const size_t want = static_cast<size_t>(std::max(1, params_.return_top_k));
  rec.configs.push_back(entry(first));
  for (size_t i : order) {
    if (rec.configs.size() >= want) break;
    if (i != first) rec.configs.push_back(entry(i));
  }
  const bool has_baseline =
      std::any_of(rec.configs.begin(), rec.configs.end(),
                  [&](const RecommendedConfig& c) { return c.config == baseline_; });
  if ((far || uncertain) && !has_baseline) rec.configs.back() = entry(base);
}

}  // namespace iorec::deploy
