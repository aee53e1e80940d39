#include "iorec/deploy/matrix.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/space_util.hpp"
#include "common/state_util.hpp"
#include "common/temp_dir.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/deploy/model_bundle.hpp"
#include "iorec/deploy/training.hpp"

namespace iorec::deploy {
namespace {

state::StudyState TwoWorkloads() {
  test_support::StateBuilder b(test_support::IntSpace({4}), space::Config({0}),
                               test_support::Workloads({{0.0}, {1.0}}));
  b.Baseline(0, 100).Run(0, space::Config({1}), 150).Run(0, space::Config({2}), 120);
  b.Run(0, space::Config({1}), 130);  // {1}: mean 140, std 14.14
  b.Baseline(1, 10).Run(1, space::Config({3}), 30);
  b.Fail(1, space::Config({2}), "exit code 1");
  return std::move(b.state());
}

TEST(MatrixTest, CarriesEachWorkloadsBaselineAndRanksByRobustScore) {
  const auto st = TwoWorkloads();
  const auto m = BuildMatrix(st, 2, 1.0);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m.workload_ids, (std::vector<std::string>{"w0", "w1"}));
  EXPECT_DOUBLE_EQ(m.baseline[0].value, 100.0);
  EXPECT_DOUBLE_EQ(m.baseline[1].value, 10.0);
  ASSERT_EQ(m.top[0].size(), 2u);                     // topk 2 of 3 measured
  EXPECT_EQ(m.top[0][0].config, space::Config({1}));  // 140 - 14.1 > 120
  EXPECT_EQ(m.top[0][0].runs, 2);
  EXPECT_DOUBLE_EQ(m.MeanGain(0, m.top[0][0]).value, 0.4);
  EXPECT_NEAR(m.RobustGain(0, m.top[0][0]).value, (140.0 - std::sqrt(200.0)) / 100.0 - 1.0, 1e-12);
  ASSERT_EQ(m.top[1].size(), 2u);  // the failed config is not listed
  EXPECT_DOUBLE_EQ(m.MeanGain(1, m.top[1][0]).value, 2.0);
  const auto sub = m.Subset({1});
  EXPECT_EQ(sub.workload_ids, std::vector<std::string>{"w1"});
  EXPECT_DOUBLE_EQ(sub.baseline[0].value, 10.0);
}

TEST(TrainingSetTest, OneRowPerMeasuredConfigWithItsLogGain) {
  const auto st = TwoWorkloads();
  const auto d = TrainingSet(st);
  ASSERT_EQ(d.num_rows(), 5u);          // 3 + 2 measured configs
  EXPECT_EQ(d.num_cols, 1u + 4u + 1u);  // feature, one-hot, ordinal
  EXPECT_DOUBLE_EQ(d.gain[1], std::log(140.0 / 100.0));
  EXPECT_DOUBLE_EQ(d.gain[4], std::log(3.0));
  EXPECT_EQ(d.group, (std::vector<uint32_t>{0, 0, 0, 1, 1}));
  const auto only_w1 = TrainingSet(st, [](size_t w, size_t) { return w == 1; });
  EXPECT_EQ(only_w1.num_rows(), 2u);
}

/// A bundle of TwoWorkloads with a one-member regression ensemble.
ModelBundle SmallBundle() {
  const auto st = TwoWorkloads();
  ModelBundle b;
  b.space = st.space();
  b.baseline = st.baseline_config();
  b.known = st.workload_set();
  b.matrix = BuildMatrix(st, 3, 1.0);
  model::EnsembleParams p;
  p.members = 1;
  p.num_rounds = 2;
  p.objective = model::Objective::kRegression;
  b.model = std::make_shared<model::XgbEnsemble>(p);
  core::Rng rng(1, "t");
  b.model->Fit(TrainingSet(st), rng);
  return b;
}

TEST(ModelBundleTest, ReadsFormatOneBundlesOfEarlierVersions) {
  // Format 1 stored perf - baseline differences instead of the baseline itself.
  ModelBundle b = SmallBundle();
  test_support::TempDir dir;
  SaveModelBundle(dir.path(), b);
  auto j = nlohmann::json::parse(core::ReadFile(dir.path() / "model.json"));
  EXPECT_EQ(j["format"], 3);
  EXPECT_EQ(j["metric"]["direction"], "maximize");
  EXPECT_EQ(j["runner_mode"], "");
  EXPECT_DOUBLE_EQ(j["workloads"][0]["baseline_perf"].get<double>(), 100.0);
  const ModelBundle now = LoadModelBundle(dir.path());
  j["format"] = 1;
  for (auto& m : j["members"]) m = m["file"];  // bare names before format 3
  for (auto& w : j["workloads"]) {
    const double base = w["baseline_perf"].get<double>();
    w.erase("baseline_perf");
    for (auto& e : w["top"]) {
      e["mean_gain"] = e["mean_perf"].get<double>() - base;
      e["robust_gain"] = e["robust_perf"].get<double>() - base;
      e.erase("robust_perf");
    }
  }
  core::WriteFileAtomic(dir.path() / "model.json", j.dump());
  const ModelBundle old = LoadModelBundle(dir.path());
  for (size_t w = 0; w < 2; ++w) {
    EXPECT_NEAR(old.matrix.baseline[w].value, now.matrix.baseline[w].value, 1e-9);
    ASSERT_EQ(old.matrix.top[w].size(), now.matrix.top[w].size());
    for (size_t i = 0; i < now.matrix.top[w].size(); ++i) {
      EXPECT_NEAR(old.matrix.top[w][i].robust_perf.value, now.matrix.top[w][i].robust_perf.value,
                  1e-9);
    }
  }
}

TEST(ModelBundleTest, KeepsTheStudysMetricAndRunner) {
  ModelBundle b = SmallBundle();
  b.metric = {state::Direction::kMinimize, "run_time", "s"};
  b.runner_mode = "real";
  test_support::TempDir dir;
  SaveModelBundle(dir.path(), b);
  const ModelBundle back = LoadModelBundle(dir.path());
  EXPECT_EQ(back.metric.direction, state::Direction::kMinimize);
  EXPECT_EQ(back.metric.name, "run_time");
  EXPECT_EQ(back.metric.unit, "s");
  EXPECT_EQ(back.runner_mode, "real");
  // Bundles written before these fields: maximize, nothing named.
  auto j = nlohmann::json::parse(core::ReadFile(dir.path() / "model.json"));
  j.erase("metric");
  j.erase("runner_mode");
  core::WriteFileAtomic(dir.path() / "model.json", j.dump());
  const ModelBundle old = LoadModelBundle(dir.path());
  EXPECT_EQ(old.metric.direction, state::Direction::kMaximize);
  EXPECT_EQ(old.metric.unit, "");
  EXPECT_EQ(old.runner_mode, "");
}

/// LoadModelBundle's InputError message for `dir`, or "" when it loads.
std::string LoadError(const std::filesystem::path& dir) {
  try {
    LoadModelBundle(dir);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

// Issue 15 item 6: `head -c 2 member_0.ubj` crashed XGBoost and 100 bytes of it took 4 GB.
TEST(ModelBundleTest, DamagedMemberFilesAreInputErrorsNamingTheFile) {
  test_support::TempDir dir;
  SaveModelBundle(dir.path(), SmallBundle());
  const auto member = dir.path() / "member_0.ubj";
  const std::string good = core::ReadFile(member);
  ASSERT_GT(good.size(), 100u);
  const auto j = nlohmann::json::parse(core::ReadFile(dir.path() / "model.json"));
  EXPECT_EQ(j["members"][0]["file"], "member_0.ubj");
  EXPECT_EQ(j["members"][0]["bytes"], good.size());
  EXPECT_EQ(j["members"][0]["sha1"].get<std::string>().size(), 40u);
  EXPECT_EQ(LoadError(dir.path()), "");

  for (size_t keep : {size_t{2}, size_t{100}, good.size() - 1}) {
    core::WriteFileAtomic(member, good.substr(0, keep));
    EXPECT_EQ(LoadError(dir.path()), member.string() + ": model member file is damaged (" +
                                         std::to_string(keep) + " bytes, model.json records " +
                                         std::to_string(good.size()) +
                                         "); run the study again or restore the model directory");
  }
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x20;
  core::WriteFileAtomic(member, flipped);
  EXPECT_EQ(LoadError(dir.path()),
            member.string() +
                ": model member file is damaged (its SHA-1 differs from the one model.json "
                "records); run the study again or restore the model directory");
  std::filesystem::remove(member);
  EXPECT_EQ(LoadError(dir.path()),
            member.string() +
                ": model member file is missing; the model directory is damaged (run the study "
                "again or restore the directory)");
  std::filesystem::create_directory(member);
  EXPECT_NE(LoadError(dir.path()).find("member_0.ubj: model member file is not a regular file"),
            std::string::npos);
}

TEST(ModelBundleTest, MemberFilesMustLieInTheModelDirectory) {
  test_support::TempDir dir;
  SaveModelBundle(dir.path(), SmallBundle());
  auto j = nlohmann::json::parse(core::ReadFile(dir.path() / "model.json"));
  j["members"][0]["file"] = "../member_0.ubj";
  core::WriteFileAtomic(dir.path() / "model.json", j.dump());
  EXPECT_EQ(LoadError(dir.path()),
            (dir.path() / "model.json").string() +
                ": invalid model bundle: member file '../member_0.ubj' is not a file name in the "
                "model directory");
}

TEST(ModelBundleTest, CarriesEveryMeasuredConfigForZeroShotRecommendations) {
  const auto st = TwoWorkloads();
  ModelBundle b = SmallBundle();
  b.matrix = BuildMatrix(st, 1, 1.0);  // the matrix lists one config per workload
  b.measured = MeasuredMeans(st);
  test_support::TempDir dir;
  SaveModelBundle(dir.path(), b);
  const ModelBundle loaded = LoadModelBundle(dir.path());
  ASSERT_EQ(loaded.measured.size(), 2u);
  ASSERT_EQ(loaded.measured[0].size(), 3u);  // baseline, {1} (two runs), {2}
  EXPECT_EQ(loaded.measured[0][1].config, space::Config({1}));
  EXPECT_DOUBLE_EQ(loaded.measured[0][1].mean_perf.value, 140.0);
  ASSERT_EQ(loaded.measured[1].size(), 2u);  // the failed config is not listed
  // As a study state: one run per config at its mean, the baseline's at the baseline perf.
  const auto again = MeasuredState(loaded);
  EXPECT_DOUBLE_EQ(again.record(0).baseline.value, 100.0);
  EXPECT_DOUBLE_EQ(
      again.record(0).LogGainOf(again.record(0).Find(space::Config({1}))->Mean()).value,
      std::log(1.4));
  EXPECT_DOUBLE_EQ(
      again.record(1).LogGainOf(again.record(1).Find(space::Config({3}))->Mean()).value,
      std::log(3.0));
  // Bundles written before carry none; recommend then uses the neighbours' consensus.
  auto j = nlohmann::json::parse(core::ReadFile(dir.path() / "model.json"));
  for (auto& w : j["workloads"]) w.erase("measured");
  core::WriteFileAtomic(dir.path() / "model.json", j.dump());
  EXPECT_TRUE(LoadModelBundle(dir.path()).measured.empty());
}

}  // namespace
}  // namespace iorec::deploy
