#include "iorec/eval/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace iorec::eval {

double Dcg(const std::vector<double>& rel, size_t k) {
  double s = 0.0;
  for (size_t i = 0; i < std::min(k, rel.size()); ++i) {
    s += (std::exp2(rel[i]) - 1.0) / std::log2(static_cast<double>(i) + 2.0);
  }
  return s;
}

double NdcgOfList(const std::vector<double>& chosen, const std::vector<double>& ideal, size_t k) {
  std::vector<double> sorted_ideal = ideal;
  std::sort(sorted_ideal.begin(), sorted_ideal.end(), std::greater<>());
  const double idcg = Dcg(sorted_ideal, k);
  if (idcg <= 0.0) return 1.0;
  return std::min(1.0, Dcg(chosen, k) / idcg);
}

double NdcgAtK(const std::vector<double>& scores, const std::vector<double>& relevance, size_t k) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<double> ranked;
  ranked.reserve(order.size());
  for (size_t i : order) ranked.push_back(relevance[i]);
  return NdcgOfList(ranked, relevance, k);
}

double RelativeRegret(double chosen, double best) {
  if (chosen >= best) return 0.0;
  const double denom = std::abs(best);
  if (denom == 0.0) return 0.0;
  return (best - chosen) / denom;
}

double RegretAtK(const std::vector<double>& chosen, double best, size_t k) {
  if (chosen.empty() || k == 0) return 1.0;
  const double top = *std::max_element(chosen.begin(), chosen.begin() + std::min(k, chosen.size()));
  return RelativeRegret(top, best);
}

double HitAtK(const std::vector<double>& chosen, double best, size_t k, double tolerance) {
  return RegretAtK(chosen, best, k) <= tolerance ? 1.0 : 0.0;
}

namespace {
std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0;
    for (size_t t = i; t <= j; ++t) r[order[t]] = avg;
    i = j + 1;
  }
  return r;
}
}  // namespace

double Spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = std::min(a.size(), b.size());
  if (n < 2) return 0.0;
  const auto ra = Ranks(a), rb = Ranks(b);
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) ma += ra[i], mb += rb[i];
  ma /= n;
  mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  if (saa == 0.0 || sbb == 0.0) return 0.0;
  return sab / std::sqrt(saa * sbb);
}

}  // namespace iorec::eval

namespace iorec::eval {

double GainRegretAtK(const std::vector<double>& chosen_gains, double best_gain, size_t k) {
  if (chosen_gains.empty() || k == 0) return 1.0;
  if (!(best_gain > 0.0)) return 0.0;
  const auto n = static_cast<std::ptrdiff_t>(std::min(k, chosen_gains.size()));
  const auto end = chosen_gains.begin() + n;
  const double top = *std::max_element(chosen_gains.begin(), end);
  // 1 means no better than the baseline; worse configs also score 1 so one bad workload
  // cannot dominate the mean.
  return std::clamp((best_gain - top) / best_gain, 0.0, 1.0);
}

std::vector<double> GainRelevance(const std::vector<double>& gains,
                                  const std::vector<double>& reference, double max_grade) {
  std::vector<double> out(gains.size(), 0.0);
  if (reference.empty()) return out;
  const auto [lo_it, hi_it] = std::minmax_element(reference.begin(), reference.end());
  const double lo = *lo_it, span = *hi_it - *lo_it;
  if (!(span > 0.0)) return out;
  for (size_t i = 0; i < gains.size(); ++i) {
    out[i] = std::clamp(max_grade * (gains[i] - lo) / span, 0.0, max_grade);
  }
  return out;
}

}  // namespace iorec::eval
