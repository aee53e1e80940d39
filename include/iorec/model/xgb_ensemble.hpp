#pragma once
/// Bootstrap ensemble of XGBoost boosters (C API). Each member trains on a seeded
/// sample with replacement of `subsample_fraction` of the rows, on its own thread with
/// nthread=1, so results do not depend on scheduling. Member i draws its sample and its
/// XGBoost seed from rng.Fork(i); Fit does not advance the caller's rng.
/// Ranking uses rank:ndcg (LambdaMART) on RelevanceLabels of the gains; regression uses
/// reg:squarederror on the gains. Trees are grown with tree_method=hist (deterministic
/// with nthread=1).
#include <memory>
#include <string>
#include <vector>

#include "iorec/model/row_model.hpp"

namespace iorec::model {

enum class Objective { kRanking, kRegression };

struct EnsembleParams {
  Objective objective = Objective::kRanking;
  int members = 6;
  int relevance_levels = 5;  ///< ranking: quantile bins of gain per group
  int num_rounds = 120;
  int max_depth = 5;
  double learning_rate = 0.1;
  double subsample_fraction = 0.9;
  double min_child_weight = 0.1;
  bool parallel = true;  ///< one thread per member
};

/// Graded relevance labels: each group's gains split into `levels` quantile bins
/// (0 = worst). All-equal gains in a group give all zeros.
std::vector<float> RelevanceLabels(const std::vector<double>& gain,
                                   const std::vector<uint32_t>& group, int levels);

class XgbEnsemble final : public RowModel {
 public:
  explicit XgbEnsemble(EnsembleParams params);
  ~XgbEnsemble() override;
  XgbEnsemble(const XgbEnsemble&) = delete;
  XgbEnsemble& operator=(const XgbEnsemble&) = delete;

  void Fit(const Dataset& data, core::Rng& rng) override;
  /// Mean and population stddev over members of the members' raw outputs. With
  /// Objective::kRanking these are LambdaMART scores (only their order within a workload is
  /// meaningful), not gains; with kRegression they estimate the gain.
  /// Thread-safe: concurrent Predict/PredictMembers calls on one ensemble are allowed.
  Prediction Predict(const float* x, size_t num_rows, size_t num_cols) const override;
  /// Per-member predictions, member-major (members * num_rows). Evaluates the members'
  /// trees with a compact built-in evaluator (bit-identical to XGBoost's CPU predictor),
  /// split over threads by rows when params.parallel. Predict aggregates these.
  std::vector<double> PredictMembers(const float* x, size_t num_rows, size_t num_cols) const;
  /// Same as PredictMembers but through XGBoosterPredictFromDense, one member at a time.
  /// The reference the fast path is tested against.
  std::vector<double> PredictMembersReference(const float* x, size_t num_rows,
                                              size_t num_cols) const;
  size_t num_members() const;
  bool fitted() const override;
  std::vector<double> FeatureImportance(size_t num_cols) const override;

  const EnsembleParams& params() const { return params_; }
  /// Each member's model as XGBoost UBJSON bytes.
  std::vector<std::string> SerializeMembers() const;
  /// Replaces the members with deserialized ones. Throws core::Error on bad bytes.
  void LoadMembers(const std::vector<std::string>& members, size_t num_cols);

 private:
  struct Impl;
  void CheckPredictArgs(const float* x, size_t num_rows, size_t num_cols) const;
  EnsembleParams params_;
  std::unique_ptr<Impl> impl_;
};

/// Call once at start-up, before any XGBoost call: sets OMP_WAIT_POLICY=passive unless set.
void PrepareXgboostEnvironment();

}  // namespace iorec::model
