#include "iorec/deploy/onboard.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "iorec/core/error.hpp"
#include "iorec/model/local_gp.hpp"

namespace iorec::deploy {
namespace {

/// Mean perf per config over its runs, in first-run order.
std::vector<std::pair<space::Config, double>> MeanPerf(const std::vector<OnboardRun>& runs) {
  std::map<space::Config, std::pair<double, int>> sum;
  std::vector<space::Config> order;
  for (const auto& r : runs) {
    auto& s = sum[r.config];
    if (s.second == 0) order.push_back(r.config);
    s.first += r.perf.value;
    s.second += 1;
  }
  std::vector<std::pair<space::Config, double>> out;
  for (const auto& c : order) out.emplace_back(c, sum[c].first / sum[c].second);
  return out;
}

}  // namespace

Onboarding::Onboarding(const ZeroShot& model, std::vector<double> features, OnboardParams params)
    : model_(model), features_(std::move(features)), params_(params) {
  for (const auto& p : model_.Recommend(features_, params_.zero_shot).configs) {
    zero_shot_picks_.push_back(p.config);
  }
  noise_sd_ = std::sqrt(std::exp(model_.config_hyper().log_noise_var));
}

std::optional<space::Config> Onboarding::Next(const std::vector<OnboardRun>& runs) const {
  const space::Config& baseline = model_.baseline();
  std::set<space::Config> ran;
  for (const auto& r : runs) ran.insert(r.config);
  if (!ran.count(baseline)) return baseline;
  for (const auto& c : zero_shot_picks_) {
    if (!ran.count(c)) return c;
  }
  const auto means = MeanPerf(runs);
  const double base_perf = std::find_if(means.begin(), means.end(), [&](const auto& m) {
                             return m.first == baseline;
                           })->second;
  const auto best = std::max_element(means.begin(), means.end(), [](const auto& a, const auto& b) {
                      return a.second < b.second;
                    })->first;
  // Candidates: every config measured anywhere, and the single-knob and knob-pair moves of
  // the best here.
  std::set<space::Config> pool(model_.candidates().begin(), model_.candidates().end());
  const auto& space = model_.space();
  for (size_t k = 0; k < space.num_knobs(); ++k) {
    for (size_t l = 0; l < space.levels(k); ++l) {
      space::Config c = best;
      c.set_level(core::KnobIndex(k), core::LevelIndex(l));
      pool.insert(c);
      for (size_t k2 = k + 1; params_.pair_moves && k2 < space.num_knobs(); ++k2) {
        for (size_t l2 = 0; l2 < space.levels(k2); ++l2) {
          space::Config c2 = c;
          c2.set_level(core::KnobIndex(k2), core::LevelIndex(l2));
          pool.insert(c2);
        }
      }
    }
  }
  std::vector<space::Config> cands;
  for (const auto& c : pool) {
    if (!ran.count(c)) cands.push_back(c);
  }
  if (cands.empty()) return std::nullopt;
  // The zero-shot model's means, corrected by a GP on this workload's residuals.
  std::vector<space::Config> seen;
  for (const auto& m : means) seen.push_back(m.first);
  std::vector<double> prior_seen, prior;
  model_.Predict(features_, seen, prior_seen, nullptr);
  model_.Predict(features_, cands, prior, nullptr);
  model::GpData data;
  for (size_t i = 0; i < means.size(); ++i) {
    data.configs.push_back(means[i].first);
    data.y.push_back(std::log(means[i].second / base_perf) - prior_seen[i]);
  }
  const model::LocalGp residual(space, model_.config_hyper(), data);
  std::vector<double> mean(cands.size()), var(cands.size());
  residual.Predict(cands, mean.data(), var.data());
  size_t pick = 0;
  double best_score = -INFINITY;
  for (size_t i = 0; i < cands.size(); ++i) {
    const double score = prior[i] + mean[i] + params_.explore_beta * std::sqrt(var[i]);
    if (score > best_score) best_score = score, pick = i;
  }
  return cands[pick];
}

OnboardChoice Onboarding::Choose(const std::vector<OnboardRun>& runs) const {
  const space::Config& baseline = model_.baseline();
  const auto means = MeanPerf(runs);
  const auto base =
      std::find_if(means.begin(), means.end(), [&](const auto& m) { return m.first == baseline; });
  if (base == means.end()) throw core::Error("Onboarding::Choose: the baseline has not run");
  const auto best = std::max_element(
      means.begin(), means.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  OnboardChoice out;
  out.config = baseline;
  const double log_gain = std::log(best->second / base->second);
  const double margin = params_.confidence_z * std::sqrt(2.0) * noise_sd_;
  if (best->first == baseline) {
    out.why = "no config measured here beat the baseline";
  } else if (log_gain <= margin) {
    out.why = "the best config measured here beat the baseline by less than the noise margin";
  } else {
    out.config = best->first;
    out.is_baseline = false;
    out.measured_gain = state::Relative(state::Perf{best->second}, state::Perf{base->second});
    out.why = "the best config measured here";
  }
  return out;
}

}  // namespace iorec::deploy
