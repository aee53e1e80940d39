#include "iorec/deploy/recommender.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace iorec::deploy {
namespace {

/// Scores a row by the level index of knob 0 (one-hot column offset after features).
class FakeModel final : public model::RowModel {
 public:
  explicit FakeModel(size_t nf, double stddev = 0.1, bool spread_grows_with_f0 = false)
      : nf_(nf), stddev_(stddev), grows_(spread_grows_with_f0) {}
  void Fit(const model::Dataset&, core::Rng&) override {}
  model::Prediction Predict(const float* x, size_t rows, size_t cols) const override {
    model::Prediction p;
    for (size_t r = 0; r < rows; ++r) {
      double s = 0;
      for (size_t l = 0; l < 3; ++l) s += x[r * cols + nf_ + l] * static_cast<double>(l);
      p.mean.push_back(s);
      p.stddev.push_back(stddev_ + (grows_ ? std::abs(x[r * cols]) : 0.0));
    }
    return p;
  }
  bool fitted() const override { return true; }
  std::vector<double> FeatureImportance(size_t) const override { return {}; }

 private:
  size_t nf_;
  double stddev_;
  bool grows_;
};

struct Fixture {
  /// A measured config with one run at `perf`.
  static MatrixEntry Entry(std::vector<uint8_t> levels, double perf) {
    MatrixEntry e;
    e.config = space::Config(std::move(levels));
    e.mean_perf.value = perf;
    e.robust_perf.value = perf;
    e.runs = 1;
    return e;
  }

  space::Space space;
  space::WorkloadSet known;
  RecommendationMatrix matrix;
  Fixture() {
    std::vector<space::Knob> knobs(2);
    knobs[0].name = "a";
    knobs[1].name = "b";
    for (int l = 0; l < 3; ++l) {
      knobs[0].values.push_back(space::KnobValue::Int(l, std::to_string(l)));
      knobs[1].values.push_back(space::KnobValue::Int(l, std::to_string(l)));
    }
    space = space::Space(knobs);
    known.feature_names = {"f0", "f1"};
    known.workloads = {
        {"near", {0.0, 0.0}, "", {}}, {"mid", {0.5, 0.5}, "", {}}, {"far", {1.0, 1.0}, "", {}}};
    // Every known workload's baseline {0,0} runs at 100.
    matrix.workload_ids = {"near", "mid", "far"};
    matrix.baseline.assign(3, state::Perf{100.0});
    matrix.has_baseline.assign(3, true);
    matrix.top = {{Entry({0, 1}, 150), Entry({0, 2}, 140), Entry({1, 0}, 110)},
                  {Entry({1, 1}, 130), Entry({0, 1}, 120)},
                  {Entry({2, 2}, 190)}};
  }
};

TEST(RecommenderTest, UnseenWorkloadGetsTheNeighboursConsensus) {
  Fixture f;
  FakeModel m(2);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 3});
  const auto r = rec.Recommend({0.1, 0.1});
  ASSERT_EQ(r.neighbors.size(), 2u);
  EXPECT_EQ(r.neighbors[0].workload_id, "near");
  EXPECT_EQ(r.neighbors[1].workload_id, "mid");
  EXPECT_FALSE(r.exact_match);
  EXPECT_TRUE(r.warnings.empty());
  ASSERT_EQ(r.configs.size(), 3u);
  // Weights 1 (near) and 1/2 (mid); fractions of each neighbour's best, unlisted configs at
  // the neighbour's lowest listed fraction: {0,1} (1 + 0.5*120/130)/1.5 = 0.974,
  // {0,2} (140/150 + 0.5*120/130)/1.5 = 0.930, {1,1} (110/150 + 0.5)/1.5 = 0.822,
  // {1,0} (110/150 + 0.5*120/130)/1.5 = 0.796. The model (which prefers a = 1) does not
  // override measured evidence.
  EXPECT_EQ(r.configs[0].config, space::Config({0, 1}));
  EXPECT_NEAR(r.configs[0].consensus, (1.0 + 0.5 * 120.0 / 130.0) / 1.5, 1e-12);
  EXPECT_EQ(r.configs[0].source, "neighbor:near");
  EXPECT_EQ(r.configs[1].config, space::Config({0, 2}));
  EXPECT_EQ(r.configs[2].config, space::Config({1, 1}));
  EXPECT_EQ(r.configs[2].source, "neighbor:mid");
  // "far" is not a neighbour, so its config is not a candidate.
  for (const auto& c : r.configs) EXPECT_NE(c.config, space::Config({2, 2}));
}

