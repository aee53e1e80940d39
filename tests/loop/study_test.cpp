#include "iorec/loop/study.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "iorec/core/error.hpp"
#include "iorec/deploy/training.hpp"
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

/// Fails the listed trials, every trial of the listed iterations' active batches or of the
/// listed workloads, or the baseline runs.
class SelectiveFailures final : public runner::Runner {
 public:
  explicit SelectiveFailures(runner::Runner& inner) : inner_(inner) {}
  std::set<uint64_t> trial_ids;
  std::set<int> iterations;
  std::set<uint32_t> workloads;
  bool baselines = false;
  runner::TrialOutcome Run(const runner::TrialRequest& r) override {
    const bool fail = trial_ids.count(r.trial_id) || iterations.count(r.iteration) ||
                      workloads.count(r.workload_index) ||
                      (baselines && r.source == runner::TrialSource::kBaseline);
    if (!fail) return inner_.Run(r);
    runner::TrialOutcome o;
    o.failure_reason = "exit code 3";
    return o;
  }
  std::string name() const override { return "selective"; }

 private:
  runner::Runner& inner_;
};

TEST(StudyTest, LoopAddsExactlyBatchNewDistinctConfigsPerWorkloadPerIteration) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  runner::SerialExecutor exec(stub);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  ASSERT_EQ(res.iterations_run(), 3);
  std::map<std::pair<uint32_t, int>, std::vector<space::Config>> active;
  std::map<uint32_t, std::set<space::Config>> before;
  for (const auto& o : res.state.trials()) {
    if (o.source == runner::TrialSource::kActive)
      active[{o.workload, o.iteration}].push_back(o.config);
  }
  for (uint32_t w = 0; w < ws.size(); ++w) {
    std::set<space::Config> seen;
    for (const auto& o : res.state.trials()) {
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
  // Without an oracle the metrics compare with the best warm-start result, which the top-3
  // always holds or beats: regret@3 0 and hit@3 1 at every iteration, as the report says.
  for (const auto& h : res.history) {
    EXPECT_FALSE(h.against_truth);
    EXPECT_DOUBLE_EQ(h.regret_at_3, 0.0);
    EXPECT_DOUBLE_EQ(h.hit_at_3, 1.0);
  }
}

TEST(StudyTest, SameSeedGivesIdenticalStudy) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.02);
  runner::SerialExecutor exec(stub);
  const auto a = RunStudy(cfg, ws, exec, nullptr, {});
  const auto b = RunStudy(cfg, ws, exec, nullptr, {});
  ASSERT_EQ(a.state.trials().size(), b.state.trials().size());
  for (size_t i = 0; i < a.state.trials().size(); ++i) {
    EXPECT_EQ(a.state.trials()[i].config, b.state.trials()[i].config);
    EXPECT_EQ(a.state.trials()[i].perf.value, b.state.trials()[i].perf.value);
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
  for (size_t i = 0; i < with_gp.state.trials().size(); ++i)
    differ |= with_gp.state.trials()[i].config != trees.state.trials()[i].config;
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
    for (const auto& o : res.state.trials()) {
      if (o.workload != w) continue;
      if (o.source == runner::TrialSource::kBaseline) {
        ++baselines;
        EXPECT_EQ(o.config, cfg.baseline);
        EXPECT_EQ(res.state.Gain(o).value, 0.0);
      }
      EXPECT_NEAR(res.state.Gain(o).value, o.perf.value / res.state.record(w).baseline.value - 1.0,
                  1e-12);
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
  for (const auto& o : res.state.trials()) reps += o.source == runner::TrialSource::kReplicate;
  EXPECT_EQ(reps, ws.size() * 3 /*iterations*/ * 1 * 2);
  EXPECT_EQ(res.history.back().replicate_runs, static_cast<int>(ws.size() * 2));
}

TEST(StudyTest, FailedTrialsAreDataAndExcludedFromTraining) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  SelectiveFailures failing(stub);
  failing.trial_ids = {5, 30, 70};
  runner::SerialExecutor exec(failing);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  size_t failed = 0;
  for (const auto& o : res.state.trials()) {
    if (!o.ok) {
      ++failed;
      EXPECT_EQ(o.failure_reason, "exit code 3");
    }
  }
  EXPECT_EQ(failed, 3u);
  const auto data = deploy::TrainingSet(res.state);
  EXPECT_EQ(data.num_rows(), res.state.trials().size() - failed);
}

