#include "iorec/loop/local_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/space_util.hpp"
#include "iorec/core/rng.hpp"
#include "iorec/loop/study.hpp"

namespace iorec::loop {
namespace {

space::Space MakeSpace() { return test_support::IntSpace({7, 7, 7}); }

// log(perf / baseline) is a bowl on knob 0 centred at `opt` (in level units); knob 1 adds
// a weaker slope; knob 2 does nothing.
double TruePerf(const space::Config& c, double opt) {
  const double d = (c[0] - opt) / 6.0;
  return 100.0 * std::exp(-3.0 * d * d + 0.05 * c[1]);
}

WorkloadState MakeState(const space::Space& s, double opt, size_t runs, core::Rng& rng) {
  WorkloadState st;
  st.baseline_ok = true;
  st.baseline_perf = 100.0;
  for (size_t i = 0; i < runs; ++i) {
    const space::Config c = s.Random(rng);
    if (!st.index.emplace(c, st.configs.size()).second) continue;
    ConfigStats cs;
    cs.config = c;
    cs.perfs = {TruePerf(c, opt) * (1.0 + 0.01 * rng.Normal())};
    st.configs.push_back(cs);
  }
  return st;
}

TEST(LocalModelTest, LearnsEachWorkloadsOwnOptimum) {
  const auto s = MakeSpace();
  core::Rng rng(3, "local_model_test");
  std::vector<WorkloadState> states = {MakeState(s, 1.0, 40, rng), MakeState(s, 5.0, 40, rng)};
  model::GpHyper hyper;
  const auto models = FitLocalModels(s, states, hyper);
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(hyper.log_lengthscale.size(), 3u);
  for (size_t w = 0; w < 2; ++w) {
    ASSERT_TRUE(models[w].gp);
    std::vector<space::Config> sweep;
    for (uint8_t l = 0; l < 7; ++l) sweep.push_back(space::Config({l, 3, 3}));
    const auto p = models[w].Predict(sweep);
    size_t best = 0;
    for (size_t l = 1; l < 7; ++l) best = p.mean[l] > p.mean[best] ? l : best;
    EXPECT_EQ(best, w == 0 ? 1u : 5u) << "workload " << w;
    // Predictions are log gains: close to the truth at the optimum.
    EXPECT_NEAR(p.mean[best], std::log(TruePerf(sweep[best], w == 0 ? 1.0 : 5.0) / 100.0), 0.05);
    for (double sd : p.stddev) {
      EXPECT_GE(sd, 0.0);
      EXPECT_TRUE(std::isfinite(sd));
    }
  }
  // Knob 2 is irrelevant, knob 0 matters most: the shared lengthscales say so.
  EXPECT_GT(hyper.log_lengthscale[2], hyper.log_lengthscale[0]);
}

TEST(LocalModelTest, SkipsWorkloadsWithoutRunsAndIsDeterministic) {
  const auto s = MakeSpace();
  core::Rng rng(4, "local_model_test");
  std::vector<WorkloadState> states = {MakeState(s, 2.0, 30, rng), WorkloadState{}};
  model::GpHyper h1, h2;
  const auto a = FitLocalModels(s, states, h1);
  const auto b = FitLocalModels(s, states, h2);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_TRUE(a[0].gp);
  EXPECT_FALSE(a[1].gp);  // no baseline measured
  EXPECT_EQ(h1.log_lengthscale, h2.log_lengthscale);
  const std::vector<space::Config> probe = {space::Config({0, 1, 2}), space::Config({6, 6, 6})};
  EXPECT_EQ(a[0].Predict(probe).mean, b[0].Predict(probe).mean);
  // A second call refines the carried hyperparameters instead of starting over.
  const model::GpHyper before = h1;
  FitLocalModels(s, states, h1);
  double log_marginal_before = 0.0, log_marginal_after = 0.0;
  model::GpData d;
  for (const auto& c : states[0].configs) {
    d.configs.push_back(c.config);
    d.y.push_back(ModelTarget(states[0], c.Mean()));
  }
  double mean = 0.0;
  for (double y : d.y) mean += y / static_cast<double>(d.y.size());
  for (double& y : d.y) y -= mean;
  log_marginal_before = model::LocalGp(s, before, d).LogMarginal();
  log_marginal_after = model::LocalGp(s, h1, d).LogMarginal();
  EXPECT_GE(log_marginal_after, log_marginal_before);
}

TEST(LocalModelTest, LongStudiesFitOnASubsetAndPredictFromAllRuns) {
  const auto s = MakeSpace();
  core::Rng rng(6, "local_model_test");
  std::vector<WorkloadState> states = {MakeState(s, 3.0, 600, rng)};
  ASSERT_GT(states[0].configs.size(), 200u);  // above the hyperparameter-fit subset size
  model::GpHyper hyper;
  const auto models = FitLocalModels(s, states, hyper);
  ASSERT_TRUE(models[0].gp);
  // Every measured config is predicted close to its run (1% noise), including those left
  // out of the hyperparameter subset.
  std::vector<space::Config> cs;
  std::vector<double> truth;
  for (const auto& c : states[0].configs) {
    cs.push_back(c.config);
    truth.push_back(std::log(TruePerf(c.config, 3.0) / 100.0));
  }
  const auto p = models[0].Predict(cs);
  for (size_t i = 0; i < cs.size(); ++i) EXPECT_NEAR(p.mean[i], truth[i], 0.03) << i;
}

}  // namespace
}  // namespace iorec::loop