TEST(RecommenderTest, ModelBreaksNearTiesOnly) {
  Fixture f;
  // Two configs with the same measured fraction at the only neighbour: the model (which
  // scores knob a's level) orders them.
  f.matrix.top[0] = {Fixture::Entry({0, 1}, 150), Fixture::Entry({2, 1}, 150),
                     Fixture::Entry({1, 0}, 110)};
  FakeModel m(2);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {1, 3});
  const auto r = rec.Recommend({0.1, 0.1});
  ASSERT_EQ(r.configs.size(), 3u);
  EXPECT_EQ(r.configs[0].config, space::Config({2, 1}));
  EXPECT_EQ(r.configs[1].config, space::Config({0, 1}));
}

TEST(RecommenderTest, TopOneMustBeatTheBaselineWhereverMeasured) {
  Fixture f;
  // {0,1} leads the consensus but ran below the baseline on "mid".
  f.matrix.top[0] = {Fixture::Entry({0, 1}, 150), Fixture::Entry({0, 2}, 140),
                     Fixture::Entry({0, 0}, 100)};
  f.matrix.top[1] = {Fixture::Entry({1, 1}, 130), Fixture::Entry({0, 1}, 95)};
  FakeModel m(2);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 3});
  const auto r = rec.Recommend({0.1, 0.1});
  ASSERT_EQ(r.configs.size(), 3u);
  EXPECT_EQ(r.configs[0].config, space::Config({0, 2}));
  EXPECT_EQ(r.configs[1].config, space::Config({0, 1}));
}

TEST(RecommenderTest, KnownWorkloadGetsItsOwnMeasuredBestFirst) {
  Fixture f;
  FakeModel m(2);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 3});
  const auto r = rec.Recommend({0.0, 0.0});
  EXPECT_TRUE(r.exact_match);
  ASSERT_EQ(r.configs.size(), 3u);
  EXPECT_EQ(r.configs[0].config, space::Config({0, 1}));
  EXPECT_TRUE(r.configs[0].measured);
  EXPECT_DOUBLE_EQ(r.configs[0].measured_gain.value, 0.5);  // 150 over the baseline's 100
  EXPECT_EQ(r.configs[0].source, "measured");
}

TEST(RecommenderTest, TheSameMixAtAnotherRankCountIsNotTheKnownWorkload) {
  Fixture f;
  f.known.feature_names = {"f0", "f1", "nprocs"};
  f.known.workloads[0].features = {0.0, 0.0, 64.0};
  f.known.workloads[1].features = {0.5, 0.5, 16.0};
  f.known.workloads[2].features = {1.0, 1.0, 1024.0};
  FakeModel m(3);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 3});
  EXPECT_TRUE(rec.Recommend({0.0, 0.0, 64.0}).exact_match);
  // 4x the ranks: a tiny distance on a linear nprocs span of 1008, but another scale.
  const auto scaled = rec.Recommend({0.0, 0.0, 256.0});
  EXPECT_LT(scaled.neighbors[0].distance, 0.2);
  EXPECT_EQ(scaled.neighbors[0].workload_id, "near");
  EXPECT_FALSE(scaled.exact_match);
}