TEST(StudyTest, EarlyStopAfterStaleRounds) {
  auto cfg = SmallConfig();
  cfg.active.iterations = 30;
  cfg.active.early_stop_rounds = 2;
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  runner::SerialExecutor exec(stub);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  EXPECT_LT(res.iterations_run(), 30);
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

class Recorder final : public LoopObserver {
 public:
  std::vector<std::string> warnings;
  std::vector<int> iterations;
  void OnWarning(const std::string& m) override { warnings.push_back(m); }
  void OnIteration(const IterationRecord& r, const state::StudyState&) override {
    iterations.push_back(r.iteration);
  }
};

TEST(StudyTest, AskHandsOutTheSameBatchUntilItIsToldAndTellChecksTheCount) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  Study study(cfg, ws, nullptr, {});
  EXPECT_FALSE(study.Done());
  const auto first = study.Ask();
  ASSERT_EQ(first.size(), ws.size() * 12);  // baseline + 11 warm configs per workload
  EXPECT_EQ(first.front().trial_id, 1u);
  EXPECT_EQ(study.Ask().size(), first.size());
  EXPECT_EQ(study.Ask().back().trial_id, first.back().trial_id);
  EXPECT_THROW(study.Tell({}), core::Error);
  std::vector<runner::TrialOutcome> outcomes;
  for (const auto& r : first) outcomes.push_back(stub.Run(r));
  study.Tell(outcomes);
  EXPECT_EQ(study.state().trials().size(), first.size());
  const auto second = study.Ask();
  ASSERT_EQ(second.size(), ws.size() * 3);
  EXPECT_EQ(second.front().trial_id, first.back().trial_id + 1);
  EXPECT_EQ(second.front().iteration, 1);
}

TEST(StudyTest, ABatchWhereEveryTrialFailsIsDataAndTheLoopGoesOn) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  SelectiveFailures failing(stub);
  failing.iterations = {2};
  runner::SerialExecutor exec(failing);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  EXPECT_EQ(res.iterations_run(), 3);
  EXPECT_EQ(res.stop_reason, "completed all iterations");
  size_t failed = 0;
  for (const auto& t : res.state.trials()) {
    if (t.iteration == 2) {
      EXPECT_FALSE(t.ok);
      ++failed;
    } else {
      EXPECT_TRUE(t.ok);
    }
  }
  EXPECT_EQ(failed, ws.size() * 3);
  EXPECT_EQ(res.history.back().failed_runs, static_cast<int>(failed));
  // The failed configs were tried, so iteration 3 does not hand them out again.
  std::set<std::pair<uint32_t, space::Config>> tried;
  for (const auto& t : res.state.trials()) {
    if (t.iteration == 3) {
      EXPECT_EQ(tried.count({t.workload, t.config}), 0u);
    }
    tried.insert({t.workload, t.config});
  }
}

TEST(StudyTest, AWorkloadWithoutAnySuccessfulRunStopsTheStudyAndIsNamed) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  SelectiveFailures failing(stub);
  failing.workloads = {2};
  runner::SerialExecutor exec(failing);
  const auto res = RunStudy(cfg, ws, exec, nullptr, {});
  EXPECT_EQ(res.iterations_run(), 0);
  EXPECT_NE(res.stop_reason.find("no successful run"), std::string::npos) << res.stop_reason;
  EXPECT_NE(res.stop_reason.find(ws.workloads[2].id + " (first failure: exit code 3)"),
            std::string::npos)
      << res.stop_reason;
  EXPECT_EQ(res.stop_reason.find(ws.workloads[1].id), std::string::npos);
  EXPECT_EQ(res.workloads_without_runs, std::vector<uint32_t>{2});
  // The other workloads are modelled and recommended as usual.
  ASSERT_TRUE(res.model && res.model->fitted());
  EXPECT_TRUE(res.matrix.top[2].empty());
  EXPECT_FALSE(res.matrix.has_baseline[2]);
  EXPECT_FALSE(res.matrix.top[0].empty());
}

