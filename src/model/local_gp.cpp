#include "iorec/model/local_gp.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "iorec/core/error.hpp"
#include "iorec/model/gp_math.hpp"

namespace iorec::model {
namespace {

constexpr double kMinLogLength = -2.995732273553991;  // log 0.05
constexpr double kMaxLogLength = 2.995732273553991;   // log 20
constexpr double kMinLogVar = -18.420680743952367;    // log 1e-8
constexpr double kMaxLogVar = 4.605170185988092;      // log 100

std::vector<double> Pack(const GpHyper& h) {
  std::vector<double> v = h.log_lengthscale;
  v.push_back(h.log_signal_var);
  v.push_back(h.log_noise_var);
  return v;
}

GpHyper Unpack(const std::vector<double>& v) {
  GpHyper h;
  h.log_lengthscale.assign(v.begin(), v.end() - 2);
  h.log_signal_var = v[v.size() - 2];
  h.log_noise_var = v.back();
  return h;
}

double SumLogMarginal(const space::Space& space, const std::vector<GpData>& data,
                      const GpHyper& h) {
  double s = 0.0;
  for (const auto& d : data) s += LocalGp(space, h, d).LogMarginal();
  return s;
}

}  // namespace

GpHyper DefaultGpHyper(const space::Space& space, double var) {
  if (!(var > 0.0)) throw core::Error("DefaultGpHyper: variance must be > 0");
  GpHyper h;
  h.log_lengthscale.assign(space.num_knobs(), std::log(0.5));
  h.log_signal_var = std::clamp(std::log(var), kMinLogVar, kMaxLogVar);
  h.log_noise_var = std::clamp(std::log(var / 10.0), kMinLogVar, kMaxLogVar);
  return h;
}

LocalGp::LocalGp(const space::Space& space, const GpHyper& hyper, const GpData& data)
    : space_(space), signal_var_(std::exp(hyper.log_signal_var)), x_(data.configs) {
  const size_t nk = space.num_knobs();
  if (hyper.log_lengthscale.size() != nk) {
    throw core::Error("LocalGp: " + std::to_string(hyper.log_lengthscale.size()) +
                      " lengthscales for " + std::to_string(nk) + " knobs");
  }
  if (data.configs.size() != data.y.size()) {
    throw core::Error("LocalGp: configs and targets differ in length");
  }
  dist_ = KnobDistances(space, hyper.log_lengthscale);
  const size_t n = x_.size();
  if (n == 0) return;
  const double noise = std::exp(hyper.log_noise_var);
  chol_.assign(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      const double k = Kernel(x_[i], x_[j]);
      chol_[i * n + j] = k;
      chol_[j * n + i] = k;
    }
    chol_[i * n + i] += noise;
  }
  // Jitter grows until the factorization succeeds (duplicate configs with tiny noise).
  std::vector<double> a = chol_;
  double jitter = 1e-10 * signal_var_;
  while (!Cholesky(chol_, n)) {
    chol_ = a;
    for (size_t i = 0; i < n; ++i) chol_[i * n + i] += jitter;
    jitter *= 10.0;
    if (jitter > signal_var_) throw core::Error("LocalGp: kernel matrix is not positive definite");
  }
  alpha_ = data.y;
  ForwardSolve(chol_, n, alpha_.data());
  double quad = 0.0;
  for (double v : alpha_) quad += v * v;
  double log_det = 0.0;
  for (size_t i = 0; i < n; ++i) log_det += 2.0 * std::log(chol_[i * n + i]);
  log_marginal_ =
      -0.5 * quad - 0.5 * log_det - 0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
  BackSolve(chol_, n, alpha_.data());
}

double LocalGp::Kernel(const space::Config& a, const space::Config& b) const {
  double r2 = 0.0;
  for (size_t k = 0; k < dist_.size(); ++k) {
    r2 += dist_[k][static_cast<size_t>(a[k]) * space_.levels(k) + b[k]];
  }
  return signal_var_ * Matern52(r2);
}

void LocalGp::Predict(const std::vector<space::Config>& configs, double* mean, double* var) const {
  const size_t n = x_.size();
  std::vector<double> kx(n);
  for (size_t c = 0; c < configs.size(); ++c) {
    double m = 0.0;
    for (size_t i = 0; i < n; ++i) {
      kx[i] = Kernel(configs[c], x_[i]);
      m += kx[i] * alpha_[i];
    }
    mean[c] = m;
    if (var != nullptr) {
      if (n > 0) ForwardSolve(chol_, n, kx.data());
      double explained = 0.0;
      for (size_t i = 0; i < n; ++i) explained += kx[i] * kx[i];
      var[c] = std::max(0.0, signal_var_ - explained);
    }
  }
}

GpHyper FitGpHyper(const space::Space& space, const std::vector<GpData>& data, GpHyper start,
                   double initial_step, int max_evaluations) {
  std::vector<double> theta = Pack(start);
  const size_t nk = space.num_knobs();
  if (theta.size() != nk + 2) throw core::Error("FitGpHyper: start has the wrong size");
  auto clamp = [&](size_t i, double v) {
    return i < nk ? std::clamp(v, kMinLogLength, kMaxLogLength)
                  : std::clamp(v, kMinLogVar, kMaxLogVar);
  };
  for (size_t i = 0; i < theta.size(); ++i) theta[i] = clamp(i, theta[i]);
  double best = SumLogMarginal(space, data, Unpack(theta));
  int evaluations = 1;
  double step = initial_step;
  while (step > 0.05 && evaluations < max_evaluations) {
    bool improved = false;
    for (size_t i = 0; i < theta.size() && evaluations < max_evaluations; ++i) {
      for (double dir : {1.0, -1.0}) {
        std::vector<double> trial = theta;
        trial[i] = clamp(i, theta[i] + dir * step);
        if (trial[i] == theta[i]) continue;
        const double v = SumLogMarginal(space, data, Unpack(trial));
        ++evaluations;
        if (v > best + 1e-9) {
          best = v;
          theta = std::move(trial);
          improved = true;
          break;
        }
      }
    }
    if (!improved) step *= 0.5;
  }
  return Unpack(theta);
}

}  // namespace iorec::model

namespace iorec::model {

Prediction GpSurrogate::Predict(size_t workload, const std::vector<space::Config>& configs) const {
  const Member& m = members_[workload];
  Prediction p;
  p.mean.resize(configs.size());
  p.stddev.resize(configs.size());
  m.gp->Predict(configs, p.mean.data(), p.stddev.data());
  for (size_t i = 0; i < configs.size(); ++i) {
    p.mean[i] += m.offset;
    p.stddev[i] = std::sqrt(p.stddev[i]);
  }
  return p;
}

}  // namespace iorec::model
