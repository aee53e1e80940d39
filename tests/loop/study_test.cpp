#include "iorec/loop/study.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "iorec/core/error.hpp"
#include "iorec/runner/stub_testbed.hpp"

namespace iorec::loop {
namespace {

config::StudyConfig SmallConfig() {
  config::StudyConfig cfg;
  cfg.seed = 11;
  std::vector<space::Knob> knobs;
  const std::vector<size_t> levels = {4, 5, 3, 4, 6};
  for (size_t i = 0; i < levels.size(); ++i) {
    space::Knob k;
    k.name = "knob" + std::to_string(i);
    for (size_t l = 0; l < levels[i]; ++l)
      k.values.push_back(space::KnobValue::Int(1 << l, std::to_string(1 << l)));
    knobs.push_back(k);
  }
  cfg.space = space::Space(knobs);
  cfg.baseline = space::Config({1, 1, 0, 2, 3});
  cfg.warm_start.target_size = 12;
  cfg.active.ensemble_size = 3;
  cfg.active.iterations = 3;
  cfg.active.batch_per_iter = 3;
  cfg.active.enum_threshold_hard = 100;  // 1440 configs: exercises the mutation pool
  cfg.active.candidate_max_pool = 300;
  cfg.active.oracle_mode = config::OracleMode::kWarmOnly;
  cfg.model.num_rounds = 20;
  cfg.model.max_depth = 3;
  cfg.deploy.topk_per_pattern = 5;
  return cfg;
}

space::WorkloadSet SmallWorkloads() { return config::SyntheticWorkloads(11, 4, 5); }

class FailingRunner final : public runner::Runner {
 public:
  explicit FailingRunner(runner::Runner& inner, std::set<uint64_t> fail_ids, bool fail_all = false)
      : inner_(inner), fail_(std::move(fail_ids)), all_(fail_all) {}
  runner::TrialOutcome Run(const runner::TrialRequest& r) override {
    if (all_ || fail_.count(r.trial_id)) {
      runner::TrialOutcome o;
      o.ok = false;
      o.failure_reason = "exit code 1";
      return o;
    }
    return inner_.Run(r);
  }
  std::string name() const override { return "failing"; }

 private:
  runner::Runner& inner_;
  std::set<uint64_t> fail_;
  bool all_;
};

TEST(StudyTest, LoopAddsExactlyBatchNewDistinctConfigsPerWorkloadPerIteration) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  runner::SerialExecutor exec(stub);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  ASSERT_EQ(res.iterations_run, 3);
  std::map<std::pair<uint32_t, int>, std::vector<space::Config>> active;
  std::map<uint32_t, std::set<space::Config>> before;
  for (const auto& o : res.observations) {
    if (o.source == runner::TrialSource::kActive)
      active[{o.workload, o.iteration}].push_back(o.config);
  }
  for (uint32_t w = 0; w < ws.size(); ++w) {
    std::set<space::Config> seen;
    for (const auto& o : res.observations) {
      if (o.workload == w && o.iteration == 0) seen.insert(o.config);
    }
    for (int t = 1; t <= 3; ++t) {
      const auto& batch = active[{w, t}];
      ASSERT_EQ(batch.size(), 3u) << "workload " << w << " iteration " << t;
      for (const auto& c : batch) {
        EXPECT_TRUE(seen.insert(c).second) << "config re-tested on workload " << w;
      }
    }
  }
  EXPECT_EQ(res.history.size(), 4u);  // warm + 3 iterations
  EXPECT_EQ(res.history.front().candidate_modes.size(), 0u);
  EXPECT_EQ(res.history.back().candidate_modes.at("mutation"), 4);
}

TEST(StudyTest, SameSeedGivesIdenticalStudy) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.02);
  runner::SerialExecutor exec(stub);
  const auto a = RunStudy(cfg, ws, exec, nullptr, {});
  const auto b = RunStudy(cfg, ws, exec, nullptr, {});
  ASSERT_EQ(a.observations.size(), b.observations.size());
  for (size_t i = 0; i < a.observations.size(); ++i) {
    EXPECT_EQ(a.observations[i].config, b.observations[i].config);
    EXPECT_EQ(a.observations[i].perf, b.observations[i].perf);
  }
}

