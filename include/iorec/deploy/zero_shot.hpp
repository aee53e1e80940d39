#pragma once
/// Zero-shot recommendations for a workload never measured (issue 14): one Gaussian process
/// over (workload, config) fitted on every measured config of every known workload, so a
/// new workload borrows from all its neighbours at once, weighted by how alike their
/// responses to the knobs are, and at its own scale (nprocs enters the workload distance on
/// a log scale).
///
/// - Workload distance: sum_j w_j (f_aj - f_bj)^2 over transformed features (fractions as
///   they are; counts such as nprocs as log2, divided by the known workloads' log2 span).
///   The weights w_j >= 0 are learned so that the distance of two known workloads matches
///   the mean squared difference of their log gains over the configs both measured.
/// - Config distance: the loop's GP coordinates (ordered knob: level / (levels - 1);
///   unordered: 0 or 1), with per-knob lengthscales fitted on each workload's own runs.
/// - Kernel: Matern 5/2 on the sum of both, times a signal variance, plus noise; the
///   workload lengthscale, signal and noise are fitted by marginal likelihood.
/// - Target: the log gain of a config's mean perf over its workload's baseline, so the
///   baseline is 0 on every workload.
///
/// Safety: top-1 is the candidate with the best posterior mean among those whose mean minus
/// `safety_z` posterior stddevs is above 0 (unlikely to lose to the baseline) and that no
/// close neighbour measured as worse than its baseline. When none qualifies, the evidence
/// is weak and the recommendation says so: the best config whose mean is above 0 by a
/// smaller `weak_z` stddevs comes first with the baseline kept among the configs, or, when
/// none is, the baseline comes first. The picks after top-1 must differ from the earlier
/// ones in a few knobs, so the three are not near-duplicates.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "iorec/core/rng.hpp"
#include "iorec/model/local_gp.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"
#include "iorec/state/study_state.hpp"

namespace iorec::deploy {

/// How the model is fitted.
struct ZeroShotParams {
  size_t fit_rows_per_workload = 20;  ///< rows per workload for the hyperparameter search
  int max_fit_evaluations = 80;
  /// Learn the feature weights of the workload distance (false: every transformed feature
  /// weighs alike).
  bool learn_feature_weights = true;
  /// At most this many (workload, config) rows condition the GP (time grows with the cube,
  /// memory with the square); larger studies keep an evenly spaced share of each workload's
  /// configs by gain, its best included. The candidates stay every measured config.
  size_t max_rows = 4000;
};

/// How a recommendation is chosen from the model's predictions.
struct ZeroShotRule {
  double safety_z = 2.0;  ///< top-1 needs mean - z * stddev > 0 (log gain)
  int top_k = 3;
  /// When no config passes: the baseline first (true), or the config most likely to beat
  /// it first with the baseline kept among the returned configs (false).
  bool baseline_when_weak = true;
  /// Top-1 must not have run below the baseline on the nearest known workload.
  bool veto_nearest_losses = true;
  /// When no config passes `safety_z` and `baseline_when_weak`: the best predicted config
  /// whose mean is above 0 by `weak_z` stddevs, not vetoed by the nearest workload (and,
  /// with `weak_neighbours` > 0, that beat the baseline as measured at each of that many
  /// nearest known workloads that ran it, at least one of them) comes first; the evidence
  /// is still called weak and the baseline is kept among the configs. When none qualifies,
  /// or weak_z <= 0 and no neighbours: the baseline first.
  double weak_z = 1.5;
  int weak_neighbours = 0;
  /// The picks after top-1 differ from every earlier pick in at least this many knobs (0:
  /// the next best predicted means, near-duplicates included).
  int min_knobs_apart = 3;
};

struct ZeroShotPick {
  space::Config config;
  state::LogGain mean;  ///< predicted log gain over the baseline at the new workload
  double stddev = 0.0;  ///< posterior stddev of that log gain
  bool safe = false;    ///< passed the safety rule
};

struct ZeroShotRecommendation {
  std::vector<ZeroShotPick> configs;  ///< top-1 first, then by predicted mean
  /// No candidate passed the safety rule: the baseline is top-1.
  bool weak_evidence = false;
  std::string note;  ///< why, for users, when weak_evidence
};

/// Fitted once from a study state; Recommend() is then cheap and const.
class ZeroShot {
 public:
  /// Uses every workload of `state` with a baseline and measured configs. `rng` picks the
  /// rows the hyperparameter search sees. Throws core::InputError when the state has fewer
  /// than two such workloads.
  ZeroShot(const state::StudyState& state, ZeroShotParams params, core::Rng& rng);

