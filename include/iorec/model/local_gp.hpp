#pragma once
/// Gaussian processes over the knob space, one per workload, on that workload's own runs.
///
/// Inputs are configs in knob coordinates: an ordered knob's level l of L maps to
/// l / (L - 1); two levels of an unordered knob are at distance 1 when they differ. The
/// kernel is Matern 5/2 with one lengthscale per knob, a signal variance and a noise
/// variance, shared by all workloads and fitted by maximizing the summed log marginal
/// likelihood. The GPs have a zero prior mean: GpSurrogate adds each workload's mean
/// target back. They are smooth in the knob coordinates, so (unlike the piecewise-constant
/// trees) they resolve the few-percent differences between neighbouring levels near a
/// workload's optimum, and they average the noise of nearby runs.
#include <cstddef>
#include <memory>
#include <vector>

#include "iorec/model/surrogate.hpp"
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

/// One workload's data: measured configs and their targets (centred: the prior mean is 0).
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

/// The per-workload GPs as the loop's surrogate: workload w's prediction is its GP's
/// posterior mean plus the workload's mean target, with the posterior stddev as spread.
class GpSurrogate final : public Surrogate {
 public:
  struct Member {
    double offset = 0.0;                ///< mean of the workload's targets
    std::shared_ptr<const LocalGp> gp;  ///< null: the workload has no measured runs
  };
  explicit GpSurrogate(std::vector<Member> members) : members_(std::move(members)) {}
  Prediction Predict(size_t workload, const std::vector<space::Config>& configs) const override;
  bool Covers(size_t workload) const override {
    return workload < members_.size() && members_[workload].gp != nullptr;
  }
  const char* name() const override { return "gp"; }

 private:
  std::vector<Member> members_;
};

}  // namespace iorec::model
