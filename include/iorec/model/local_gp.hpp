#pragma once
/// Per-workload Gaussian-process correction of the global tree model.
///
/// The trees see every workload and transfer between them, but they are piecewise constant
/// and cannot resolve the few-percent differences between neighbouring levels near a
/// workload's optimum. A GP per workload, fitted to the residuals of the trees on that
/// workload's own measurements, adds a smooth local surface: near the workload's data it
/// follows the measurements, far from them it falls back to the trees (the prior mean).
///
/// Inputs are configs in knob coordinates: an ordered knob's level l of L maps to
/// l / (L - 1); two levels of an unordered knob are at distance 1 when they differ. The
/// kernel is Matérn 5/2 with one lengthscale per knob, a signal variance and a noise
/// variance, shared by all workloads and fitted by maximizing the summed log marginal
/// likelihood.
#include <cstddef>
#include <vector>

#include "iorec/space/space.hpp"

namespace iorec::model {

/// Kernel hyperparameters, all as natural logs.
struct GpHyper {
  std::vector<double> log_lengthscale;  ///< per knob, in knob coordinates ([0, 1] per knob)
  double log_signal_var = 0.0;          ///< target units squared
  double log_noise_var = 0.0;           ///< target units squared
};

/// A starting point: lengthscale 0.5 per knob, signal variance `var`, noise `var` / 10.
/// Precondition: var > 0.
GpHyper DefaultGpHyper(const space::Space& space, double var);

/// One workload's data: measured configs and their targets (residuals of the prior mean).
struct GpData {
  std::vector<space::Config> configs;
  std::vector<double> y;
};

class LocalGp {
 public:
  /// Fits on `data` (may be empty: the GP then predicts mean 0, variance = signal variance).
  /// The space must outlive the GP.
  LocalGp(const space::Space& space, const GpHyper& hyper, const GpData& data);

  /// Log marginal likelihood of the data under the hyperparameters (0 for empty data).
  double LogMarginal() const { return log_marginal_; }

  /// Posterior mean and variance (latent function, noise excluded) for each config.
  void Predict(const std::vector<space::Config>& configs, double* mean, double* var) const;

 private:
  double Kernel(const space::Config& a, const space::Config& b) const;

  const space::Space& space_;
  std::vector<std::vector<double>> dist_;  ///< per knob, levels x levels, scaled by 1/l^2
  double signal_var_ = 1.0;
  std::vector<space::Config> x_;
  std::vector<double> chol_;   ///< lower Cholesky factor of K + noise I, row-major n x n
  std::vector<double> alpha_;  ///< (K + noise I)^-1 y
  double log_marginal_ = 0.0;
};

/// Fits shared hyperparameters by coordinate pattern search on the log parameters, starting
/// from `start`, maximizing the sum over workloads of the log marginal likelihood. Log
/// lengthscales stay in [log 0.05, log 20]; variances in [1e-8, 100]. Deterministic.
/// `max_evaluations` bounds the cost (each evaluation fits every workload).
GpHyper FitGpHyper(const space::Space& space, const std::vector<GpData>& data, GpHyper start,
                   double initial_step, int max_evaluations);

}  // namespace iorec::model
