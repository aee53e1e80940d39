#include "iorec/runner/stub_testbed.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "iorec/core/hash.hpp"

namespace iorec::runner {
namespace {

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// A deterministic standard-normal-like value from a hash (sum of 4 uniforms, rescaled).
double HashNormal(uint64_t h) {
  double s = 0.0;
  for (int i = 0; i < 4; ++i) {
    h = core::Mix64(h + static_cast<uint64_t>(i));
    s += core::HashToUnit(h);
  }
  return (s - 2.0) * std::sqrt(3.0);
}

uint64_t Key(uint64_t seed, const std::string& a, uint64_t i = 0, uint64_t j = 0) {
  return core::HashCombine(core::HashCombine(core::Mix64(seed), core::Fnv1a64(a)),
                           core::HashCombine(i, j));
}

}  // namespace

StubTestbed::StubTestbed(const space::Space& space, const space::WorkloadSet& workloads,
                         uint64_t seed, double noise_std, size_t scaled_on)
    : space_(space), workloads_(workloads), seed_(seed), noise_std_(noise_std) {
  const size_t nf = workloads.feature_names.size();
  const size_t scaled = std::min(scaled_on, workloads.size());
  feature_scale_.assign(nf, 1.0);
  for (size_t j = 0; j < nf; ++j) {
    double max_v = 0.0;
    for (size_t w = 0; w < scaled; ++w)
      max_v = std::max(max_v, std::abs(workloads.workloads[w].features[j]));
    // Fractions stay as they are; counts such as nprocs are log-compressed below.
    feature_scale_[j] = max_v > 1.0 ? max_v : 1.0;
  }
  const size_t n = space.num_knobs();
  for (size_t i = 0; i + 1 < n; i += 2) pairs_.emplace_back(i, i + 1);
  for (const auto& w : workloads.workloads) params_.push_back(Derive(w.features));
}

StubTestbed::Params StubTestbed::Derive(const std::vector<double>& features) const {
  const size_t nf = features.size();
  std::vector<double> z(nf);
  double norm2 = 1e-9;
  for (size_t j = 0; j < nf; ++j) {
    double g = features[j];
    if (feature_scale_[j] > 1.0) {
      g = std::log1p(std::max(0.0, g)) / std::log1p(feature_scale_[j]);
    }
    z[j] = std::clamp(g, 0.0, 1.0) - 0.5;
    norm2 += z[j] * z[j];
  }
  // A projection of the centred features on a hashed direction: smooth in the features,
  // roughly N(0,1) across workloads.
  const double inv = 1.0 / std::sqrt(std::max<double>(1.0, static_cast<double>(nf)) * 0.08);
  auto project = [&](const std::string& what, uint64_t i) {
    double s = 0.0;
    for (size_t j = 0; j < nf; ++j) s += HashNormal(Key(seed_, what, i, j)) * z[j];
    return s * inv;
  };

  Params p;
  p.base = 250.0 * std::exp(1.2 * std::tanh(project("base", 0)));
  const size_t n = space_.num_knobs();
  for (size_t k = 0; k < n; ++k) {
    const std::string& name = space_.knob(core::KnobIndex(static_cast<uint32_t>(k))).name;
    const double c = 0.8 * HashNormal(Key(seed_, "opt_bias:" + name));
    const double o = Sigmoid(2.4 * project("opt:" + name, k) + c);
    const double scale = 0.3 + 0.6 * core::HashToUnit(Key(seed_, "imp_scale:" + name));
    // Sparse relevance: for a given workload only some knobs matter much.
    const double rel = 0.03 + 0.97 * Sigmoid(3.0 * project("imp:" + name, k) - 0.8 +
                                             0.7 * HashNormal(Key(seed_, "imp_bias:" + name)));
    p.knobs.push_back({scale * rel, o});
    std::vector<double> effects;
    if (!space_.knob(core::KnobIndex(static_cast<uint32_t>(k))).is_ordered) {
      for (size_t l = 0; l < space_.levels(k); ++l) {
        effects.push_back(0.5 * scale * rel * core::HashToUnit(Key(seed_, "lvl:" + name, l, 1)) +
                          0.2 * Sigmoid(project("lvlw:" + name, l)));
      }
    }
    p.level_effect.push_back(std::move(effects));
  }
  for (size_t q = 0; q < pairs_.size(); ++q) {
    p.ridge_weight.push_back(0.6 * Sigmoid(1.5 * project("ridge_w", q) + 0.5));
    p.ridge_offset.push_back(0.6 * std::tanh(project("ridge_d", q)));
  }
  return p;
}

double StubTestbed::Evaluate(const Params& p, const space::Config& c) const {
  const size_t n = space_.num_knobs();
  double x[64];
  double deficit = 0.0;
  for (size_t k = 0; k < n && k < 64; ++k) {
    const size_t levels = space_.levels(k);
    x[k] = levels > 1 ? static_cast<double>(c[k]) / static_cast<double>(levels - 1) : 0.0;
    if (p.level_effect[k].empty()) {
      const double d = x[k] - p.knobs[k].optimum;
      deficit += p.knobs[k].importance * d * d;
    } else {
      deficit += p.level_effect[k][c[k]];
    }
  }
  for (size_t q = 0; q < pairs_.size(); ++q) {
    const auto [i, j] = pairs_[q];
    const double d = (x[i] - x[j]) - p.ridge_offset[q];
    deficit += p.ridge_weight[q] * d * d;
  }
  // Contention: pushing the first coupled pair both to the top costs extra.
  if (!pairs_.empty()) {
    const auto [i, j] = pairs_.front();
    const double over = std::max(0.0, x[i] + x[j] - 1.5);
    deficit += 2.0 * over * over;
  }
  return p.base * std::exp(-deficit);
}

double StubTestbed::TruePerf(uint32_t workload_index, const space::Config& c) const {
  return Evaluate(params_[workload_index], c);
}

double StubTestbed::TruePerfForFeatures(const std::vector<double>& features,
                                        const space::Config& c) const {
  return Evaluate(Derive(features), c);
}

TrialOutcome StubTestbed::Run(const TrialRequest& request) {
  TrialOutcome out;
  double perf = TruePerf(request.workload_index, request.config);
  if (noise_std_ > 0.0) {
    uint64_t h = Key(seed_, "noise:" + request.workload->id, space_.Rank(request.config),
                     static_cast<uint64_t>(request.replicate));
    const double eps = std::clamp(HashNormal(h), -4.0, 4.0);
    perf *= std::max(0.05, 1.0 + noise_std_ * eps);
  }
  out.ok = true;
  out.value = perf;
  return out;
}

StubTestbed::Optimum StubTestbed::Search(const Params& p, uint64_t enum_threshold, int sampled,
                                         uint64_t salt) const {
  Optimum best;
  if (space_.Size() <= enum_threshold) {
    for (uint64_t r = 0; r < space_.Size(); ++r) {
      space::Config c = space_.Unrank(r);
      const double v = Evaluate(p, c);
      if (v > best.perf) best = {std::move(c), v};
    }
    return best;
  }
  core::Rng rng(core::HashCombine(seed_, salt), "stub_oracle");
  std::vector<Optimum> starts;
  for (int i = 0; i < std::max(1, sampled); ++i) {
    space::Config c = space_.Random(rng);
    const double v = Evaluate(p, c);
    starts.push_back({std::move(c), v});
  }
  std::sort(starts.begin(), starts.end(),
            [](const Optimum& a, const Optimum& b) { return a.perf > b.perf; });
  starts.resize(std::min<size_t>(starts.size(), 8));
  const size_t n = space_.num_knobs();
  for (auto cur : starts) {
    // Coordinate ascent with single-knob and coupled-pair moves.
    bool improved = true;
    while (improved) {
      improved = false;
      for (size_t k = 0; k < n; ++k) {
        for (size_t l = 0; l < space_.levels(k); ++l) {
          space::Config c = cur.config;
          c.set_level(core::KnobIndex(k), core::LevelIndex(l));
          const double v = Evaluate(p, c);
          if (v > cur.perf * (1.0 + 1e-12)) {
            cur = {std::move(c), v};
            improved = true;
          }
        }
      }
      for (const auto& [i, j] : pairs_) {
        for (size_t li = 0; li < space_.levels(i); ++li) {
          for (size_t lj = 0; lj < space_.levels(j); ++lj) {
            space::Config c = cur.config;
            c.set_level(core::KnobIndex(i), core::LevelIndex(li));
            c.set_level(core::KnobIndex(j), core::LevelIndex(lj));
            const double v = Evaluate(p, c);
            if (v > cur.perf * (1.0 + 1e-12)) {
              cur = {std::move(c), v};
              improved = true;
            }
          }
        }
      }
    }
    if (cur.perf > best.perf) best = cur;
  }
  return best;
}

StubTestbed::Optimum StubTestbed::FindOptimum(uint32_t workload_index, uint64_t enum_threshold,
                                              int sampled) const {
  return Search(params_[workload_index], enum_threshold, sampled, workload_index);
}

StubTestbed::Optimum StubTestbed::FindOptimumForFeatures(const std::vector<double>& features,
                                                         uint64_t enum_threshold,
                                                         int sampled) const {
  return Search(Derive(features), enum_threshold, sampled, 0x5eed);
}

}  // namespace iorec::runner
