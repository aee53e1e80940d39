#include "iorec/model/local_gp.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/space_util.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/rng.hpp"

namespace iorec::model {
namespace {

using test_support::IntSpace;

TEST(LocalGpTest, EmptyDataGivesThePrior) {
  const auto s = IntSpace({4, 4});
  const GpHyper h = DefaultGpHyper(s, 0.25);
  const LocalGp gp(s, h, {});
  double mean = 1.0, var = 0.0;
  gp.Predict({space::Config({1, 2})}, &mean, &var);
  EXPECT_EQ(mean, 0.0);
  EXPECT_NEAR(var, 0.25, 1e-12);
  EXPECT_EQ(gp.LogMarginal(), 0.0);
}

TEST(LocalGpTest, FollowsTheDataNearItAndRevertsFarAway) {
  const auto s = IntSpace({11, 11});
  GpHyper h = DefaultGpHyper(s, 1.0);
  h.log_lengthscale = {std::log(0.2), std::log(0.2)};
  h.log_noise_var = std::log(1e-6);
  GpData d;
  d.configs = {space::Config({0, 0}), space::Config({1, 0}), space::Config({0, 1})};
  d.y = {1.0, 0.8, 0.6};
  const LocalGp gp(s, h, d);
  std::vector<double> mean(4), var(4);
  gp.Predict({space::Config({0, 0}), space::Config({1, 0}), space::Config({0, 1}),
              space::Config({10, 10})},
             mean.data(), var.data());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(mean[i], d.y[i], 1e-3) << i;
    EXPECT_LT(var[i], 1e-3) << i;
  }
  EXPECT_NEAR(mean[3], 0.0, 1e-3);
  EXPECT_NEAR(var[3], 1.0, 1e-3);
}

TEST(LocalGpTest, UnorderedLevelsAreEquallyFarApart) {
  const auto s = IntSpace({5}, {false});
  GpHyper h = DefaultGpHyper(s, 1.0);
  GpData d;
  d.configs = {space::Config({0})};
  d.y = {1.0};
  const LocalGp gp(s, h, d);
  std::vector<double> mean(4);
  gp.Predict({space::Config({1}), space::Config({2}), space::Config({3}), space::Config({4})},
             mean.data(), nullptr);
  for (size_t i = 1; i < 4; ++i) EXPECT_DOUBLE_EQ(mean[i], mean[0]);
  EXPECT_GT(mean[0], 0.0);
  EXPECT_LT(mean[0], 1.0);
}

TEST(LocalGpTest, NoiseVarianceSmoothsRepeatedMeasurements) {
  const auto s = IntSpace({6});
  GpHyper h = DefaultGpHyper(s, 1.0);
  h.log_noise_var = std::log(0.5);
  GpData d;
  d.configs = {space::Config({2}), space::Config({2})};
  d.y = {1.0, 0.0};  // two noisy runs of one config: the posterior sits between them
  const LocalGp gp(s, h, d);
  double mean = 0, var = 0;
  gp.Predict({space::Config({2})}, &mean, &var);
  EXPECT_NEAR(mean, 0.5 * 2.0 / 2.5, 1e-9);  // k (K + s I)^-1 y with k = 1, two points
  EXPECT_GT(var, 0.1);
}

TEST(LocalGpTest, HyperFitFindsTheKnobThatMatters) {
  // The target depends on knob 0 only (a smooth bowl); knob 1 is irrelevant. Shared
  // hyperparameters over three workloads with shifted optima.
  const auto s = IntSpace({8, 8});
  core::Rng rng(5, "gp_data");
  std::vector<GpData> data(3);
  for (size_t w = 0; w < data.size(); ++w) {
    const double opt = 0.2 + 0.3 * static_cast<double>(w);
    for (int i = 0; i < 25; ++i) {
      const auto a = static_cast<uint8_t>(rng.UniformInt(8));
      const auto b = static_cast<uint8_t>(rng.UniformInt(8));
      const double x = a / 7.0 - opt;
      data[w].configs.push_back(space::Config({a, b}));
      data[w].y.push_back(-2.0 * x * x + 0.01 * rng.Normal());
    }
  }
  const GpHyper start = DefaultGpHyper(s, 0.1);
  auto total = [&](const GpHyper& h) {
    double t = 0;
    for (const auto& d : data) t += LocalGp(s, h, d).LogMarginal();
    return t;
  };
  const GpHyper fit = FitGpHyper(s, data, start, 1.0, 400);
  EXPECT_GT(total(fit), total(start));
  EXPECT_GT(fit.log_lengthscale[1], fit.log_lengthscale[0] + 1.0);
  EXPECT_LT(std::exp(fit.log_noise_var), 0.01);
  // Deterministic.
  const GpHyper again = FitGpHyper(s, data, start, 1.0, 400);
  EXPECT_EQ(again.log_lengthscale, fit.log_lengthscale);
  EXPECT_EQ(again.log_noise_var, fit.log_noise_var);
}

TEST(LocalGpTest, RejectsMismatchedInputs) {
  const auto s = IntSpace({4, 4});
  GpHyper h = DefaultGpHyper(s, 1.0);
  h.log_lengthscale.pop_back();
  EXPECT_THROW(LocalGp(s, h, {}), core::Error);
  GpData d;
  d.configs = {space::Config({0, 0})};
  EXPECT_THROW(LocalGp(s, DefaultGpHyper(s, 1.0), d), core::Error);
  EXPECT_THROW(DefaultGpHyper(s, 0.0), core::Error);
}

}  // namespace
}  // namespace iorec::model
