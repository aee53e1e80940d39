#include "iorec/deploy/onboard.hpp"

#include <gtest/gtest.h>

#include "deploy/scaled_study.hpp"
#include "iorec/core/error.hpp"

namespace iorec::deploy {
namespace {

using test_support::ScaledPerf;
using test_support::ScaledStudy;

/// Runs onboarding for `n` runs on a new workload at `nprocs`, noise-free.
std::vector<OnboardRun> Onboard(const Onboarding& ob, double nprocs, int n) {
  std::vector<OnboardRun> runs;
  for (int i = 0; i < n; ++i) {
    const auto next = ob.Next(runs);
    if (!next) break;
    runs.push_back({*next, state::Perf{ScaledPerf(nprocs, *next)}});
  }
  return runs;
}

TEST(OnboardingTest, RunsTheBaselineThenTheZeroShotPicksThenNewConfigs) {
  const auto st = ScaledStudy({1, 4, 64, 256}, ScaledPerf);
  core::Rng rng(7, "zero_shot");
  const ZeroShot zs(st, {}, rng);
  const Onboarding ob(zs, {0.5, 16});
  const auto picks = zs.Recommend({0.5, 16}).configs;
  const auto runs = Onboard(ob, 16, 6);
  ASSERT_EQ(runs.size(), 6u);
  EXPECT_EQ(runs[0].config, st.baseline_config());
  for (size_t i = 0; i < picks.size(); ++i) EXPECT_EQ(runs[1 + i].config, picks[i].config);
  for (size_t i = 0; i < runs.size(); ++i) {
    for (size_t j = 0; j < i; ++j) EXPECT_NE(runs[i].config, runs[j].config);
  }
}

TEST(OnboardingTest, FindsAKnobTheStudyNeverVaried) {
  // The study never moved k1 (worth 5% at level 1): only the single-knob moves of the best
  // config measured on the new workload can find it.
  const auto st = ScaledStudy({1, 4, 64, 256}, ScaledPerf, /*k1_fixed=*/true);
  core::Rng rng(7, "zero_shot");
  const ZeroShot zs(st, {}, rng);
  const Onboarding ob(zs, {0.5, 16});
  const auto runs = Onboard(ob, 16, 10);
  const auto best = std::max_element(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
    return a.perf.value < b.perf.value;
  });
  EXPECT_EQ(best->config, space::Config({2, 1}));
  const auto choice = ob.Choose(runs);
  EXPECT_FALSE(choice.is_baseline);
  EXPECT_EQ(choice.config, space::Config({2, 1}));
  EXPECT_NEAR(choice.measured_gain.value,
              ScaledPerf(16, best->config) / ScaledPerf(16, st.baseline_config()) - 1.0, 1e-12);
}

TEST(OnboardingTest, KeepsTheBaselineUnlessAConfigBeatsItByTheNoiseMargin) {
  const auto st = ScaledStudy({1, 4, 64, 256}, ScaledPerf);
  core::Rng rng(7, "zero_shot");
  const ZeroShot zs(st, {}, rng);
  OnboardParams params;
  params.confidence_z = 2.0;
  const Onboarding ob(zs, {0.5, 16}, params);
  const double margin = std::exp(2.0 * std::sqrt(2.0) * ob.noise_sd());
  const space::Config base = st.baseline_config(), other({3, 2});
  const auto just_below = ob.Choose({{base, {100.0}}, {other, {100.0 * margin * 0.999}}});
  EXPECT_TRUE(just_below.is_baseline);
  EXPECT_EQ(just_below.config, base);
  const auto above = ob.Choose({{base, {100.0}}, {other, {100.0 * margin * 1.001}}});
  EXPECT_FALSE(above.is_baseline);
  EXPECT_EQ(above.config, other);
  EXPECT_THROW(ob.Choose({{other, {100.0}}}), core::Error);
}

}  // namespace
}  // namespace iorec::deploy
