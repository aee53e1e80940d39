#include "iorec/deploy/recommender.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace iorec::deploy {

std::vector<float> EncodeRows(const space::Space& space, const std::vector<double>& features,
                              const std::vector<space::Config>& configs) {
  const size_t nf = features.size();
  const size_t width = nf + space.ConfigWidth();
  std::vector<float> x(configs.size() * width);
  for (size_t r = 0; r < configs.size(); ++r) {
    float* row = x.data() + r * width;
    for (size_t j = 0; j < nf; ++j) row[j] = static_cast<float>(features[j]);
    space.EncodeConfig(configs[r], row + nf);
  }
  return x;
}

Recommender::Recommender(const space::Space& space, const space::WorkloadSet& known,
                         const RecommendationMatrix& matrix, const model::Surrogate& model,
                         space::Config baseline, RecommenderParams params)
    : space_(space),
      known_(known),
      matrix_(matrix),
      model_(model),
      baseline_(std::move(baseline)),
      params_(params),
      scale_(known) {
  // Leave-one-out nearest-neighbour distances of the known workloads: a new workload
  // farther than the largest of them (plus a margin) is outside what the study saw.
  double max_nn = 0.0;
  std::vector<double> nns;
  for (size_t a = 0; a < known.workloads.size(); ++a) {
    double nn = INFINITY;
    for (size_t b = 0; b < known.workloads.size(); ++b) {
      if (a != b)
        nn = std::min(nn, Distance(known.workloads[a].features, known.workloads[b].features));
    }
    if (std::isfinite(nn)) {
      max_nn = std::max(max_nn, nn);
      nns.push_back(nn);
    }
  }
  far_threshold_ = max_nn > 0.0 ? 1.25 * max_nn : INFINITY;
  // Much closer than any two known workloads are to each other: the same application
  // (e.g. features re-derived from a new log of a measured job).
  if (!nns.empty()) {
    std::sort(nns.begin(), nns.end());
    same_threshold_ = 0.05 * nns[nns.size() / 2];
  }
  // The model's spread when a config crosses between neighbours: on each known workload's
  // features, for its nearest other workload's best config. A first choice with a spread
  // above the 90th percentile of these is one the model knows unusually little about.
  std::vector<double> spreads;
  for (size_t a = 0; a < known.workloads.size(); ++a) {
    size_t nearest = a;
    double nd = INFINITY;
    for (size_t b = 0; b < known.workloads.size(); ++b) {
      const double d = Distance(known.workloads[a].features, known.workloads[b].features);
      if (b != a && d < nd) nd = d, nearest = b;
    }
    if (nearest == a || nearest >= matrix.top.size() || matrix.top[nearest].empty()) continue;
    const auto& f = known.workloads[a].features;
    const auto x = EncodeRows(space_, f, {matrix.top[nearest].front().config});
    spreads.push_back(model.Predict(x.data(), 1, f.size() + space_.ConfigWidth()).stddev[0]);
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

Recommendation Recommender::Recommend(const std::vector<double>& features) const {
  Recommendation rec;
  const size_t nk = known_.workloads.size();
  std::vector<std::pair<double, size_t>> dist;
  for (size_t i = 0; i < nk; ++i)
    dist.emplace_back(Distance(features, known_.workloads[i].features), i);
  std::stable_sort(dist.begin(), dist.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const size_t k = std::min<size_t>(nk, static_cast<size_t>(std::max(1, params_.knn_neighbors)));
  for (size_t i = 0; i < k; ++i) {
    rec.neighbors.push_back({known_.workloads[dist[i].second].id, dist[i].first});
  }
  rec.exact_match = k > 0 && dist[0].first <= std::max(1e-12, same_threshold_);

  // Merge neighbours' top configs, nearest neighbour first, stable and de-duplicated.
  std::vector<space::Config> merged;
  std::vector<std::string> origin;
  std::unordered_set<space::Config, space::ConfigHash> seen;
  for (size_t i = 0; i < k; ++i) {
    const size_t w = dist[i].second;
    if (w >= matrix_.top.size()) continue;
    for (const auto& e : matrix_.top[w]) {
      if (seen.insert(e.config).second) {
        merged.push_back(e.config);
        origin.push_back("neighbor:" + known_.workloads[w].id);
      }
    }
  }
  if (seen.insert(baseline_).second) {
    merged.push_back(baseline_);
    origin.push_back("baseline");
  }

  const auto x = EncodeRows(space_, features, merged);
  const size_t width = features.size() + space_.ConfigWidth();
  const model::Prediction pred = model_.Predict(x.data(), merged.size(), width);

  // A workload that was measured itself: its own measurements, best robust score first.
  if (rec.exact_match && dist[0].second < matrix_.top.size()) {
    const auto& own = matrix_.top[dist[0].second];
    std::unordered_set<space::Config, space::ConfigHash> used;
    for (const auto& e : own) {
      if (rec.configs.size() >= static_cast<size_t>(params_.return_top_k)) break;
      const auto it = std::find(merged.begin(), merged.end(), e.config);
      const size_t idx = static_cast<size_t>(it - merged.begin());
      rec.configs.push_back(
          {e.config, pred.mean[idx], pred.stddev[idx], e.robust_gain, true, 0.0, "measured"});
      used.insert(e.config);
    }
    std::vector<size_t> by_model(merged.size());
    std::iota(by_model.begin(), by_model.end(), 0);
    std::stable_sort(by_model.begin(), by_model.end(),
                     [&](size_t a, size_t b) { return pred.mean[a] > pred.mean[b]; });
    for (size_t i : by_model) {
      if (rec.configs.size() >= static_cast<size_t>(params_.return_top_k)) break;
      if (used.count(merged[i])) continue;
      rec.configs.push_back({merged[i], pred.mean[i], pred.stddev[i], 0.0, false, 0.0, origin[i]});
    }
    return rec;
  }

  // An unseen workload: the neighbours' measured evidence decides. Each candidate's
  // consensus score is a rank-weighted (1, 1/2, 1/3, ...) mean over the k neighbours of its
  // robust perf as a fraction of that neighbour's best; where a neighbour did not list it,
  // the neighbour's lowest listed fraction stands in (it was not among its best). The
  // baseline's fraction is known at every neighbour.
  const size_t base_idx =
      static_cast<size_t>(std::find(merged.begin(), merged.end(), baseline_) - merged.begin());
  std::vector<double> consensus(merged.size(), 0.0);
  std::vector<int> listed(merged.size(), 0), beats_base(merged.size(), 1);
  double weight_sum = 0.0;
  for (size_t i = 0; i < k; ++i) {
    const size_t w = dist[i].second;
    if (w >= matrix_.top.size() || matrix_.top[w].empty()) continue;
    const auto& top = matrix_.top[w];
    auto robust_perf = [](const MatrixEntry& e) {
      return e.mean_perf - (e.mean_gain - e.robust_gain);
    };
    const double base_perf = top.front().mean_perf - top.front().mean_gain;
    const double best = robust_perf(top.front());
    // Fraction of the best: perf / best for throughputs; for `objective: minimize` perf is
    // the negated metric, so best / perf (= best time / time). Mixed signs: no fraction.
    auto fraction = [best](double perf) {
      if (best > 0.0 && perf > 0.0) return perf / best;
      if (best < 0.0 && perf < 0.0) return best / perf;
      return std::numeric_limits<double>::quiet_NaN();
    };
    std::unordered_map<space::Config, double, space::ConfigHash> frac;
    double lowest = 1.0;
    bool usable = std::isfinite(fraction(base_perf));
    for (const auto& e : top) {
      const double q = fraction(robust_perf(e));
      usable = usable && std::isfinite(q);
      frac[e.config] = q;
      lowest = std::min(lowest, q);
    }
    if (!usable) continue;
    frac.emplace(baseline_, fraction(base_perf));
    const double weight = 1.0 / static_cast<double>(i + 1);
    weight_sum += weight;
    for (size_t c = 0; c < merged.size(); ++c) {
      const auto it = frac.find(merged[c]);
      consensus[c] += weight * (it != frac.end() ? it->second : lowest);
      if (it != frac.end() && c != base_idx) {
        ++listed[c];
        if (it->second <= frac.at(baseline_)) beats_base[c] = 0;
      }
    }
  }
  if (weight_sum > 0.0) {
    for (double& v : consensus) v /= weight_sum;
  }
  std::vector<size_t> order(merged.size());
  std::iota(order.begin(), order.end(), 0);
  // Near-ties (the same consensus to 0.1% of the best) go to the model's mean. Rounding
  // to a grid, rather than comparing differences, keeps the order a strict weak order.
  std::vector<long long> bucket(merged.size());
  for (size_t i = 0; i < merged.size(); ++i) bucket[i] = std::llround(consensus[i] * 1000.0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (bucket[a] != bucket[b]) return bucket[a] > bucket[b];
    return pred.mean[a] > pred.mean[b];
  });
  // Top-1 must beat the baseline wherever it was measured, and on the consensus.
  size_t first = base_idx;
  for (size_t i : order) {
    if (i == base_idx) break;
    if (listed[i] > 0 && beats_base[i] && consensus[i] > consensus[base_idx]) {
      first = i;
      break;
    }
  }
  if (first == base_idx) {
    rec.warnings.push_back(
        "no neighbour config beats the baseline on the neighbours' measurements; the baseline "
        "is recommended first");
  }
  const bool far = k > 0 && dist[0].first > far_threshold_;
  if (far) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "nearest known workload is far (distance %.3f > %.3f, calibrated by "
                  "leave-one-out on the known workloads); the baseline is kept among the choices",
                  dist[0].first, far_threshold_);
    rec.warnings.push_back(buf);
  }
  const bool uncertain = first != base_idx && pred.stddev[first] > spread_threshold_;
  if (uncertain) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "the model's spread for the first choice is high (%.3g > %.3g, the 90th "
                  "percentile when configs move between known neighbours); the baseline is "
                  "kept among the choices",
                  pred.stddev[first], spread_threshold_);
    rec.warnings.push_back(buf);
  }
  const size_t want = static_cast<size_t>(std::max(1, params_.return_top_k));
  auto push = [&](size_t i) {
    rec.configs.push_back(
        {merged[i], pred.mean[i], pred.stddev[i], 0.0, false, consensus[i], origin[i]});
  };
  push(first);
  for (size_t i : order) {
    if (rec.configs.size() >= want) break;
    if (i != first) push(i);
  }
  const bool has_baseline =
      std::any_of(rec.configs.begin(), rec.configs.end(),
                  [&](const RecommendedConfig& c) { return c.config == baseline_; });
  if ((far || uncertain) && !has_baseline) {
    rec.configs.back() = {
        baseline_,           pred.mean[base_idx], pred.stddev[base_idx], 0.0, false,
        consensus[base_idx], "baseline"};
  }
  return rec;
}
}  // namespace iorec::deploy
