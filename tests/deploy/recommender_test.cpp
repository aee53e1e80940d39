#include "iorec/deploy/recommender.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace iorec::deploy {
namespace {

/// Scores a row by the level index of knob 0 (one-hot column offset after features).
class FakeModel final : public model::Surrogate {
 public:
  explicit FakeModel(size_t nf, double stddev = 0.1) : nf_(nf), stddev_(stddev) {}
  void Fit(const model::Dataset&, core::Rng&) override {}
  model::Prediction Predict(const float* x, size_t rows, size_t cols) const override {
    model::Prediction p;
    for (size_t r = 0; r < rows; ++r) {
      double s = 0;
      for (size_t l = 0; l < 3; ++l) s += x[r * cols + nf_ + l] * static_cast<double>(l);
      p.mean.push_back(s);
      p.stddev.push_back(stddev_);
    }
    return p;
  }
  std::vector<double> PredictMembers(const float*, size_t, size_t) const override { return {}; }
  size_t num_members() const override { return 1; }
  bool fitted() const override { return true; }
  std::vector<double> FeatureImportance(size_t) const override { return {}; }

 private:
  size_t nf_;
  double stddev_;
};

struct Fixture {
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
    auto entry = [](std::vector<uint8_t> lv, double g) {
      MatrixEntry e;
      e.config = space::Config(std::move(lv));
      e.mean_gain = e.robust_gain = g;
      e.runs = 1;
      return e;
    };
    matrix.workload_ids = {"near", "mid", "far"};
    matrix.top = {{entry({0, 1}, 5.0), entry({0, 2}, 4.0), entry({1, 0}, 1.0)},
                  {entry({1, 1}, 3.0), entry({0, 1}, 2.0)},
                  {entry({2, 2}, 9.0)}};
  }
};

TEST(RecommenderTest, FindsNearestNeighboursAndRerankesByModel) {
  Fixture f;
  FakeModel m(2);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 3});
  const auto r = rec.Recommend({0.1, 0.1});
  ASSERT_EQ(r.neighbors.size(), 2u);
  EXPECT_EQ(r.neighbors[0].workload_id, "near");
  EXPECT_EQ(r.neighbors[1].workload_id, "mid");
  EXPECT_FALSE(r.exact_match);
  ASSERT_EQ(r.configs.size(), 3u);
  // The model prefers knob a at level 1: {1,0} first (stable among equals); then the nearest
  // workload's best measured config verbatim; then the model's next choice {1,1}.
  EXPECT_EQ(r.configs[0].config, space::Config({1, 0}));
  EXPECT_EQ(r.configs[0].source, "neighbor:near");
  EXPECT_EQ(r.configs[1].config, space::Config({0, 1}));
  EXPECT_EQ(r.configs[2].config, space::Config({1, 1}));
  // "far" is not a neighbour, so its config is not a candidate.
  for (const auto& c : r.configs) EXPECT_NE(c.config, space::Config({2, 2}));
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
  EXPECT_EQ(r.configs[0].source, "measured");
}

TEST(RecommenderTest, BaselineComesFirstWhenNothingConfidentlyBeatsIt) {
  Fixture f;
  FakeModel uncertain(2, /*stddev=*/5.0);
  Recommender rec(f.space, f.known, f.matrix, uncertain, space::Config({0, 0}), {2, 3});
  const auto r = rec.Recommend({0.1, 0.1});
  ASSERT_FALSE(r.configs.empty());
  EXPECT_EQ(r.configs[0].config, space::Config({0, 0}));
  EXPECT_EQ(r.configs[0].source, "baseline");
  EXPECT_FALSE(r.warnings.empty());
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
  // A workload inside the known range is not flagged.
  for (const auto& w : rec.Recommend({0.4, 0.4}).warnings)
    EXPECT_EQ(w.find("far"), std::string::npos);
}

TEST(RecommenderTest, DistanceIsRangeScaled) {
  Fixture f;
  FakeModel m(2);
  Recommender rec(f.space, f.known, f.matrix, m, space::Config({0, 0}), {2, 3});
  EXPECT_NEAR(rec.Distance({0, 0}, {1, 1}), std::sqrt(2.0), 1e-12);
}

TEST(RecommenderTest, EncodeRowsLaysOutFeaturesThenOneHot) {
  Fixture f;
  const auto x = EncodeRows(f.space, {0.25, 0.5}, {space::Config({2, 0})});
  EXPECT_EQ(x, (std::vector<float>{0.25f, 0.5f, 0, 0, 1, 1, 0, 0, 1.0f, 0.0f}));
}

}  // namespace
}  // namespace iorec::deploy
