#include "iorec/eval/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace iorec::eval {

double SortedQuantile(const std::vector<double>& sorted, double q) {
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  const size_t j = std::min(i + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(i);
  return sorted[i] + (sorted[j] - sorted[i]) * frac;
}

Interval BootstrapMeanCi(const std::vector<double>& values, int iters, double level,
                         core::Rng& rng) {
  Interval out;
  out.n = values.size();
  if (values.empty()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    out.estimate = out.lo = out.hi = nan;
    return out;
  }
  const double n = static_cast<double>(values.size());
  out.estimate = std::accumulate(values.begin(), values.end(), 0.0) / n;
  if (values.size() == 1 || iters < 1) {
    out.lo = out.hi = out.estimate;
    return out;
  }
  std::vector<double> means(static_cast<size_t>(iters));
  for (auto& m : means) {
    double s = 0.0;
    for (size_t i = 0; i < values.size(); ++i) s += values[rng.UniformInt(values.size())];
    m = s / n;
  }
  std::sort(means.begin(), means.end());
  const double alpha = (1.0 - level) / 2.0;
  out.lo = SortedQuantile(means, alpha);
  out.hi = SortedQuantile(means, 1.0 - alpha);
  return out;
}

}  // namespace iorec::eval