  /// Precondition: features.size() == the state's feature count.
  ZeroShotRecommendation Recommend(const std::vector<double>& features,
                                   const ZeroShotRule& rule = {}) const;

  /// The posterior log gain over the baseline of each config at a workload with these
  /// features: mean, and (when `stddev` is not null) its standard deviation.
  void Predict(const std::vector<double>& features, const std::vector<space::Config>& configs,
               std::vector<double>& mean, std::vector<double>* stddev) const;

  const space::Space& space() const { return state_.space(); }
  const space::Config& baseline() const { return state_.baseline_config(); }
  /// Every config measured on some known workload, and the baseline.
  const std::vector<space::Config>& candidates() const { return candidates_; }
  /// The knob lengthscales (fitted on each workload's own runs) and their signal and noise.
  const model::GpHyper& config_hyper() const { return config_hyper_; }
  /// The (workload, config) rows the GP is conditioned on.
  size_t rows() const { return rows_.size(); }
  /// Learned weight per feature of the workload distance (diagnostics, docs).
  const std::vector<double>& feature_weights() const { return weight_; }

 private:
  struct Row {
    size_t workload;
    space::Config config;
    double y;  ///< log gain of the config's mean perf, minus the prior mean
  };
  std::vector<double> Transform(const std::vector<double>& f) const;
  double WorkloadDist2(const std::vector<double>& a, const std::vector<double>& b) const;
  double ConfigDist2(const space::Config& a, const space::Config& b) const;
  void CapRows();
  void LearnWeights();
  void FitConfigLengthscales();
  void FitKernel(core::Rng& rng);
  double LogMarginal(const std::vector<size_t>& rows, double log_lw, double log_sig,
                     double log_noise) const;
  void Condition();
  double Kernel(const Row& a, const Row& b) const;
  /// Scaled squared workload distance from these features to each known workload.
  std::vector<double> WorkloadDistances(const std::vector<double>& features) const;
  double Variance(const std::vector<double>& wd, const space::Config& c) const;
  /// The first of `ranked` that the weak-evidence rule accepts as top-1, or nullptr.
  const ZeroShotPick* WeakChoice(const std::vector<double>& wd,
                                 const std::vector<ZeroShotPick>& ranked,
                                 const ZeroShotRule& rule) const;

  const state::StudyState& state_;
  ZeroShotParams params_;
  std::vector<size_t> known_;            ///< state workload index per known workload
  std::vector<std::vector<double>> tf_;  ///< transformed features per known workload
  std::vector<bool> log_feature_;        ///< per feature: a count, on log2
  std::vector<double> log_span_;         ///< per feature: log2 span over known (>= 1)
  std::vector<double> weight_;           ///< per feature, learned
  model::GpHyper config_hyper_;
  std::vector<std::vector<double>> knob_dist_;  ///< model::KnobDistances of the fitted lengths
  double inv_lw2_ = 1.0, sig_ = 1.0, noise_ = 0.1, prior_mean_ = 0.0;
  std::vector<Row> rows_;
  std::vector<space::Config> candidates_;
  std::vector<double> chol_, alpha_;
  /// Per known workload: each measured config's log gain.
  std::vector<std::unordered_map<space::Config, double, space::ConfigHash>> measured_;
};

}  // namespace iorec::deploy
