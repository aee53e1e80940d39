#include "iorec/report/study_insights.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/space_util.hpp"
#include "common/state_util.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/deploy/matrix.hpp"
#include "iorec/eval/contribution.hpp"
#include "iorec/report/evaluation_outputs.hpp"
#include "iorec/report/study_outputs.hpp"
#include "iorec/runner/stub_testbed.hpp"

namespace iorec::report {
namespace {

namespace fs = std::filesystem;
using space::Config;
using state::Source;

/// Two knobs (3 and 2 levels), baseline {0,0}. w0: baseline 100; warm {1,0} 120, {2,0} failed;
/// iteration 1: {1,1} 150; iteration 2: {2,1} 140, 160 (replicate) and {2,0} 90.
/// w1: baseline 50; warm {1,0} 40; nothing after.
state::StudyState Study() {
  test_support::StateBuilder b(test_support::IntSpace({3, 2}), Config({0, 0}),
                               test_support::Workloads({{0.0, 1.0}, {1.0, 0.0}}));
  b.Baseline(0, 100).Baseline(1, 50);
  b.Run(0, Config({1, 0}), 120).Fail(0, Config({2, 0}), "crashed").Run(1, Config({1, 0}), 40);
  b.Run(0, Config({1, 1}), 150, Source::kActive, 1);
  b.Run(0, Config({2, 1}), 140, Source::kActive, 2)
      .Run(0, Config({2, 1}), 160, Source::kReplicate, 2)
      .Run(0, Config({2, 0}), 90, Source::kActive, 2);
  b.state().set_iterations(2);
  return std::move(b.state());
}

TEST(StudyInsightsTest, RunsByPhaseCountsEveryTrialAndItsShare) {
  const auto st = Study();
  const auto phases = RunsByPhase(st);
  ASSERT_EQ(phases.size(), 4u);
  EXPECT_EQ(phases[0].phase, "baseline");
  EXPECT_EQ(phases[0].runs, 2u);
  EXPECT_EQ(phases[1].phase, "warm_start");
  EXPECT_EQ(phases[1].runs, 3u);  // the failed one included
  EXPECT_EQ(phases[2].runs, 3u);
  EXPECT_EQ(phases[3].phase, "replicates");
  EXPECT_EQ(phases[3].runs, 1u);
  EXPECT_DOUBLE_EQ(phases[1].share, 3.0 / 9.0);
  double total = 0.0;
  for (const auto& p : phases) total += p.share;
  EXPECT_DOUBLE_EQ(total, 1.0);
}

TEST(StudyInsightsTest, BestPerfSoFarIsTheBestConfigMeanAtTheEndOfEachIteration) {
  const auto best = BestPerfByIteration(Study());
  ASSERT_EQ(best.size(), 3u);  // warm start, iterations 1 and 2
  ASSERT_TRUE(best[0][0] && best[1][0] && best[2][0]);
  EXPECT_DOUBLE_EQ(best[0][0]->value, 120.0);
  EXPECT_DOUBLE_EQ(best[1][0]->value, 150.0);
  EXPECT_DOUBLE_EQ(best[2][0]->value, 150.0);  // {2,1} averages 150 over its two runs
  // w1: its baseline is its best, and nothing changes after the warm start.
  for (const auto& row : best) EXPECT_DOUBLE_EQ(row[1]->value, 50.0);
}

TEST(StudyInsightsTest, BestPerfByTrialFollowsEachWorkloadsTrialsAndItsBestConfigMean) {
  const auto best = BestPerfByTrial(Study());
  ASSERT_EQ(best.size(), 2u);
  ASSERT_EQ(best[0].size(), 7u);  // w0's trials, the failed one included
  std::vector<double> want = {100, 120, 120, 150, 150, 150, 150};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_DOUBLE_EQ(best[0][i]->value, want[i]) << i;
  ASSERT_EQ(best[1].size(), 2u);
  EXPECT_DOUBLE_EQ(best[1][1]->value, 50.0);
  // A replicate that lowers the best config's mean lowers the best.
  test_support::StateBuilder b(test_support::IntSpace({3}), Config({0}),
                               test_support::Workloads({{0.0}}));
  b.Baseline(0, 100).Run(0, Config({1}), 200).Run(0, Config({1}), 100, Source::kReplicate);
  const auto lowered = BestPerfByTrial(b.state());
  EXPECT_DOUBLE_EQ(lowered[0][1]->value, 200.0);
  EXPECT_DOUBLE_EQ(lowered[0][2]->value, 150.0);
}

TEST(StudyInsightsTest, AWorkloadWithoutASuccessfulRunHasNoBestYet) {
  test_support::StateBuilder b(test_support::IntSpace({2}), Config({0}),
                               test_support::Workloads({{0.0}}));
  b.Fail(0, Config({0}), "no space left", Source::kBaseline)
      .Run(0, Config({1}), 7, Source::kActive, 1);
  b.state().set_iterations(1);
  const auto best = BestPerfByIteration(b.state());
  ASSERT_EQ(best.size(), 2u);
  EXPECT_FALSE(best[0][0]);
  ASSERT_TRUE(best[1][0]);
  EXPECT_DOUBLE_EQ(best[1][0]->value, 7.0);
}

TEST(StudyInsightsTest, TopConfigsCloserThanTheNoiseAreATieAndFartherOnesAreNot) {
  // w0: three configs run 3 times each with a 10% spread; #1 and #2 are 2% apart, #3 is
  // 40% behind.
  test_support::StateBuilder b(test_support::IntSpace({4}), Config({0}),
                               test_support::Workloads({{0.0}}));
  b.Baseline(0, 100);
  for (double f : {0.9, 1.0, 1.1}) {
    b.Run(0, Config({1}), 200 * f).Run(0, Config({2}), 196 * f).Run(0, Config({3}), 120 * f);
  }
  const auto m = deploy::BuildMatrix(b.state(), 10, 0.0);
  const StudyNoise sn = NoiseOfStudy(b.state(), m);
  ASSERT_TRUE(sn.noise.known());
  EXPECT_NEAR(sn.noise.pooled, 0.1, 1e-9);
  ASSERT_EQ(sn.workloads.size(), 1u);
  const auto& w = sn.workloads[0];
  EXPECT_EQ(w.top_runs, 3);
  ASSERT_TRUE(w.top_relative_std);
  EXPECT_NEAR(*w.top_relative_std, 0.1, 1e-9);
  ASSERT_EQ(w.compared.size(), 2u);
  EXPECT_EQ(w.compared[0].rank, 2);
  EXPECT_TRUE(w.compared[0].within);
  EXPECT_NEAR(w.compared[0].difference, 200.0 / 196.0 - 1.0, 1e-9);
  EXPECT_EQ(w.compared[1].rank, 3);
  EXPECT_FALSE(w.compared[1].within);
  EXPECT_GT(w.compared[1].difference, w.compared[1].threshold);
}

TEST(StudyInsightsTest, WithoutReplicatesTheNoiseIsUnknownAndNothingIsCompared) {
  const auto st = [] {
    test_support::StateBuilder b(test_support::IntSpace({3}), Config({0}),
                                 test_support::Workloads({{0.0}}));
    b.Baseline(0, 100).Run(0, Config({1}), 101).Run(0, Config({2}), 102);
    return std::move(b.state());
  }();
  const StudyNoise sn = NoiseOfStudy(st, deploy::BuildMatrix(st, 10, 0.0));
  EXPECT_FALSE(sn.noise.known());
  ASSERT_EQ(sn.workloads.size(), 1u);
  EXPECT_TRUE(sn.workloads[0].compared.empty());
  EXPECT_FALSE(sn.workloads[0].top_relative_std);
}

TEST(StudyInsightsTest, KnobEffectsAreTheQuartilesOfTheGainsOfConfigsAtEachLevel) {
  const auto effects = KnobEffects(Study());
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_EQ(effects[0].knob, "k0");
  ASSERT_EQ(effects[0].levels.size(), 3u);
  // k0 = 0: the baselines (gain 0 on both workloads).
  EXPECT_EQ(effects[0].levels[0].configs, 2u);
  EXPECT_DOUBLE_EQ(effects[0].levels[0].median, 0.0);
  // k0 = 1: {1,0} on w0 (+20%) and w1 (-20%), {1,1} on w0 (+50%).
  EXPECT_EQ(effects[0].levels[1].configs, 3u);
  EXPECT_NEAR(effects[0].levels[1].median, 0.2, 1e-12);
  EXPECT_NEAR(effects[0].levels[1].q25, 0.0, 1e-12);
  EXPECT_NEAR(effects[0].levels[1].q75, 0.35, 1e-12);
  // k0 = 2: {2,1} (+50%, mean of two runs) and {2,0} (-10%; its failed warm run counts not).
  EXPECT_EQ(effects[0].levels[2].configs, 2u);
  EXPECT_NEAR(effects[0].levels[2].median, 0.2, 1e-12);
  EXPECT_EQ(effects[1].levels[1].value, "1");
}

TEST(StudyInsightsTest, TheWorkloadMapKeepsTheMainDirectionOfTheFeatures) {
  // Four workloads on a line in 3 features (the third constant): the first component orders
  // them along it and the second is flat.
  space::WorkloadSet ws =
      test_support::Workloads({{0.0, 0.0, 5.0}, {1.0, 2.0, 5.0}, {2.0, 4.0, 5.0}, {3.0, 6.0, 5.0}});
  const auto map = WorkloadMap(ws);
  ASSERT_EQ(map.size(), 4u);
  EXPECT_EQ(map[2].workload, "w2");
  const double sign = map[3].x > map[0].x ? 1.0 : -1.0;
  for (size_t i = 1; i < map.size(); ++i) EXPECT_GT(sign * (map[i].x - map[i - 1].x), 0.0);
  EXPECT_NEAR(map[3].x - map[0].x, sign * 2.0 * std::sqrt(2.0) * 3.0 / std::sqrt(5.0), 1e-6);
  for (const auto& p : map) EXPECT_NEAR(p.y, 0.0, 1e-9);
  // A new workload is projected on the measured ones' axes: with w1's features, w1's point.
  space::Workload added{"new", {1.0, 2.0, 5.0}, "", {}};
  const auto with_new = WorkloadMap(ws, {added});
  ASSERT_EQ(with_new.size(), 5u);
  EXPECT_EQ(with_new[4].workload, "new");
  EXPECT_DOUBLE_EQ(with_new[4].x, map[1].x);
  EXPECT_DOUBLE_EQ(with_new[4].y, map[1].y);
  // Identical workloads all sit at the origin.
  for (const auto& p : WorkloadMap(test_support::Workloads({{1.0}, {1.0}}))) {
    EXPECT_DOUBLE_EQ(p.x, 0.0);
    EXPECT_DOUBLE_EQ(p.y, 0.0);
  }
}

TEST(StudyInsightsTest, OnlyTheStubIsSyntheticAndTheLoopSaysWhatItsMetricsCompareWith) {
  config::StudyConfig cfg;
  cfg.runner.mode = config::RunnerMode::kStub;
  EXPECT_TRUE(IsSynthetic(cfg));
  EXPECT_NE(SyntheticTag(cfg).find("synthetic"), std::string::npos);
  cfg.runner.mode = config::RunnerMode::kCommand;
  EXPECT_FALSE(IsSynthetic(cfg));
  EXPECT_EQ(SyntheticTag(cfg), "");
  loop::StudyResult res;
  EXPECT_FALSE(MetricsAgainstTruth(res));
  res.history.emplace_back();
  res.history.back().against_truth = true;
  EXPECT_TRUE(MetricsAgainstTruth(res));
  EXPECT_NE(MetricsReferenceNote(true).find("true optimum"), std::string::npos);
  EXPECT_NE(MetricsReferenceNote(false).find("best warm-start result"), std::string::npos);
}

/// A small stub study with replicated finalists, written out.
struct Written {
  config::StudyConfig cfg;
  loop::StudyResult res;
  fs::path dir;
};

Written WriteSmallStudy(const std::string& name) {
  Written w;
  auto& cfg = w.cfg;
  cfg.seed = 5;
  cfg.space = test_support::IntSpace({4, 3, 3});
  cfg.baseline = Config({1, 1, 0});
  cfg.warm_start.target_size = 8;
  cfg.active.ensemble_size = 2;
  cfg.active.iterations = 2;
  cfg.active.batch_per_iter = 2;
  cfg.active.replicate_top_n = 2;
  cfg.active.replicate_repeats = 2;
  cfg.active.oracle_mode = config::OracleMode::kWarmOnly;
  cfg.model.num_rounds = 10;
  cfg.model.max_depth = 3;
  cfg.evaluation.enabled = false;
  const space::WorkloadSet ws = config::SyntheticWorkloads(5, 4, 3);
  runner::StubTestbed stub(cfg.space, ws, cfg.seed, 0.05);
  runner::SerialExecutor exec(stub);
  w.res = loop::RunStudy(cfg, ws, exec, nullptr, {});
  w.dir = fs::temp_directory_path() / ("iorec_insights_" + name + std::to_string(::getpid()));
  fs::remove_all(w.dir);
  fs::create_directories(w.dir);
  WriteStudyOutputs(w.dir, cfg, w.res);
  return w;
}

TEST(StudyInsightsTest, TheReportShowsNoiseBestSoFarAndRunsPerPhaseAndMarksTheStub) {
  const Written w = WriteSmallStudy("stub");
  const std::string md = core::ReadFile(w.dir / "summary.md");
  EXPECT_NE(md.find("synthetic stub testbed"), std::string::npos);
  EXPECT_NE(md.find("## Best measured so far"), std::string::npos);
  EXPECT_NE(md.find("## Run-to-run noise"), std::string::npos);
  EXPECT_NE(md.find("Runs of one config varied by a median"), std::string::npos);
  EXPECT_NE(md.find("share of runs"), std::string::npos);
  EXPECT_NE(md.find("regret@3 stays 0"), std::string::npos);
  const auto j = nlohmann::json::parse(core::ReadFile(w.dir / "summary.json"));
  EXPECT_TRUE(j["synthetic"].get<bool>());
  EXPECT_EQ(j["metrics_reference"]["against"], "best_warm_start");
  size_t runs = 0;
  for (const auto& [phase, v] : j["runs_by_phase"].items()) runs += v["runs"].get<size_t>();
  EXPECT_EQ(runs, w.res.state.trials().size());
  EXPECT_GT(j["runs_by_phase"]["replicates"]["runs"].get<int>(), 0);
  EXPECT_GT(j["noise"]["replicated_configs"].get<int>(), 0);
  EXPECT_EQ(j["noise"]["per_workload"].size(), 4u);
  // The learning curve in the metric's units: one value per phase, never decreasing, ending
  // at the best mean the state holds.
  const auto best = BestPerfByIteration(w.res.state);
  for (size_t i = 0; i < 4; ++i) {
    const auto& curve = j["best_measured_by_iteration"][w.res.state.workload_set().workloads[i].id];
    ASSERT_EQ(curve.size(), static_cast<size_t>(w.res.iterations_run()) + 1);
    for (size_t t = 1; t < curve.size(); ++t)
      EXPECT_GE(curve[t].get<double>(), curve[t - 1].get<double>());
    EXPECT_DOUBLE_EQ(curve.back().get<double>(), best.back()[i]->value);
  }
  // The plots' scripts: small multiples, knob effects and the map, all marked synthetic.
  for (const char* stem :
       {"best_measured_per_workload", "knob_effects", "workload_map", "learning_curve"}) {
    const fs::path gp = w.dir / "plots" / (std::string(stem) + ".gp");
    ASSERT_TRUE(fs::exists(gp)) << gp;
    EXPECT_NE(core::ReadFile(gp).find("[synthetic: stub testbed]"), std::string::npos) << stem;
  }
  EXPECT_NE(core::ReadFile(w.dir / "plots" / "best_measured_per_workload.gp").find("multiplot"),
            std::string::npos);
  EXPECT_NE(core::ReadFile(w.dir / "plots" / "regret_at_3.gp").find("best warm-start result"),
            std::string::npos);
  fs::remove_all(w.dir);
}

TEST(StudyInsightsTest, AMeasuredStudyIsNotMarkedSynthetic) {
  Written w = WriteSmallStudy("cmd");
  w.cfg.runner.mode = config::RunnerMode::kCommand;  // as a command runner's study reads
  ReportContent content;
  content.cfg = &w.cfg;
  content.res = &w.res;
  const eval::ContributionReport contribution = eval::ComputeContribution(w.res.state, 3, 1.0);
  content.contribution = &contribution;
  const std::string md = SummaryMarkdown(content);
  EXPECT_EQ(md.find("synthetic stub"), std::string::npos);
  EXPECT_NE(md.find("regret@3 stays 0"), std::string::npos);
  nlohmann::ordered_json j;
  AddInsightsJson(w.cfg, w.res, j);
  EXPECT_FALSE(j["synthetic"].get<bool>());
  fs::remove_all(w.dir);
}

}  // namespace
}  // namespace iorec::report
