#include "iorec/deploy/expectation.hpp"

#include <algorithm>
#include <cmath>

namespace iorec::deploy {
namespace {

/// Accumulates replicated configs into a Noise.
class NoiseBuilder {
 public:
  void Add(double mean, double std, int runs) {
    if (runs < 2 || !(mean > 0.0)) return;
    const double rel = std / mean;
    noise_.relative_std.push_back(rel);
    weighted_ += (runs - 1) * rel * rel;
    dof_ += runs - 1;
  }
  Noise Done() {
    std::sort(noise_.relative_std.begin(), noise_.relative_std.end());
    noise_.pooled = dof_ > 0 ? std::sqrt(weighted_ / dof_) : 0.0;
    return noise_;
  }

 private:
  Noise noise_;
  double weighted_ = 0.0;
  double dof_ = 0.0;
};

/// perf * (1 -/+ z * rel), the low end kept above zero.
void SetPerfInterval(Expectation& e, double rel) {
  const double half = kIntervalZ * rel;
  e.perf_lo.value = e.perf.value * std::max(1.0 - half, 0.01);
  e.perf_hi.value = e.perf.value * (1.0 + half);
  e.has_interval = true;
}

/// Gains from the perfs, over the baseline perf.
void GainsFromPerfs(Expectation& e) {
  e.has_gain = true;
  e.gain = state::Relative(e.perf, e.baseline);
  e.gain_lo = state::Relative(e.has_interval ? e.perf_lo : e.perf, e.baseline);
  e.gain_hi = state::Relative(e.has_interval ? e.perf_hi : e.perf, e.baseline);
}

/// The run-to-run spread to use for a config that ran `runs` times with sample stddev `std`.
/// Returns a negative value when nothing is known.
double SpreadFor(double mean, double std, int runs, const Noise& noise) {
  if (runs >= 3 && mean > 0.0) return std / mean;
  if (noise.known()) return noise.pooled;
  if (runs == 2 && mean > 0.0) return std / mean;
  return -1.0;
}

size_t RowOf(const RecommendationMatrix& m, const std::string& id) {
  const auto it = std::find(m.workload_ids.begin(), m.workload_ids.end(), id);
  return static_cast<size_t>(it - m.workload_ids.begin());
}

const MatrixEntry* EntryOf(const RecommendationMatrix& m, size_t w, const space::Config& c) {
  if (w >= m.size() || !m.has_baseline[w]) return nullptr;
  for (const auto& e : m.top[w]) {
    if (e.config == c) return &e;
  }
  return nullptr;
}

/// The workload's current settings on a measured workload: its baseline perf.
Expectation ExpectCurrent(const RecommendationMatrix& m, size_t w, const Noise& noise) {
  Expectation e;
  e.basis = Basis::kCurrent;
  e.has_gain = true;
  if (w >= m.size() || !m.has_baseline[w]) return e;
  e.measured_on = m.workload_ids[w];
  e.has_perf = true;
  e.perf = e.baseline = m.baseline[w];
  e.runs = 1;
  if (noise.known()) SetPerfInterval(e, noise.pooled);
  GainsFromPerfs(e);
  return e;
}

Expectation ExpectFromNeighbours(const RecommendationMatrix& m, const Recommendation& rec,
                                 const space::Config& config, const Noise& noise) {
  Expectation e;
  double weighted = 0.0, weights = 0.0, lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < rec.neighbors.size(); ++i) {
    const size_t w = RowOf(m, rec.neighbors[i].workload_id);
    const MatrixEntry* entry = EntryOf(m, w, config);
    if (!entry) continue;
    const double ratio = entry->mean_perf.value / m.baseline[w].value;
    const double weight = 1.0 / static_cast<double>(i + 1);
    weighted += weight * ratio;
    weights += weight;
    lo = std::min(lo, ratio);
    hi = std::max(hi, ratio);
    if (e.neighbours++ == 0) {
      e.measured_on = m.workload_ids[w];
      e.runs = entry->runs;
      e.has_perf = true;
      e.perf = entry->mean_perf;
      e.baseline = m.baseline[w];
      const double spread = SpreadFor(entry->mean_perf.value, entry->std_perf, entry->runs, noise);
      if (spread >= 0.0) SetPerfInterval(e, spread);
    }
  }
  if (e.neighbours == 0) return e;
  e.basis = Basis::kNeighbour;
  e.has_gain = true;
  e.gain.value = weighted / weights - 1.0;
  const double widen = noise.known() ? kIntervalZ * noise.pooled : 0.0;
  e.gain_lo.value = lo * std::max(1.0 - widen, 0.01) - 1.0;
  e.gain_hi.value = hi * (1.0 + widen) - 1.0;
  e.has_interval = noise.known() || e.neighbours >= 2;
  return e;
}

Expectation ExpectFromModel(const RecommendedConfig& c, bool regression_model) {
  Expectation e;
  if (!regression_model) return e;
  e.basis = Basis::kModel;
  e.has_gain = e.has_interval = true;
  e.gain.value = std::expm1(c.model_score);
  e.gain_lo.value = std::expm1(c.model_score - kIntervalZ * c.model_std);
  e.gain_hi.value = std::expm1(c.model_score + kIntervalZ * c.model_std);
  return e;
}

}  // namespace

