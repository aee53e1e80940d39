#include "iorec/model/xgb_ensemble.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "iorec/core/error.hpp"
#include "iorec/core/rng.hpp"

namespace iorec::model {
namespace {

using ::testing::HasSubstr;

// Synthetic workload x config data: `kWorkloadCols` workload features constant within a
// group, then `kParams` one-hot blocks of `kLevels` columns.
constexpr size_t kWorkloadCols = 3;
constexpr size_t kParams = 4;
constexpr size_t kLevels = 4;
constexpr size_t kCols = kWorkloadCols + kParams * kLevels;

struct Synthetic {
  // Additive per-(param, level) effects on the gain.
  std::vector<double> effect;
  double noise = 0.0;

  explicit Synthetic(core::Rng rng, double noise_stddev) : noise(noise_stddev) {
    for (size_t i = 0; i < kParams * kLevels; ++i) effect.push_back(rng.Normal());
  }

  // Appends `rows` random configurations of one workload to `data`; returns noise-free gains.
  std::vector<double> AddGroup(Dataset& data, uint32_t group, size_t rows, core::Rng& rng) const {
    data.num_cols = kCols;
    std::vector<float> workload(kWorkloadCols);
    for (auto& w : workload) w = static_cast<float>(rng.Normal());
    std::vector<double> truth;
    for (size_t r = 0; r < rows; ++r) {
      std::vector<float> row(kCols, 0.0f);
      std::copy(workload.begin(), workload.end(), row.begin());
      double gain = 0.0;
      for (size_t p = 0; p < kParams; ++p) {
        const size_t level = rng.UniformInt(kLevels);
        row[kWorkloadCols + p * kLevels + level] = 1.0f;
        gain += effect[p * kLevels + level];
      }
      truth.push_back(gain);
      data.x.insert(data.x.end(), row.begin(), row.end());
      data.gain.push_back(gain + noise * rng.Normal());
      data.group.push_back(group);
    }
    return truth;
  }

  Dataset Make(size_t groups, size_t rows_per_group, core::Rng rng) const {
    Dataset data;
    for (size_t g = 0; g < groups; ++g) {
      AddGroup(data, static_cast<uint32_t>(g), rows_per_group, rng);
    }
    return data;
  }
};

EnsembleParams SmallParams(Objective objective) {
  EnsembleParams p;
  p.objective = objective;
  p.members = 4;
  p.num_rounds = 40;
  p.max_depth = 4;
  p.learning_rate = 0.2;
  p.min_child_weight = objective == Objective::kRanking ? 0.1 : 1.0;
  return p;
}

std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && v[order[j]] == v[order[i]]) ++j;
    for (size_t k = i; k < j; ++k) rank[order[k]] = 0.5 * static_cast<double>(i + j - 1);
    i = j;
  }
  return rank;
}

double Spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const auto ra = Ranks(a);
  const auto rb = Ranks(b);
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
  const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

Dataset TrainingSet(double noise = 0.3) {
  return Synthetic(core::Rng(11, "effects"), noise).Make(12, 40, core::Rng(11, "train"));
}

TEST(XgbEnsembleTest, RegressionLearnsOneHotEffect) {
  // Gain depends on a single one-hot column plus noise.
  constexpr size_t kInformative = kWorkloadCols + 5;
  auto make = [](size_t rows, core::Rng rng) {
    Dataset data = Synthetic(core::Rng(1, "unused"), 0.0).Make(1, rows, rng);
    for (size_t r = 0; r < rows; ++r) {
      data.gain[r] = 2.0 * data.x[r * kCols + kInformative] + 0.1 * rng.Normal();
    }
    return data;
  };
  const Dataset train = make(400, core::Rng(3, "train"));
  const Dataset test = make(300, core::Rng(3, "test"));

  XgbEnsemble ensemble(SmallParams(Objective::kRegression));
  core::Rng rng(3, "fit");
  ensemble.Fit(train, rng);
  ASSERT_TRUE(ensemble.fitted());
  EXPECT_EQ(ensemble.num_members(), 4u);

  const Prediction pred = ensemble.Predict(test.x.data(), test.num_rows(), kCols);
  ASSERT_EQ(pred.mean.size(), test.num_rows());
  ASSERT_EQ(pred.stddev.size(), test.num_rows());
  const double train_mean =
      std::accumulate(train.gain.begin(), train.gain.end(), 0.0) / train.num_rows();
  double model_sse = 0.0, baseline_sse = 0.0;
  for (size_t r = 0; r < test.num_rows(); ++r) {
    model_sse += std::pow(pred.mean[r] - test.gain[r], 2);
    baseline_sse += std::pow(train_mean - test.gain[r], 2);
  }
  EXPECT_LT(model_sse, 0.1 * baseline_sse);

  const auto importance = ensemble.FeatureImportance(kCols);
  ASSERT_EQ(importance.size(), kCols);
  EXPECT_EQ(std::max_element(importance.begin(), importance.end()) - importance.begin(),
            static_cast<long>(kInformative));
  EXPECT_GT(importance[kInformative], 0.0);
}

