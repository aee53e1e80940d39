#pragma once
/// Onboarding a new workload (issue 14): a few runs on the workload itself, chosen with
/// everything the study measured. The baseline first (every gain is relative to it), then
/// the zero-shot picks, then the best upper bound of the zero-shot model corrected by a GP
/// on this workload's own runs (its residuals from the zero-shot means), among every
/// config measured anywhere and the single-knob and knob-pair moves of the best config
/// measured here.
#include <optional>
#include <string>
#include <vector>

#include "iorec/deploy/zero_shot.hpp"
#include "iorec/space/space.hpp"
#include "iorec/state/gain.hpp"

namespace iorec::deploy {

/// One run of the new workload.
struct OnboardRun {
  space::Config config;
  state::Perf perf;
};

struct OnboardParams {
  ZeroShotRule zero_shot;     ///< the zero-shot picks run after the baseline
  double explore_beta = 0.3;  ///< weight of the residual GP's stddev in the upper bound
  bool pair_moves = true;     ///< also consider moving two knobs of the best config at once
  /// The config to apply must beat the baseline's measured perf by `confidence_z` times the
  /// standard deviation of a difference of two runs (the study's noise estimate).
  double confidence_z = 2.0;
};

struct OnboardChoice {
  space::Config config;
  state::RelGain measured_gain;  ///< its measured gain over the baseline run (0: baseline)
  bool is_baseline = true;
  std::string why;
};

class Onboarding {
 public:
  /// `model` must outlive this object.
  Onboarding(const ZeroShot& model, std::vector<double> features, OnboardParams params = {});

  /// The next config to run, never one in `runs`. nullopt when every candidate has run.
  std::optional<space::Config> Next(const std::vector<OnboardRun>& runs) const;

  /// The config to apply after `runs`: the best measured mean when it beats the baseline by
  /// the noise margin, else the baseline. Precondition: the baseline is among `runs`.
  OnboardChoice Choose(const std::vector<OnboardRun>& runs) const;

  /// The run-to-run noise assumed, as the stddev of one run's log perf.
  double noise_sd() const { return noise_sd_; }

 private:
  const ZeroShot& model_;
  std::vector<double> features_;
  OnboardParams params_;
  std::vector<space::Config> zero_shot_picks_;
  double noise_sd_ = 0.0;
};

}  // namespace iorec::deploy
