#pragma once
/// Deployment: recommend configs for a workload from its features, using the measured
/// top configs of its nearest known workloads and the surrogate to rank them.
#include <cstdint>
#include <string>
#include <vector>

#include "iorec/deploy/matrix.hpp"
#include "iorec/model/row_model.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"

namespace iorec::deploy {

struct Neighbor {
  std::string workload_id;
  double distance = 0.0;
};

struct RecommendedConfig {
  space::Config config;
  /// The tree model's mean for the config on this workload: a LambdaMART score (only its
  /// order means something) or, with a regression model, a log gain.
  double model_score = 0.0;
  double model_std = 0.0;        ///< spread over the ensemble's members
  bool measured = false;         ///< measured on this exact workload
  state::RelGain measured_gain;  ///< its robust gain there, when measured
  /// Unseen workloads: the neighbours' consensus, a weighted mean of the config's robust
  /// perf as a fraction of each neighbour's best (1 = best everywhere). 0 otherwise.
  double consensus = 0.0;
  std::string source;  ///< "measured", "neighbor:<id>", "baseline"
};

struct Recommendation {
  std::vector<RecommendedConfig> configs;
  std::vector<Neighbor> neighbors;
  bool exact_match = false;  ///< the features equal (or nearly equal) a known workload's
  /// The nearest known workload is farther than the study's workloads are from each other.
  bool far = false;
  /// The nearest known workload has the same scale (every count feature such as nprocs equal).
  bool nearest_same_scale = false;
  std::vector<std::string> warnings;
};

struct RecommenderParams {
  int knn_neighbors = 5;
  int return_top_k = 3;
};

/// Euclidean distance between workload feature vectors, each feature divided by its
/// max-min span over a reference set (span 0 -> 1), so fractions and counts weigh alike.
class FeatureScale {
 public:
  FeatureScale() = default;
  explicit FeatureScale(const space::WorkloadSet& reference);
  /// Precondition: a and b have the reference's feature count.
  double Distance(const std::vector<double>& a, const std::vector<double>& b) const;

 private:
  std::vector<double> inv_span_;
};

class Recommender {
 public:
  /// `known` features are in the same order as the model was trained on. Non-owning refs:
  /// all arguments must outlive the recommender.
  Recommender(const space::Space& space, const space::WorkloadSet& known,
              const RecommendationMatrix& matrix, const model::RowModel& model,
              space::Config baseline, RecommenderParams params);

  /// Precondition: features.size() == known.feature_names.size().
  /// A known workload (distance 0, or under 5% of the median leave-one-out neighbour
  /// distance, at the same scale: every count feature such as nprocs equal) gets its own
  /// measured configs by robust score, the model filling any free
  /// slots. An unseen one gets its k neighbours' top configs ranked by consensus: the
  /// rank-weighted mean, over the neighbours, of each config's robust perf as a fraction of
  /// that neighbour's best (a neighbour's lowest listed fraction where it did not list the
  /// config); the model breaks near-ties. Top-1 must beat the baseline at every neighbour
  /// that measured it and on the consensus, else the baseline comes first. When the nearest
  /// neighbour is farther than the leave-one-out calibrated threshold, or the model's spread
  /// for top-1 exceeds the 90th percentile of its spread for each known workload on its
  /// nearest neighbour's best config, a warning is added and the baseline is kept among the
  /// returned configs.
  Recommendation Recommend(const std::vector<double>& features) const;

  /// Distance used for neighbour search: Euclidean over features scaled to the known
  /// workloads' range (each feature divided by its max-min span, span 0 -> 1).
  double Distance(const std::vector<double>& a, const std::vector<double>& b) const;

 private:
  struct Candidates;
  /// The k nearest known workloads as (distance, index), nearest first.
  std::vector<std::pair<double, size_t>> Nearest(const std::vector<double>& features) const;
  /// The neighbours' listed configs, nearest neighbour first, de-duplicated; the baseline last.
  Candidates Merge(const std::vector<std::pair<double, size_t>>& nearest) const;
  /// A measured workload's own configs by robust score; the model fills free slots.
  void FillMeasured(size_t own, const Candidates& cand, Recommendation& rec) const;
  /// An unseen workload: consensus order, top-1 rule, warnings.
  void FillUnseen(const std::vector<std::pair<double, size_t>>& nearest, const Candidates& cand,
                  Recommendation& rec) const;
  void Calibrate();
  /// Equal in every count feature (one that some known workload has above 1, e.g. nprocs).
  bool SameScale(const std::vector<double>& a, const std::vector<double>& b) const;

  const space::Space& space_;
  const space::WorkloadSet& known_;
  const RecommendationMatrix& matrix_;
  const model::RowModel& model_;
  space::Config baseline_;
  RecommenderParams params_;
  FeatureScale scale_;
  double far_threshold_ = 0.0;       ///< distance beyond which a workload counts as unfamiliar
  double same_threshold_ = 0.0;      ///< distance below which it is taken as a known workload
  double spread_threshold_ = 0.0;    ///< model stddev above which top-1 counts as uncertain
  std::vector<bool> count_feature_;  ///< per feature: a count (nprocs), not a fraction
};

}  // namespace iorec::deploy