TEST(StudyTest, NoSuccessfulTrialAtAllIsAClearError) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  SelectiveFailures failing(stub);
  for (uint32_t w = 0; w < ws.size(); ++w) failing.workloads.insert(w);
  runner::SerialExecutor exec(failing);
  try {
    RunStudy(cfg, ws, exec, nullptr, {});
    FAIL() << "expected an error";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no trial of the study succeeded"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("exit code 3"), std::string::npos) << e.what();
  }
}

TEST(StudyTest, AFailedBaselineIsReplacedByTheMedianWarmResultAndSaidSo) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  SelectiveFailures failing(stub);
  failing.baselines = true;
  runner::SerialExecutor exec(failing);
  Recorder rec;
  const auto res = RunStudy(cfg, ws, exec, nullptr, {&rec});
  ASSERT_EQ(rec.warnings.size(), ws.size());
  EXPECT_EQ(res.warnings, rec.warnings);
  EXPECT_NE(rec.warnings[0].find("baseline run failed (exit code 3)"), std::string::npos);
  EXPECT_NE(rec.warnings[0].find("median warm-start result"), std::string::npos);
  for (uint32_t w = 0; w < ws.size(); ++w) {
    const auto& r = res.state.record(w);
    EXPECT_EQ(r.baseline_source, state::BaselineSource::kMedianWarm);
    EXPECT_EQ(r.baseline_failure, "exit code 3");
    std::vector<double> warm;
    for (const auto& t : res.state.trials()) {
      if (t.workload == w && t.iteration == 0 && t.ok) warm.push_back(t.perf.value);
    }
    std::sort(warm.begin(), warm.end());
    EXPECT_EQ(r.baseline.value, warm[warm.size() / 2]);
  }
  EXPECT_EQ(res.iterations_run(), 3);  // the study goes on against the stand-in
}

TEST(StudyTest, MinimizingCOverPerfRunsTheSameTrialsAsMaximizingPerf) {
  // The runner reports a run time c / perf; minimizing it must be the same study.
  class Seconds final : public runner::Runner {
   public:
    explicit Seconds(runner::Runner& inner) : inner_(inner) {}
    runner::TrialOutcome Run(const runner::TrialRequest& r) override {
      auto o = inner_.Run(r);
      o.value = 4096.0 / o.value;
      return o;
    }
    std::string name() const override { return "seconds"; }

   private:
    runner::Runner& inner_;
  };
  /// The stub's truth, as throughput or as run time.
  class Truth final : public Oracle {
   public:
    Truth(const runner::StubTestbed& stub, bool seconds) : stub_(stub), seconds_(seconds) {
      for (uint32_t w = 0; w < stub.num_workloads(); ++w)
        best_.push_back(stub.FindOptimum(w, 100000, 1000).perf);
    }
    double TrueMetric(uint32_t w, const space::Config& c) const override {
      return Metric(stub_.TruePerf(w, c));
    }
    double BestMetric(uint32_t w) const override { return Metric(best_[w]); }

   private:
    double Metric(double perf) const { return seconds_ ? 4096.0 / perf : perf; }
    const runner::StubTestbed& stub_;
    bool seconds_;
    std::vector<double> best_;
  };
  auto cfg = SmallConfig();
  cfg.active.oracle_mode = config::OracleMode::kHeldout;
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.02);
  runner::SerialExecutor max_exec(stub);
  const Truth throughput(stub, false), run_time(stub, true);
  const auto maximized = RunStudy(cfg, ws, max_exec, &throughput, {});
  Seconds seconds(stub);
  runner::SerialExecutor min_exec(seconds);
  cfg.runner.objective = config::Objective::kMinimize;
  const auto minimized = RunStudy(cfg, ws, min_exec, &run_time, {});
  ASSERT_EQ(maximized.state.trials().size(), minimized.state.trials().size());
  for (size_t i = 0; i < maximized.state.trials().size(); ++i) {
    const auto& a = maximized.state.trials()[i];
    const auto& b = minimized.state.trials()[i];
    ASSERT_EQ(a.config, b.config) << "trial " << i;
    ASSERT_EQ(a.workload, b.workload) << "trial " << i;
    EXPECT_NEAR(maximized.state.Gain(a).value, minimized.state.Gain(b).value, 1e-9);
  }
  ASSERT_EQ(maximized.history.size(), minimized.history.size());
  for (size_t i = 0; i < maximized.history.size(); ++i) {
    const auto& a = maximized.history[i];
    const auto& b = minimized.history[i];
    EXPECT_NEAR(a.regret_at_3, b.regret_at_3, 1e-9);
    EXPECT_NEAR(a.hit_at_3, b.hit_at_3, 1e-9);
    EXPECT_NEAR(a.ndcg_at_3, b.ndcg_at_3, 1e-9);
    EXPECT_NEAR(a.best_gain_so_far, b.best_gain_so_far, 1e-9);
  }
  // The metrics say something: regret against the true optimum falls as the loop learns.
  EXPECT_TRUE(minimized.history.front().against_truth);
  EXPECT_GT(minimized.history.back().best_gain_so_far, minimized.history.front().best_gain_so_far);
  EXPECT_GT(minimized.history.front().regret_at_3, 0.0);
  EXPECT_LT(minimized.history.back().regret_at_3, minimized.history.front().regret_at_3);
  EXPECT_GT(minimized.history.back().ndcg_at_3, 0.0);
  EXPECT_EQ(minimized.matrix.top[0].front().config, maximized.matrix.top[0].front().config);
}

}  // namespace
}  // namespace iorec::loop