TEST(XgbEnsembleTest, RankingOrdersAnUnseenGroup) {
  const Synthetic synthetic(core::Rng(5, "effects"), 0.2);
  const Dataset train = synthetic.Make(20, 40, core::Rng(5, "train"));
  Dataset test;
  core::Rng test_rng(5, "test");
  const std::vector<double> truth = synthetic.AddGroup(test, 0, 60, test_rng);

  XgbEnsemble ensemble(SmallParams(Objective::kRanking));
  core::Rng rng(5, "fit");
  ensemble.Fit(train, rng);
  const Prediction pred = ensemble.Predict(test.x.data(), test.num_rows(), kCols);
  EXPECT_GT(Spearman(pred.mean, truth), 0.8);
}

TEST(XgbEnsembleTest, MembersDisagreeOnNoisyData) {
  const Dataset train = TrainingSet(1.0);
  for (Objective objective : {Objective::kRegression, Objective::kRanking}) {
    XgbEnsemble ensemble(SmallParams(objective));
    core::Rng rng(8, "fit");
    ensemble.Fit(train, rng);
    const Prediction pred = ensemble.Predict(train.x.data(), 50, kCols);
    for (size_t r = 0; r < 50; ++r) EXPECT_GT(pred.stddev[r], 0.0) << "row " << r;
  }
}

TEST(XgbEnsembleTest, PredictIsMeanAndPopulationStddevOfMembers) {
  const Dataset train = TrainingSet();
  XgbEnsemble ensemble(SmallParams(Objective::kRegression));
  core::Rng rng(2, "fit");
  ensemble.Fit(train, rng);
  const size_t rows = 30;
  const auto members = ensemble.PredictMembers(train.x.data(), rows, kCols);
  ASSERT_EQ(members.size(), 4 * rows);
  const Prediction pred = ensemble.Predict(train.x.data(), rows, kCols);
  for (size_t r = 0; r < rows; ++r) {
    double mean = 0.0;
    for (size_t m = 0; m < 4; ++m) mean += members[m * rows + r] / 4.0;
    double var = 0.0;
    for (size_t m = 0; m < 4; ++m) var += std::pow(members[m * rows + r] - mean, 2) / 4.0;
    EXPECT_NEAR(pred.mean[r], mean, 1e-9);
    EXPECT_NEAR(pred.stddev[r], std::sqrt(var), 1e-9);
  }
}

TEST(XgbEnsembleTest, FastPredictionMatchesXgboostBitForBit) {
  const Dataset train = TrainingSet(1.0);
  // Inputs off the training grid too: fractional one-hots, large values, missing values.
  std::vector<float> x = train.x;
  core::Rng rng(12, "inputs");
  for (size_t i = 0; i < 200 * kCols; ++i) {
    const double u = rng.Uniform();
    x.push_back(u < 0.1   ? std::nanf("")
                : u < 0.2 ? static_cast<float>(rng.Normal(0.0, 100.0))
                          : static_cast<float>(rng.Uniform()));
  }
  const size_t rows = x.size() / kCols;
  for (Objective objective : {Objective::kRanking, Objective::kRegression}) {
    for (int depth : {1, 3, 6, 10}) {
      EnsembleParams params = SmallParams(objective);
      params.max_depth = depth;
      XgbEnsemble ensemble(params);
      core::Rng fit_rng(13, "fit");
      ensemble.Fit(train, fit_rng);
      const auto fast = ensemble.PredictMembers(x.data(), rows, kCols);
      const auto reference = ensemble.PredictMembersReference(x.data(), rows, kCols);
      ASSERT_EQ(fast.size(), reference.size());
      size_t mismatches = 0;
      for (size_t i = 0; i < fast.size(); ++i) mismatches += fast[i] != reference[i];
      EXPECT_EQ(mismatches, 0u) << "depth " << depth;
    }
  }
}

