#pragma once
/// Bootstrap ensemble of XGBoost boosters (C API). Each member trains on a seeded
/// sample with replacement of `subsample_fraction` of the rows, on its own thread with
/// nthread=1, so results do not depend on scheduling.
#include <memory>
#include <string>
#include <vector>

#include "iorec/model/surrogate.hpp"

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

class XgbEnsemble final : public Surrogate {
 public:
  explicit XgbEnsemble(EnsembleParams params);
  ~XgbEnsemble() override;
  XgbEnsemble(const XgbEnsemble&) = delete;
  XgbEnsemble& operator=(const XgbEnsemble&) = delete;

  void Fit(const Dataset& data, core::Rng& rng) override;
  Prediction Predict(const float* x, size_t num_rows, size_t num_cols) const override;
  std::vector<double> PredictMembers(const float* x, size_t num_rows,
                                     size_t num_cols) const override;
  size_t num_members() const override;
  bool fitted() const override;
  std::vector<double> FeatureImportance(size_t num_cols) const override;

  const EnsembleParams& params() const { return params_; }
  /// Each member's model as XGBoost UBJSON bytes.
  std::vector<std::string> SerializeMembers() const;
  /// Replaces the members with deserialized ones. Throws core::Error on bad bytes.
  void LoadMembers(const std::vector<std::string>& members, size_t num_cols);

 private:
  struct Impl;
  EnsembleParams params_;
  std::unique_ptr<Impl> impl_;
};

/// Call once at start-up, before any XGBoost call: sets OMP_WAIT_POLICY=passive unless set.
void PrepareXgboostEnvironment();

}  // namespace iorec::model