namespace iorec::loop {
namespace {

/// Counts the batches it runs, and which batch ran each trial.
class BatchCounter final : public runner::Executor {
 public:
  explicit BatchCounter(runner::Executor& inner) : inner_(inner) {}
  using Executor::RunBatch;
  std::vector<runner::TrialOutcome> RunBatch(const std::vector<runner::TrialRequest>& batch,
                                             const runner::TrialDoneFn& on_done) override {
    for (const auto& r : batch) batch_of[r.trial_id] = batches;
    ++batches;
    return inner_.RunBatch(batch, on_done);
  }
  int batches = 0;
  std::map<uint64_t, int> batch_of;

 private:
  runner::Executor& inner_;
};

/// A config of workload 0 that the study without imports never measured.
space::Config Unmeasured(const StudyResult& res) {
  for (const auto& c : res.state.space().Enumerate(100000)) {
    if (!res.state.record(0).Find(c)) return c;
  }
  ADD_FAILURE() << "every config was measured";
  return {};
}

TEST(StudyImportTest, ImportedRunsEnterBeforeTheirBatchAndEarlierBatchesStayTheSame) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  runner::SerialExecutor serial(stub);
  BatchCounter plain(serial);
  const auto a = RunStudy(cfg, ws, plain, nullptr, {});
  ASSERT_GE(plain.batches, 3);
  // A run of workload 0, twice as fast as its best, enters before batch 2 (iteration 2).
  ImportedTrial in;
  in.workload = 0;
  in.config = Unmeasured(a);
  double best = 0.0;
  for (const auto& c : a.state.record(0).configs) best = std::max(best, c.Mean().value);
  in.metric = 2.0 * best;
  in.enters_before_batch = 2;
  BatchCounter counted(serial);
  const auto b = RunStudy(cfg, ws, counted, nullptr, {}, {in});

