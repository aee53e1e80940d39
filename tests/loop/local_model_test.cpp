#include "iorec/loop/local_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "common/space_util.hpp"
#include "common/state_util.hpp"
#include "iorec/core/rng.hpp"

namespace iorec::loop {
namespace {

space::Space MakeSpace() { return test_support::IntSpace({7, 7, 7}); }

// log(perf) is a bowl on knob 0 centred at `opt` (in level units); knob 1 adds a weaker
// slope; knob 2 does nothing.
double TruePerf(const space::Config& c, double opt) {
  const double d = (c[0] - opt) / 6.0;
  return 100.0 * std::exp(-3.0 * d * d + 0.05 * c[1]);
}

const space::Config kBaseline({3, 3, 3});

/// Workload w has its optimum at opts[w]; each measures its baseline {3,3,3} and `runs`
/// random configs once (1% noise). An opt < 0 leaves the workload without runs.
state::StudyState MakeState(const space::Space& s, const std::vector<double>& opts, size_t runs,
                            core::Rng& rng) {
  std::vector<std::vector<double>> features;
  for (size_t w = 0; w < opts.size(); ++w) features.push_back({static_cast<double>(w)});
  test_support::StateBuilder b(s, kBaseline, test_support::Workloads(features));
  for (uint32_t w = 0; w < opts.size(); ++w) {
    if (opts[w] < 0) continue;
    b.Baseline(w, TruePerf(kBaseline, opts[w]));
    std::set<space::Config> seen = {kBaseline};
    for (size_t i = 0; i < runs; ++i) {
      const space::Config c = s.Random(rng);
      if (seen.insert(c).second) b.Run(w, c, TruePerf(c, opts[w]) * (1.0 + 0.01 * rng.Normal()));
    }
  }
  return std::move(b.state());
}

TEST(LocalModelTest, LearnsEachWorkloadsOwnOptimum) {
  const auto s = MakeSpace();
  core::Rng rng(3, "local_model_test");
  const auto state = MakeState(s, {1.0, 5.0}, 40, rng);
  model::GpHyper hyper;
  const auto models = FitLocalModels(state, hyper);
  EXPECT_EQ(hyper.log_lengthscale.size(), 3u);
  EXPECT_STREQ(models.name(), "gp");
  for (size_t w = 0; w < 2; ++w) {
    ASSERT_TRUE(models.Covers(w));
    std::vector<space::Config> sweep;
    for (uint8_t l = 0; l < 7; ++l) sweep.push_back(space::Config({l, 3, 3}));
    const auto p = models.Predict(w, sweep);
    size_t best = 0;
    for (size_t l = 1; l < 7; ++l) best = p.mean[l] > p.mean[best] ? l : best;
    EXPECT_EQ(best, w == 0 ? 1u : 5u) << "workload " << w;
    // Predictions are log gains: close to the truth at the optimum.
    const double opt = w == 0 ? 1.0 : 5.0;
    EXPECT_NEAR(p.mean[best], std::log(TruePerf(sweep[best], opt) / TruePerf(kBaseline, opt)),
                0.05);
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
  const auto state = MakeState(s, {2.0, -1.0}, 30, rng);
  model::GpHyper h1, h2;
  const auto a = FitLocalModels(state, h1);
  const auto b = FitLocalModels(state, h2);
  EXPECT_TRUE(a.Covers(0));
  EXPECT_FALSE(a.Covers(1));  // no run measured
  EXPECT_EQ(h1.log_lengthscale, h2.log_lengthscale);
  const std::vector<space::Config> probe = {space::Config({0, 1, 2}), space::Config({6, 6, 6})};
  EXPECT_EQ(a.Predict(0, probe).mean, b.Predict(0, probe).mean);
  // A second call refines the carried hyperparameters instead of starting over.
  const model::GpHyper before = h1;
  FitLocalModels(state, h1);
  double log_marginal_before = 0.0, log_marginal_after = 0.0;
  model::GpData d;
  const auto& rec = state.record(0);
  for (const auto& c : rec.configs) {
    d.configs.push_back(c.config);
    d.y.push_back(rec.LogGainOf(c.Mean()).value);
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
  const auto state = MakeState(s, {3.0}, 600, rng);
  ASSERT_GT(state.record(0).configs.size(), 200u);  // above the hyperparameter-fit subset size
  model::GpHyper hyper;
  const auto models = FitLocalModels(state, hyper);
  ASSERT_TRUE(models.Covers(0));
  // Every measured config is predicted close to its run (1% noise), including those left
  // out of the hyperparameter subset.
  std::vector<space::Config> cs;
  std::vector<double> truth;
  for (const auto& c : state.record(0).configs) {
    cs.push_back(c.config);
    truth.push_back(std::log(TruePerf(c.config, 3.0) / TruePerf(kBaseline, 3.0)));
  }
  const auto p = models.Predict(0, cs);
  for (size_t i = 0; i < cs.size(); ++i) EXPECT_NEAR(p.mean[i], truth[i], 0.03) << i;
}

}  // namespace
}  // namespace iorec::loop
