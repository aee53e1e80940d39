#pragma once
/// Percentile bootstrap confidence intervals. Pure: same inputs and rng state, same output.
#include <cstddef>
#include <vector>

#include "iorec/core/rng.hpp"

namespace iorec::eval {

/// A point estimate with a two-sided interval. Empty input gives NaN everywhere and n = 0.
struct Interval {
  double estimate = 0.0;  ///< the sample mean
  double lo = 0.0;
  double hi = 0.0;
  size_t n = 0;  ///< number of values (resampling units)
};

/// Percentile bootstrap CI of the mean of `values`: `iters` resamples with replacement,
/// bounds at the (1-level)/2 and (1+level)/2 quantiles (linear interpolation).
/// Preconditions: iters >= 1, 0 < level < 1. One value gives lo = hi = estimate.
Interval BootstrapMeanCi(const std::vector<double>& values, int iters, double level,
                         core::Rng& rng);

/// Linear-interpolated quantile q in [0,1] of already sorted values. Precondition: non-empty.
double SortedQuantile(const std::vector<double>& sorted, double q);

}  // namespace iorec::eval
