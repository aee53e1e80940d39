#include "iorec/deploy/recommender.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
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

  std::vector<size_t> order(merged.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return pred.mean[a] > pred.mean[b]; });

  // A workload that was measured itself: its own measurements, best robust score first.
  if (rec.exact_match && dist[0].second < matrix_.top.size()) {
    const auto& own = matrix_.top[dist[0].second];
    std::unordered_set<space::Config, space::ConfigHash> used;
    for (const auto& e : own) {
      if (rec.configs.size() >= static_cast<size_t>(params_.return_top_k)) break;
      const auto it = std::find(merged.begin(), merged.end(), e.config);
      const size_t idx = static_cast<size_t>(it - merged.begin());
      rec.configs.push_back(
          {e.config, pred.mean[idx], pred.stddev[idx], e.robust_gain, true, "measured"});
      used.insert(e.config);
    }
    for (size_t i : order) {
      if (rec.configs.size() >= static_cast<size_t>(params_.return_top_k)) break;
      if (used.count(merged[i])) continue;
      rec.configs.push_back({merged[i], pred.mean[i], pred.stddev[i], 0.0, false, origin[i]});
    }
    return rec;
  }

  // An unseen workload. Top-1 must be a config the model is confident beats the baseline:
  // its lower bound (mean - std) must reach the baseline's predicted mean; otherwise the
  // baseline itself is the safe top-1.
  const size_t base_idx =
      static_cast<size_t>(std::find(merged.begin(), merged.end(), baseline_) - merged.begin());
  const double base_mean = pred.mean[base_idx];
  size_t first = base_idx;
  for (size_t i : order) {
    if (i != base_idx && pred.mean[i] - pred.stddev[i] >= base_mean) {
      first = i;
      break;
    }
  }
  if (first == base_idx) {
    rec.warnings.push_back(
        "no candidate is predicted to beat the baseline with confidence; the baseline is "
        "recommended first");
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
  const size_t want = static_cast<size_t>(std::max(1, params_.return_top_k));
  auto push = [&](size_t i) {
    rec.configs.push_back({merged[i], pred.mean[i], pred.stddev[i], 0.0, false, origin[i]});
  };
  push(first);
  // The nearest workload's best measured config, verbatim: a measured choice next to the
  // model's picks.
  size_t copy = merged.size();
  if (k > 0 && dist[0].second < matrix_.top.size() && !matrix_.top[dist[0].second].empty()) {
    const auto& nearest_best = matrix_.top[dist[0].second].front().config;
    copy =
        static_cast<size_t>(std::find(merged.begin(), merged.end(), nearest_best) - merged.begin());
    if (copy != first && rec.configs.size() < want) push(copy);
  }
  for (size_t i : order) {
    if (rec.configs.size() >= want) break;
    if (i != first && i != copy) push(i);
  }
  const bool has_baseline =
      std::any_of(rec.configs.begin(), rec.configs.end(),
                  [&](const RecommendedConfig& c) { return c.config == baseline_; });
  if (far && !has_baseline)
    rec.configs.back() = {baseline_, base_mean, pred.stddev[base_idx], 0.0, false, "baseline"};
  return rec;
}
}  // namespace iorec::deploy