double Noise::Median() const {
  const size_t n = relative_std.size();
  return n % 2 ? relative_std[n / 2] : 0.5 * (relative_std[n / 2 - 1] + relative_std[n / 2]);
}

double Noise::Max() const { return relative_std.back(); }

Noise NoiseOf(const RecommendationMatrix& m) {
  NoiseBuilder b;
  for (size_t w = 0; w < m.size(); ++w) {
    for (const auto& e : m.top[w]) b.Add(e.mean_perf.value, e.std_perf, e.runs);
  }
  return b.Done();
}

Noise NoiseOf(const state::StudyState& st) {
  NoiseBuilder b;
  for (const auto& rec : st.records()) {
    for (const auto& c : rec.configs) {
      if (c.perfs.size() >= 2) b.Add(c.Mean().value, c.Std(), static_cast<int>(c.perfs.size()));
    }
  }
  return b.Done();
}

const char* ToString(Basis b) {
  switch (b) {
    case Basis::kMeasuredHere:
      return "measured here";
    case Basis::kCurrent:
      return "current settings";
    case Basis::kNeighbour:
      return "neighbour";
    case Basis::kModel:
      return "model";
    case Basis::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Expectation ExpectMeasured(const RecommendationMatrix& m, size_t w, const MatrixEntry& entry,
                           const Noise& noise) {
  Expectation e;
  e.basis = Basis::kMeasuredHere;
  e.measured_on = m.workload_ids[w];
  e.runs = entry.runs;
  e.has_perf = true;
  e.perf = entry.mean_perf;
  e.baseline = m.baseline[w];
  const double spread = SpreadFor(entry.mean_perf.value, entry.std_perf, entry.runs, noise);
  if (spread >= 0.0) SetPerfInterval(e, spread);
  GainsFromPerfs(e);
  return e;
}

Expectation Expect(const RecommendationMatrix& m, const Recommendation& rec,
                   const RecommendedConfig& c, const space::Config& baseline, const Noise& noise,
                   bool regression_model) {
  const size_t own = rec.exact_match && !rec.neighbors.empty()
                         ? RowOf(m, rec.neighbors.front().workload_id)
                         : m.size();
  if (own < m.size()) {
    if (c.config == baseline) return ExpectCurrent(m, own, noise);
    if (const MatrixEntry* entry = EntryOf(m, own, c.config))
      return ExpectMeasured(m, own, *entry, noise);
  } else if (c.config == baseline) {
    Expectation e;
    e.basis = Basis::kCurrent;
    e.has_gain = true;
    return e;
  }
  Expectation e = ExpectFromNeighbours(m, rec, c.config, noise);
  return e.basis == Basis::kNeighbour ? e : ExpectFromModel(c, regression_model);
}

NoiseComparison CompareWithNoise(const Expectation& a, const Expectation& b, const Noise& noise) {
  NoiseComparison r;
  if (!a.has_gain || !b.has_gain) return r;
  const bool same_place = a.has_perf && b.has_perf && a.measured_on == b.measured_on;
  // Where both ran on the same workload, compare those runs; else the expected gains.
  r.difference = same_place ? a.perf.value / b.perf.value - 1.0
                            : (1.0 + a.gain.value) / (1.0 + b.gain.value) - 1.0;
  if (!noise.known() || !same_place) return r;
  auto n = [](const Expectation& e) { return static_cast<double>(std::max(1, e.runs)); };
  r.comparable = true;
  r.threshold = 2.0 * noise.pooled * std::sqrt(1.0 / n(a) + 1.0 / n(b));
  r.within = std::abs(r.difference) < r.threshold;
  return r;
}

}  // namespace iorec::deploy