TEST(StudyTest, SurrogateIsPerWorkloadGpUnlessTurnedOff) {
  auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.02);
  runner::SerialExecutor exec(stub);
  const auto with_gp = RunStudy(cfg, ws, exec, nullptr, {});
  cfg.model.local_gp = false;
  const auto trees = RunStudy(cfg, ws, exec, nullptr, {});
  ASSERT_EQ(with_gp.history.size(), 4u);
  ASSERT_EQ(trees.history.size(), 4u);
  EXPECT_TRUE(with_gp.history[0].surrogates.empty());  // warm start
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(with_gp.history[i].surrogates, (std::map<std::string, int>{{"gp", 4}}));
    EXPECT_EQ(trees.history[i].surrogates, (std::map<std::string, int>{{"trees", 4}}));
  }
  // Both train the final tree model that `recommend` uses; the loops choose differently.
  EXPECT_TRUE(with_gp.model && with_gp.model->fitted());
  EXPECT_TRUE(trees.model && trees.model->fitted());
  bool differ = false;
  for (size_t i = 0; i < with_gp.observations.size(); ++i)
    differ |= with_gp.observations[i].config != trees.observations[i].config;
  EXPECT_TRUE(differ);
}

TEST(StudyTest, BaselineRunsOnceAndGainIsRelativeToIt) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  runner::SerialExecutor exec(stub);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  for (uint32_t w = 0; w < ws.size(); ++w) {
    int baselines = 0;
    for (const auto& o : res.observations) {
      if (o.workload != w) continue;
      if (o.source == runner::TrialSource::kBaseline) {
        ++baselines;
        EXPECT_EQ(o.config, cfg.baseline);
        EXPECT_EQ(o.gain, 0.0);
      }
      EXPECT_NEAR(o.gain, o.perf - res.workloads[w].baseline_perf, 1e-9);
    }
    EXPECT_EQ(baselines, 1);
  }
}

TEST(StudyTest, ReplicatesRerunTheBestNewConfigs) {
  auto cfg = SmallConfig();
  cfg.active.replicate_top_n = 1;
  cfg.active.replicate_repeats = 2;
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.05);
  runner::SerialExecutor exec(stub);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  size_t reps = 0;
  for (const auto& o : res.observations) reps += o.source == runner::TrialSource::kReplicate;
  EXPECT_EQ(reps, ws.size() * 3 /*iterations*/ * 1 * 2);
  EXPECT_EQ(res.history.back().replicate_runs, static_cast<int>(ws.size() * 2));
}

TEST(StudyTest, FailedTrialsAreDataAndExcludedFromTraining) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  FailingRunner failing(stub, {5, 30, 70});
  runner::SerialExecutor exec(failing);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  size_t failed = 0;
  for (const auto& o : res.observations) {
    if (!o.ok) {
      ++failed;
      EXPECT_EQ(o.failure_reason, "exit code 1");
    }
  }
  EXPECT_EQ(failed, 3u);
  const auto data = BuildDataset(cfg.space, ws, res.workloads);
  EXPECT_EQ(data.num_rows(), res.observations.size() - failed);
}

TEST(StudyTest, EveryTrialFailingStopsWithAClearError) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  FailingRunner failing(stub, {}, true);
  runner::SerialExecutor exec(failing);
  try {
    RunStudy(cfg, ws, exec, nullptr, {});
    FAIL() << "expected an error";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("every trial of the batch failed"), std::string::npos);
  }
}

TEST(StudyTest, EarlyStopAfterStaleRounds) {
  auto cfg = SmallConfig();
  cfg.active.iterations = 30;
  cfg.active.early_stop_rounds = 2;
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  runner::SerialExecutor exec(stub);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  EXPECT_LT(res.iterations_run, 30);
  EXPECT_NE(res.stop_reason.find("early stop"), std::string::npos);
}

TEST(StudyTest, EnumeratedPoolForSmallSpaces) {
  auto cfg = SmallConfig();
  cfg.active.enum_threshold_hard = 100000;
  cfg.active.iterations = 1;
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  runner::SerialExecutor exec(stub);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  EXPECT_EQ(res.history.back().candidate_modes.at("enumerated"), 4);
}

TEST(StudyTest, RankMeasuredUsesRobustScore) {
  WorkloadState st;
  st.baseline_perf = 10;
  st.configs.push_back({space::Config({0}), {20.0, 10.0, 30.0}});  // mean 20, std 10
  st.configs.push_back({space::Config({1}), {15.0}});              // mean 15, std 0
  st.configs.push_back({space::Config({2}), {}});                  // failed
  const auto r0 = RankMeasured(st, 0.0);
  ASSERT_EQ(r0.size(), 2u);
  EXPECT_EQ(r0[0]->config, space::Config({0}));
  const auto r1 = RankMeasured(st, 1.0);
  EXPECT_EQ(r1[0]->config, space::Config({1}));
}

}  // namespace
}  // namespace iorec::loop