TEST(RecommenderTest, ConsensusIsScaleFree) {
  Fixture f;
  // Each workload's perfs in other units (e.g. a rate per hour instead of per second).
  const double scale[] = {3600.0, 1.0 / 7.0, 1e6};
  for (size_t w = 0; w < 3; ++w) {
    f.matrix.baseline[w].value *= scale[w];
    for (auto& e : f.matrix.top[w]) {
      e = Fixture::Entry(e.config.levels(), e.mean_perf.value * scale[w]);
    }
  }
  FakeModel m(2);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 3});
  const auto r = rec.Recommend({0.1, 0.1});
  ASSERT_EQ(r.configs.size(), 3u);
  // The fractions of each neighbour's best are those of the first test: same order.
  EXPECT_EQ(r.configs[0].config, space::Config({0, 1}));
  EXPECT_NEAR(r.configs[0].consensus, (1.0 + 0.5 * 120.0 / 130.0) / 1.5, 1e-12);
  EXPECT_EQ(r.configs[1].config, space::Config({0, 2}));
  EXPECT_EQ(r.configs[2].config, space::Config({1, 1}));
  EXPECT_TRUE(r.warnings.empty());
}

TEST(RecommenderTest, BaselineComesFirstWhenNoNeighbourConfigBeatsIt) {
  Fixture f;
  // Both neighbours measured their listed configs below the baseline.
  for (auto& top : f.matrix.top) {
    for (auto& e : top) e = Fixture::Entry(e.config.levels(), 90);
  }
  FakeModel m(2);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 3});
  const auto r = rec.Recommend({0.1, 0.1});
  ASSERT_FALSE(r.configs.empty());
  EXPECT_EQ(r.configs[0].config, space::Config({0, 0}));
  EXPECT_EQ(r.configs[0].source, "baseline");
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("baseline"), std::string::npos);
}

TEST(RecommenderTest, HighModelSpreadIsFlaggedAndKeepsTheBaseline) {
  Fixture f;
  // The fake model's spread grows with feature 0; on each known workload's features (for
  // its nearest neighbour's best config) it is 0.1, 0.6 and 1.1, so the threshold is 1.1.
  FakeModel m(2, 0.1, /*spread_grows_with_f0=*/true);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 3});
  const auto r = rec.Recommend({1.2, 0.9});
  bool flagged = false;
  for (const auto& w : r.warnings) flagged |= w.find("spread") != std::string::npos;
  EXPECT_TRUE(flagged);
  ASSERT_EQ(r.configs.size(), 3u);
  EXPECT_EQ(r.configs.back().config, space::Config({0, 0}));
  for (const auto& w : rec.Recommend({0.1, 0.1}).warnings)
    EXPECT_EQ(w.find("spread"), std::string::npos);
}

TEST(RecommenderTest, FarWorkloadIsFlaggedAndKeepsTheBaseline) {
  Fixture f;
  FakeModel m(2);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 2});
  const auto r = rec.Recommend({5.0, -4.0});
  ASSERT_EQ(r.configs.size(), 2u);
  bool has_baseline = false;
  for (const auto& c : r.configs) has_baseline |= c.config == space::Config({0, 0});
  EXPECT_TRUE(has_baseline);
  bool flagged = false;
  for (const auto& w : r.warnings) flagged |= w.find("far") != std::string::npos;
  EXPECT_TRUE(flagged);
  EXPECT_TRUE(r.far);
  // A workload inside the known range is not flagged.
  const auto inside = rec.Recommend({0.4, 0.4});
  EXPECT_FALSE(inside.far);
  for (const auto& w : inside.warnings) EXPECT_EQ(w.find("far"), std::string::npos);
}

TEST(RecommenderTest, DistanceIsRangeScaled) {
  Fixture f;
  FakeModel m(2);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 3});
  EXPECT_NEAR(rec.Distance({0, 0}, {1, 1}), std::sqrt(2.0), 1e-12);
}

TEST(RecommenderTest, EncodeRowsLaysOutFeaturesThenOneHot) {
  Fixture f;
  const auto x = model::EncodeRows(f.space, {0.25, 0.5}, {space::Config({2, 0})});
  EXPECT_EQ(x, (std::vector<float>{0.25f, 0.5f, 0, 0, 1, 1, 0, 0, 1.0f, 0.0f}));
}

}  // namespace
}  // namespace iorec::deploy