  // Batches 0 and 1 are the same trials; the imported one comes right after them.
  size_t i = 0;
  for (; i < a.state.trials().size() && plain.batch_of.at(a.state.trials()[i].trial_id) < 2; ++i) {
    const auto& x = a.state.trials()[i];
    const auto& y = b.state.trials()[i];
    EXPECT_EQ(x.trial_id, y.trial_id);
    EXPECT_EQ(x.config, y.config);
    EXPECT_EQ(x.source, y.source);
  }
  ASSERT_LT(i, b.state.trials().size());
  const state::Trial& imported = b.state.trials()[i];
  EXPECT_EQ(imported.source, state::Source::kImported);
  EXPECT_EQ(imported.config, in.config);
  EXPECT_EQ(imported.workload, 0u);
  EXPECT_EQ(imported.iteration, 1);                            // after iteration 1
  EXPECT_EQ(imported.trial_id, a.state.trials()[i].trial_id);  // the next id
  EXPECT_EQ(counted.batch_of.count(imported.trial_id), 0u);    // nobody ran it
  // Used like any trial from there on: never picked again, best of the matrix.
  size_t measured = 0;
  for (const auto& t : b.state.trials()) measured += t.workload == 0 && t.config == in.config;
  EXPECT_EQ(measured, 1u);
  ASSERT_FALSE(b.matrix.top[0].empty());
  EXPECT_EQ(b.matrix.top[0].front().config, in.config);
  EXPECT_NEAR(b.state.Gain(imported).value, in.metric / b.state.record(0).baseline.value - 1.0,
              1e-12);
}

TEST(StudyImportTest, AnImportDueBeforeAReplicateBatchEntersBeforeTheNextActiveBatch) {
  auto cfg = SmallConfig();
  cfg.active.replicate_top_n = 1;  // batches: 0 warm, 1 active 1, 2 its replicates, 3 active 2
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  runner::SerialExecutor serial(stub);
  BatchCounter plain(serial);
  const auto a = RunStudy(cfg, ws, plain, nullptr, {});
  ASSERT_GE(plain.batches, 4);
  ImportedTrial in;
  in.workload = 1;
  in.config = Unmeasured(a);
  in.metric = 50.0;
  in.enters_before_batch = 2;
  BatchCounter counted(serial);
  const auto b = RunStudy(cfg, ws, counted, nullptr, {}, {in});
  // The replicate batch is a's; the import follows it, with the next id, after iteration 1.
  size_t i = 0;
  for (; i < a.state.trials().size() && plain.batch_of.at(a.state.trials()[i].trial_id) < 3; ++i) {
    EXPECT_EQ(a.state.trials()[i].config, b.state.trials()[i].config);
    EXPECT_EQ(a.state.trials()[i].trial_id, b.state.trials()[i].trial_id);
  }
  EXPECT_EQ(a.state.trials()[i - 1].source, state::Source::kReplicate);
  ASSERT_LT(i, b.state.trials().size());
  EXPECT_EQ(b.state.trials()[i].source, state::Source::kImported);
  EXPECT_EQ(b.state.trials()[i].iteration, 1);
  EXPECT_EQ(b.state.trials()[i + 1].source, state::Source::kActive);
  EXPECT_EQ(b.state.trials()[i + 1].iteration, 2);
}

TEST(StudyImportTest, ImportedBaselineConfigNeverSetsTheBaselineAndLateImportsEnterInFinish) {
  const auto cfg = SmallConfig();
  const auto ws = SmallWorkloads();
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.0);
  runner::SerialExecutor serial(stub);
  const auto a = RunStudy(cfg, ws, serial, nullptr, {});
  ImportedTrial early;  // before the warm start, of the baseline config
  early.workload = 1;
  early.config = cfg.baseline;
  early.metric = 123456.0;
  early.enters_before_batch = 0;
  ImportedTrial late;  // after every batch the study asks
  late.workload = 2;
  late.config = Unmeasured(a);
  late.metric = 1.0;
  late.enters_before_batch = 1000;
  const auto b = RunStudy(cfg, ws, serial, nullptr, {}, {late, early});
  ASSERT_EQ(b.state.trials().size(), a.state.trials().size() + 2);
  EXPECT_EQ(b.state.trials().front().source, state::Source::kImported);
  EXPECT_EQ(b.state.trials().front().trial_id, 1u);
  EXPECT_DOUBLE_EQ(b.state.record(1).baseline.value, a.state.record(1).baseline.value);
  EXPECT_EQ(b.state.trials().back().source, state::Source::kImported);
  EXPECT_EQ(b.state.trials().back().workload, 2u);
  EXPECT_EQ(b.history.size(), a.history.size());
  // The warm start is a's, one id later (the early import took id 1); what follows may
  // differ, since the loop knows the imported run.
  for (size_t i = 0; i < a.state.trials().size() && a.state.trials()[i].iteration == 0; ++i) {
    EXPECT_EQ(b.state.trials()[i + 1].config, a.state.trials()[i].config);
    EXPECT_EQ(b.state.trials()[i + 1].trial_id, a.state.trials()[i].trial_id + 1);
  }
  EXPECT_TRUE(b.state.record(2).Find(late.config));
}

}  // namespace
}  // namespace iorec::loop