TEST(XgbEnsembleTest, ParallelTrainingIsBitIdenticalToSequential) {
  const Dataset train = TrainingSet();
  for (Objective objective : {Objective::kRanking, Objective::kRegression}) {
    EnsembleParams params = SmallParams(objective);
    params.parallel = true;
    XgbEnsemble parallel(params);
    params.parallel = false;
    XgbEnsemble sequential(params);
    core::Rng rng_a(21, "fit");
    core::Rng rng_b(21, "fit");
    parallel.Fit(train, rng_a);
    sequential.Fit(train, rng_b);
    EXPECT_EQ(parallel.SerializeMembers(), sequential.SerializeMembers());
    // Enough rows that the parallel ensemble also predicts on several threads.
    const size_t rows = train.num_rows();
    EXPECT_EQ(parallel.PredictMembers(train.x.data(), rows, kCols),
              sequential.PredictMembers(train.x.data(), rows, kCols));
    EXPECT_EQ(parallel.PredictMembersReference(train.x.data(), rows, kCols),
              sequential.PredictMembersReference(train.x.data(), rows, kCols));
  }
}

TEST(XgbEnsembleTest, SameSeedIsDeterministicOtherSeedDiffers) {
  const Dataset train = TrainingSet();
  XgbEnsemble a(SmallParams(Objective::kRanking));
  XgbEnsemble b(SmallParams(Objective::kRanking));
  XgbEnsemble c(SmallParams(Objective::kRanking));
  core::Rng rng_a(4, "fit");
  core::Rng rng_b(4, "fit");
  core::Rng rng_c(5, "fit");
  a.Fit(train, rng_a);
  b.Fit(train, rng_b);
  c.Fit(train, rng_c);
  const size_t rows = train.num_rows();
  const auto pa = a.PredictMembers(train.x.data(), rows, kCols);
  EXPECT_EQ(pa, b.PredictMembers(train.x.data(), rows, kCols));
  EXPECT_NE(pa, c.PredictMembers(train.x.data(), rows, kCols));
  // Members see different bootstrap samples.
  EXPECT_NE(std::vector<double>(pa.begin(), pa.begin() + rows),
            std::vector<double>(pa.begin() + rows, pa.begin() + 2 * rows));
}

TEST(XgbEnsembleTest, RefitReplacesTheModel) {
  const Dataset train = TrainingSet();
  XgbEnsemble once(SmallParams(Objective::kRegression));
  XgbEnsemble twice(SmallParams(Objective::kRegression));
  core::Rng rng_once(6, "fit");
  once.Fit(train, rng_once);
  core::Rng rng_other(7, "fit");
  twice.Fit(Synthetic(core::Rng(1, "x"), 0.5).Make(3, 20, core::Rng(1, "y")), rng_other);
  core::Rng rng_twice(6, "fit");
  twice.Fit(train, rng_twice);
  EXPECT_EQ(once.SerializeMembers(), twice.SerializeMembers());
}

TEST(XgbEnsembleTest, SerializeLoadPredictsIdentically) {
  const Dataset train = TrainingSet();
  for (Objective objective : {Objective::kRanking, Objective::kRegression}) {
    XgbEnsemble original(SmallParams(objective));
    core::Rng rng(9, "fit");
    original.Fit(train, rng);
    const auto bytes = original.SerializeMembers();
    ASSERT_EQ(bytes.size(), 4u);

    XgbEnsemble loaded(EnsembleParams{});
    EXPECT_FALSE(loaded.fitted());
    loaded.LoadMembers(bytes, kCols);
    EXPECT_TRUE(loaded.fitted());
    EXPECT_EQ(loaded.num_members(), 4u);
    const size_t rows = train.num_rows();
    EXPECT_EQ(loaded.PredictMembers(train.x.data(), rows, kCols),
              original.PredictMembers(train.x.data(), rows, kCols));
    EXPECT_EQ(loaded.PredictMembersReference(train.x.data(), rows, kCols),
              original.PredictMembersReference(train.x.data(), rows, kCols));
    const Prediction a = original.Predict(train.x.data(), rows, kCols);
    const Prediction b = loaded.Predict(train.x.data(), rows, kCols);
    EXPECT_EQ(a.mean, b.mean);
    EXPECT_EQ(a.stddev, b.stddev);
    EXPECT_EQ(loaded.FeatureImportance(kCols), original.FeatureImportance(kCols));
    EXPECT_EQ(loaded.SerializeMembers(), bytes);
  }
}

