#include "iorec/model/gp_math.hpp"

#include <cmath>

namespace iorec::model {

double Matern52(double r2) {
  const double r = std::sqrt(5.0 * r2);
  return (1.0 + r + r * r / 3.0) * std::exp(-r);
}

bool Cholesky(std::vector<double>& a, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (size_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0.0)) return false;
    const double l = std::sqrt(d);
    a[j * n + j] = l;
    for (size_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (size_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / l;
    }
    for (size_t k = j + 1; k < n; ++k) a[j * n + k] = 0.0;
  }
  return true;
}

void ForwardSolve(const std::vector<double>& l, size_t n, double* b) {
  for (size_t i = 0; i < n; ++i) {
    double s = b[i];
    for (size_t k = 0; k < i; ++k) s -= l[i * n + k] * b[k];
    b[i] = s / l[i * n + i];
  }
}

void BackSolve(const std::vector<double>& l, size_t n, double* b) {
  for (size_t i = n; i-- > 0;) {
    double s = b[i];
    for (size_t k = i + 1; k < n; ++k) s -= l[k * n + i] * b[k];
    b[i] = s / l[i * n + i];
  }
}

std::vector<std::vector<double>> KnobDistances(const space::Space& space,
                                               const std::vector<double>& log_lengthscale) {
  std::vector<std::vector<double>> dist(space.num_knobs());
  for (size_t k = 0; k < space.num_knobs(); ++k) {
    const size_t levels = space.levels(k);
    const bool ordered = space.knobs()[k].is_ordered;
    const double inv_l2 = std::exp(-2.0 * log_lengthscale[k]);
    dist[k].assign(levels * levels, 0.0);
    for (size_t a = 0; a < levels; ++a) {
      for (size_t b = 0; b < levels; ++b) {
        double d = a == b ? 0.0 : 1.0;
        if (ordered && levels > 1) {
          const double t =
              (static_cast<double>(a) - static_cast<double>(b)) / static_cast<double>(levels - 1);
          d = t * t;
        }
        dist[k][a * levels + b] = d * inv_l2;
      }
    }
  }
  return dist;
}

}  // namespace iorec::model
