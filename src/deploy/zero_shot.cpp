#include "iorec/deploy/zero_shot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "iorec/core/error.hpp"
#include "iorec/model/gp_math.hpp"
#include "iorec/model/local_gp.hpp"

namespace iorec::deploy {
namespace {

constexpr size_t kMinSharedConfigs = 5;     // configs two workloads both measured, per pair
constexpr size_t kVarianceCandidates = 64;  // posterior variances for the best means only
constexpr double kMinLogLength = -3.912023005428146;  // log 0.02
constexpr double kMaxLogLength = 3.912023005428146;   // log 50
constexpr double kMinLogVar = -13.815510557964274;    // log 1e-6
constexpr double kMaxLogVar = 4.605170185988092;      // log 100

using ConfigGains = std::unordered_map<space::Config, double, space::ConfigHash>;

/// Each measured config's log gain (of its mean perf) on a workload with a baseline.
ConfigGains GainsOf(const state::WorkloadRecord& rec) {
  ConfigGains out;
  for (const auto& c : rec.configs) {
    if (c.measured()) out[c.config] = rec.LogGainOf(c.Mean()).value;
  }
  return out;
}

}  // namespace

ZeroShot::ZeroShot(const state::StudyState& state, ZeroShotParams params, core::Rng& rng)
    : state_(state), params_(params) {
  const auto& ws = state.workload_set();
  for (size_t w = 0; w < state.num_workloads(); ++w) {
    const auto& rec = state.record(w);
    if (rec.has_baseline() && rec.has_runs()) known_.push_back(w);
  }
  if (known_.size() < 2) {
    throw core::InputError("zero-shot recommendations need at least two measured workloads, got " +
                           std::to_string(known_.size()));
  }
  const size_t nf = ws.feature_names.size();
  log_feature_.assign(nf, false);
  log_span_.assign(nf, 1.0);
  for (size_t j = 0; j < nf; ++j) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t w : known_) {
      const double v = ws.workloads[w].features[j];
      lo = std::min(lo, v), hi = std::max(hi, v);
      log_feature_[j] = log_feature_[j] || v > 1.0;
    }
    if (log_feature_[j]) {
      log_span_[j] = std::max(1.0, std::log2(std::max(1.0, hi)) - std::log2(std::max(1.0, lo)));
    }
  }
  for (size_t w : known_) tf_.push_back(Transform(ws.workloads[w].features));
  for (size_t i = 0; i < known_.size(); ++i) measured_.push_back(GainsOf(state.record(known_[i])));
  std::unordered_set<space::Config, space::ConfigHash> seen;
  for (size_t i = 0; i < known_.size(); ++i) {
    for (const auto& c : state.record(known_[i]).configs) {
      if (!c.measured()) continue;
      rows_.push_back({i, c.config, measured_[i].at(c.config)});
      if (seen.insert(c.config).second) candidates_.push_back(c.config);
    }
  }
  if (seen.insert(state.baseline_config()).second) candidates_.push_back(state.baseline_config());
  CapRows();
  LearnWeights();
  FitConfigLengthscales();
  FitKernel(rng);
  Condition();
}

// The GP costs O(rows^3) time and O(rows^2) memory: above max_rows, each workload keeps its
// share of rows, evenly spaced over its configs ordered by gain (its best always kept).
void ZeroShot::CapRows() {
  if (rows_.size() <= params_.max_rows) return;
  std::vector<std::vector<Row>> per(known_.size());
  for (auto& r : rows_) per[r.workload].push_back(std::move(r));
  const double share = static_cast<double>(params_.max_rows) / static_cast<double>(rows_.size());
  rows_.clear();
  for (auto& rows : per) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.y > b.y; });
    const size_t take = std::max<size_t>(1, static_cast<size_t>(share * rows.size()));
    for (size_t i = 0; i < take; ++i) rows_.push_back(rows[i * rows.size() / take]);
  }
}

std::vector<double> ZeroShot::Transform(const std::vector<double>& f) const {
  std::vector<double> t(f.size());
  for (size_t j = 0; j < f.size(); ++j) {
    t[j] = log_feature_[j] ? std::log2(std::max(1.0, f[j])) / log_span_[j] : f[j];
  }
  return t;
}