TEST(XgbEnsembleTest, PredictZeroRowsIsEmpty) {
  XgbEnsemble ensemble(SmallParams(Objective::kRegression));
  core::Rng rng(1, "fit");
  ensemble.Fit(TrainingSet(), rng);
  const Prediction pred = ensemble.Predict(nullptr, 0, kCols);
  EXPECT_TRUE(pred.mean.empty());
  EXPECT_TRUE(pred.stddev.empty());
}

TEST(XgbEnsembleTest, TinyRankingGroupsTrain) {
  // Single-row groups and bootstrap duplicates must not break LambdaMART.
  Dataset data = Synthetic(core::Rng(2, "effects"), 0.1).Make(5, 1, core::Rng(2, "rows"));
  XgbEnsemble ensemble(SmallParams(Objective::kRanking));
  core::Rng rng(2, "fit");
  ensemble.Fit(data, rng);
  EXPECT_EQ(ensemble.Predict(data.x.data(), data.num_rows(), kCols).mean.size(), 5u);
}

TEST(XgbEnsembleTest, ErrorsAreReported) {
  XgbEnsemble ensemble(SmallParams(Objective::kRanking));
  core::Rng rng(1, "fit");
  const std::vector<float> row(kCols, 0.0f);

  try {
    ensemble.Predict(row.data(), 1, kCols);
    FAIL() << "expected core::Error";
  } catch (const core::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("not fitted"));
  }
  EXPECT_THROW(ensemble.PredictMembers(row.data(), 1, kCols), core::Error);
  EXPECT_THROW(ensemble.FeatureImportance(kCols), core::Error);
  EXPECT_THROW(ensemble.SerializeMembers(), core::Error);

  Dataset empty;
  empty.num_cols = kCols;
  try {
    ensemble.Fit(empty, rng);
    FAIL() << "expected core::Error";
  } catch (const core::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no rows"));
  }
  EXPECT_FALSE(ensemble.fitted());

  Dataset ragged = TrainingSet();
  ragged.x.pop_back();
  EXPECT_THROW(ensemble.Fit(ragged, rng), core::Error);
  Dataset unsorted = TrainingSet();
  std::swap(unsorted.group.front(), unsorted.group.back());
  EXPECT_THROW(ensemble.Fit(unsorted, rng), core::Error);
  Dataset nan_gain = TrainingSet();
  nan_gain.gain[3] = std::nan("");
  EXPECT_THROW(ensemble.Fit(nan_gain, rng), core::Error);

  EnsembleParams bad = SmallParams(Objective::kRegression);
  bad.members = 0;
  XgbEnsemble bad_ensemble(bad);
  try {
    bad_ensemble.Fit(TrainingSet(), rng);
    FAIL() << "expected core::Error";
  } catch (const core::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("members must be >= 1"));
  }

  ensemble.Fit(TrainingSet(), rng);
  EXPECT_THROW(ensemble.Predict(row.data(), 1, kCols - 1), core::Error);
  EXPECT_THROW(ensemble.FeatureImportance(kCols + 1), core::Error);

  XgbEnsemble loaded(EnsembleParams{});
  EXPECT_THROW(loaded.LoadMembers({}, kCols), core::Error);
  EXPECT_THROW(loaded.LoadMembers({"not a model"}, kCols), core::Error);
  try {
    loaded.LoadMembers({"{garbage"}, kCols);
    FAIL() << "expected core::Error";
  } catch (const core::Error& e) {
    // XGBoost's message is cut to its first line.
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
  EXPECT_THROW(loaded.LoadMembers(ensemble.SerializeMembers(), kCols + 2), core::Error);
  EXPECT_FALSE(loaded.fitted());
}

TEST(XgbEnsembleTest, PrepareEnvironmentKeepsExistingValue) {
  const char* old = std::getenv("OMP_WAIT_POLICY");
  const std::string saved = old != nullptr ? old : "";
  unsetenv("OMP_WAIT_POLICY");
  PrepareXgboostEnvironment();
  EXPECT_STREQ(std::getenv("OMP_WAIT_POLICY"), "passive");
  setenv("OMP_WAIT_POLICY", "active", 1);
  PrepareXgboostEnvironment();
  EXPECT_STREQ(std::getenv("OMP_WAIT_POLICY"), "active");
  if (old != nullptr) {
    setenv("OMP_WAIT_POLICY", saved.c_str(), 1);
  } else {
    unsetenv("OMP_WAIT_POLICY");
  }
}

}  // namespace
}  // namespace iorec::model