double ZeroShot::WorkloadDist2(const std::vector<double>& a, const std::vector<double>& b) const {
  double s = 0.0;
  for (size_t j = 0; j < a.size(); ++j) s += weight_[j] * (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

double ZeroShot::ConfigDist2(const space::Config& a, const space::Config& b) const {
  double s = 0.0;
  for (size_t k = 0; k < knob_dist_.size(); ++k) {
    s += knob_dist_[k][static_cast<size_t>(a[k]) * state_.space().levels(k) + b[k]];
  }
  return s;
}

// Weights w_j >= 0 such that sum_j w_j d_j^2 fits, per pair of known workloads, the mean
// squared difference of their log gains over the configs both measured (projected gradient
// descent on the squared error with a small ridge; the warm start gives every pair its
// shared configs).
void ZeroShot::LearnWeights() {
  const size_t nf = tf_.front().size();
  std::vector<std::vector<double>> dx;
  std::vector<double> dy;
  for (size_t a = 0; a < known_.size(); ++a) {
    for (size_t b = a + 1; b < known_.size(); ++b) {
      double s = 0.0;
      size_t n = 0;
      for (const auto& [c, ya] : measured_[a]) {
        const auto it = measured_[b].find(c);
        if (it == measured_[b].end()) continue;
        s += (ya - it->second) * (ya - it->second);
        ++n;
      }
      if (n < kMinSharedConfigs) continue;
      std::vector<double> row(nf);
      for (size_t j = 0; j < nf; ++j) row[j] = (tf_[a][j] - tf_[b][j]) * (tf_[a][j] - tf_[b][j]);
      dx.push_back(std::move(row));
      dy.push_back(s / static_cast<double>(n));
    }
  }
  weight_.assign(nf, 0.1);
  // No pair to learn from, or not asked to: every feature weighs alike.
  if (dx.empty() || !params_.learn_feature_weights) return;
  const double ridge = 1e-3, rate = 0.05;
  for (int it = 0; it < 3000; ++it) {
    std::vector<double> g(nf, 0.0);
    for (size_t r = 0; r < dx.size(); ++r) {
      double e = -dy[r];
      for (size_t j = 0; j < nf; ++j) e += weight_[j] * dx[r][j];
      for (size_t j = 0; j < nf; ++j) g[j] += 2.0 * e * dx[r][j] / static_cast<double>(dx.size());
    }
    for (size_t j = 0; j < nf; ++j) {
      weight_[j] = std::max(0.0, weight_[j] - rate * (g[j] + 2.0 * ridge * weight_[j]));
    }
  }
}

// Per-knob lengthscales from each workload's own runs (as the loop's GPs fit them).
void ZeroShot::FitConfigLengthscales() {
  std::vector<model::GpData> data(known_.size());
  double sq = 0.0;
  size_t n = 0;
  for (const auto& r : rows_) {
    data[r.workload].configs.push_back(r.config);
    data[r.workload].y.push_back(r.y);
  }
  for (auto& d : data) {
    const double mean = std::accumulate(d.y.begin(), d.y.end(), 0.0) / d.y.size();
    for (double& y : d.y) y -= mean, sq += y * y, ++n;
  }
  const double var = std::max(1e-6, sq / static_cast<double>(n));
  config_hyper_ =
      model::FitGpHyper(state_.space(), data, model::DefaultGpHyper(state_.space(), var), 1.0, 400);
  knob_dist_ = model::KnobDistances(state_.space(), config_hyper_.log_lengthscale);
}

double ZeroShot::LogMarginal(const std::vector<size_t>& rows, double log_lw, double log_sig,
                             double log_noise) const {
  const size_t n = rows.size();
  const double inv_lw2 = std::exp(-2.0 * log_lw), sig = std::exp(log_sig);
  std::vector<double> k(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const Row& a = rows_[rows[i]];
    for (size_t j = 0; j <= i; ++j) {
      const Row& b = rows_[rows[j]];
      k[i * n + j] =
          sig * model::Matern52(WorkloadDist2(tf_[a.workload], tf_[b.workload]) * inv_lw2 +
                                ConfigDist2(a.config, b.config));
    }
    k[i * n + i] += std::exp(log_noise) + 1e-9;
  }
  if (!model::Cholesky(k, n)) return -INFINITY;
  std::vector<double> y(n);
  for (size_t i = 0; i < n; ++i) y[i] = rows_[rows[i]].y - prior_mean_;
  model::ForwardSolve(k, n, y.data());
  double quad = 0.0, log_det = 0.0;
  for (double v : y) quad += v * v;
  for (size_t i = 0; i < n; ++i) log_det += 2.0 * std::log(k[i * n + i]);
  return -0.5 * quad - 0.5 * log_det -
         0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
}

// Workload lengthscale, signal and noise by coordinate pattern search on the log marginal
// likelihood of a random subset of rows per workload.
void ZeroShot::FitKernel(core::Rng& rng) {
  double sq = 0.0;
  for (const auto& r : rows_) prior_mean_ += r.y;
  prior_mean_ /= static_cast<double>(rows_.size());
  for (const auto& r : rows_) sq += (r.y - prior_mean_) * (r.y - prior_mean_);
  const double var = std::max(1e-6, sq / static_cast<double>(rows_.size()));
  std::vector<std::vector<size_t>> per(known_.size());
  for (size_t i = 0; i < rows_.size(); ++i) per[rows_[i].workload].push_back(i);
  std::vector<size_t> sub;
  for (auto& idx : per) {
    rng.Shuffle(idx);
    const size_t take = std::min(params_.fit_rows_per_workload, idx.size());
    sub.insert(sub.end(), idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(take));
  }
  std::vector<double> theta = {0.0, std::log(var), std::log(var / 10.0)};
  const double lo[] = {kMinLogLength, kMinLogVar, kMinLogVar};
  const double hi[] = {kMaxLogLength, kMaxLogVar, kMaxLogVar};
  double best = LogMarginal(sub, theta[0], theta[1], theta[2]);
  int evals = 1;
  for (double step = 1.0; step > 0.06 && evals < params_.max_fit_evaluations;) {
    bool improved = false;
    for (size_t i = 0; i < theta.size(); ++i) {
      for (double dir : {1.0, -1.0}) {
        auto t = theta;
        t[i] = std::clamp(theta[i] + dir * step, lo[i], hi[i]);
        if (t[i] == theta[i]) continue;
        const double v = LogMarginal(sub, t[0], t[1], t[2]);
        ++evals;
        if (v > best + 1e-9) {
          best = v, theta = t, improved = true;
          break;
        }
      }
    }
    if (!improved) step *= 0.5;
  }
  inv_lw2_ = std::exp(-2.0 * theta[0]);
  sig_ = std::exp(theta[1]);
  noise_ = std::exp(theta[2]);
}

void ZeroShot::Condition() {
  const size_t n = rows_.size();
  chol_.assign(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) chol_[i * n + j] = Kernel(rows_[i], rows_[j]);
    chol_[i * n + i] += noise_;
  }
  std::vector<double> a = chol_;
  for (double jitter = 1e-9 * sig_; !model::Cholesky(chol_, n); jitter *= 10.0) {
    if (jitter > sig_) throw core::Error("ZeroShot: kernel matrix is not positive definite");
    chol_ = a;
    for (size_t i = 0; i < n; ++i) chol_[i * n + i] += jitter;
  }
  alpha_.resize(n);
  for (size_t i = 0; i < n; ++i) alpha_[i] = rows_[i].y - prior_mean_;
  model::ForwardSolve(chol_, n, alpha_.data());
  model::BackSolve(chol_, n, alpha_.data());
}

double ZeroShot::Kernel(const Row& a, const Row& b) const {
  return sig_ * model::Matern52(WorkloadDist2(tf_[a.workload], tf_[b.workload]) * inv_lw2_ +
                                ConfigDist2(a.config, b.config));
}

std::vector<double> ZeroShot::WorkloadDistances(const std::vector<double>& features) const {
  const auto tf = Transform(features);
  std::vector<double> wd(known_.size());
  for (size_t i = 0; i < known_.size(); ++i) wd[i] = WorkloadDist2(tf, tf_[i]) * inv_lw2_;
  return wd;
}

double ZeroShot::Variance(const std::vector<double>& wd, const space::Config& c) const {
  const size_t n = rows_.size();
  std::vector<double> kx(n);
  for (size_t i = 0; i < n; ++i) {
    kx[i] = sig_ * model::Matern52(wd[rows_[i].workload] + ConfigDist2(c, rows_[i].config));
  }
  model::ForwardSolve(chol_, n, kx.data());
  double explained = 0.0;
  for (double v : kx) explained += v * v;
  return std::max(0.0, sig_ - explained);
}

void ZeroShot::Predict(const std::vector<double>& features,
                       const std::vector<space::Config>& configs, std::vector<double>& mean,
                       std::vector<double>* stddev) const {
  const auto wd = WorkloadDistances(features);
  mean.assign(configs.size(), prior_mean_);
  for (size_t c = 0; c < configs.size(); ++c) {
    for (size_t i = 0; i < rows_.size(); ++i) {
      mean[c] += sig_ *
                 model::Matern52(wd[rows_[i].workload] + ConfigDist2(configs[c], rows_[i].config)) *
                 alpha_[i];
    }
  }
  if (stddev == nullptr) return;
  stddev->resize(configs.size());
  for (size_t c = 0; c < configs.size(); ++c) (*stddev)[c] = std::sqrt(Variance(wd, configs[c]));
}

const ZeroShotPick* ZeroShot::WeakChoice(const std::vector<double>& wd,
                                         const std::vector<ZeroShotPick>& ranked,
                                         const ZeroShotRule& rule) const {
  if (rule.weak_z <= 0.0 && rule.weak_neighbours <= 0) return nullptr;
  std::vector<size_t> near(known_.size());
  std::iota(near.begin(), near.end(), 0);
  std::stable_sort(near.begin(), near.end(), [&](size_t a, size_t b) { return wd[a] < wd[b]; });
  const auto& nearest = measured_[near.front()];
  near.resize(std::min(near.size(), static_cast<size_t>(std::max(0, rule.weak_neighbours))));
  for (const auto& p : ranked) {
    if (p.config == baseline() || p.mean.value - rule.weak_z * p.stddev <= 0.0) continue;
    const auto seen = nearest.find(p.config);
    if (rule.veto_nearest_losses && seen != nearest.end() && seen->second < 0.0) continue;
    size_t ran = 0;
    bool beat_everywhere = true;
    for (size_t i : near) {
      const auto it = measured_[i].find(p.config);
      if (it == measured_[i].end()) continue;
      ++ran;
      beat_everywhere = beat_everywhere && it->second > 0.0;
    }
    if (beat_everywhere && (near.empty() || ran > 0)) return &p;
  }
  return nullptr;
}

ZeroShotRecommendation ZeroShot::Recommend(const std::vector<double>& features,
                                           const ZeroShotRule& rule) const {
  const auto wd = WorkloadDistances(features);
  const size_t nearest = std::min_element(wd.begin(), wd.end()) - wd.begin();
  std::vector<double> mean;
  Predict(features, candidates_, mean, nullptr);
  std::vector<size_t> order(candidates_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return mean[a] > mean[b]; });
  order.resize(std::min(kVarianceCandidates, order.size()));
  std::vector<ZeroShotPick> ranked;
  for (size_t c : order) {
    ZeroShotPick p{candidates_[c], {mean[c]}, std::sqrt(Variance(wd, candidates_[c])), false};
    const auto seen = measured_[nearest].find(p.config);
    const bool lost_nearby =
        rule.veto_nearest_losses && seen != measured_[nearest].end() && seen->second < 0.0;
    p.safe = p.mean.value - rule.safety_z * p.stddev > 0.0 && !lost_nearby;
    ranked.push_back(std::move(p));
  }
  ZeroShotRecommendation rec;
  const auto first =
      std::find_if(ranked.begin(), ranked.end(), [](const auto& p) { return p.safe; });
  const ZeroShotPick baseline{state_.baseline_config(), {0.0}, 0.0, true};
  bool keep_baseline = false;
  if (first != ranked.end()) {
    rec.configs.push_back(*first);
  } else {
    rec.weak_evidence = true;
    char z[32];
    std::snprintf(z, sizeof z, "%g", rule.safety_z);
    rec.note = std::string("no config is predicted to beat the baseline by ") + z +
               " standard deviations at this workload";
    const ZeroShotPick* weak = rule.baseline_when_weak ? WeakChoice(wd, ranked, rule) : nullptr;
    if (weak != nullptr) {
      std::snprintf(z, sizeof z, "%g", rule.weak_z);
      rec.note += std::string("; the best config predicted to beat it by ") + z +
                  " standard deviations comes first, the baseline is kept among the configs";
      rec.configs.push_back(*weak);
      keep_baseline = true;
    } else if (rule.baseline_when_weak || ranked.empty()) {
      rec.note += "; the baseline comes first";
      rec.configs.push_back(baseline);
    } else {
      // The config most likely to beat the baseline (highest mean / stddev) comes first;
      // the baseline stays among the returned configs.
      rec.note += "; the baseline is kept among the configs";
      const auto likely =
          std::max_element(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
            return a.mean.value / std::max(1e-12, a.stddev) <
                   b.mean.value / std::max(1e-12, b.stddev);
          });
      rec.configs.push_back(*likely);
      keep_baseline = true;
    }
  }
  const size_t top_k = static_cast<size_t>(std::max(1, rule.top_k));
  auto knobs_apart = [](const space::Config& a, const space::Config& b) {
    int n = 0;
    for (size_t k = 0; k < a.size(); ++k) n += a[k] != b[k];
    return n;
  };
  for (const auto& p : ranked) {
    if (rec.configs.size() + (keep_baseline ? 1 : 0) >= top_k) break;
    const bool near_listed =
        std::any_of(rec.configs.begin(), rec.configs.end(), [&](const auto& q) {
          return q.config == p.config || knobs_apart(p.config, q.config) < rule.min_knobs_apart;
        });
    if (!near_listed && p.config != baseline.config) rec.configs.push_back(p);
  }
  for (const auto& p : ranked) {  // too few configs far enough apart: the next best means
    if (rec.configs.size() + (keep_baseline ? 1 : 0) >= top_k) break;
    const bool listed = std::any_of(rec.configs.begin(), rec.configs.end(),
                                    [&](const auto& q) { return q.config == p.config; });
    if (!listed && p.config != baseline.config) rec.configs.push_back(p);
  }
  if (keep_baseline && rec.configs.front().config != baseline.config)
    rec.configs.push_back(baseline);
  return rec;
}

}  // namespace iorec::deploy
