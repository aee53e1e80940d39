#pragma once
/// Models of encoded rows: a workload's feature vector followed by a config's encoding
/// (space::Space::EncodeConfig: one-hot plus ordinal level columns). The tree ensemble is
/// one; deploy::Recommender scores configs for new workloads through this interface.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "iorec/core/rng.hpp"
#include "iorec/space/space.hpp"

namespace iorec::model {

/// A dense row-major training set. Rows of one query group (workload) are contiguous.
struct Dataset {
  size_t num_cols = 0;
  std::vector<float> x;         ///< num_rows * num_cols
  std::vector<double> gain;     ///< target per row
  std::vector<uint32_t> group;  ///< workload index per row, non-decreasing
  size_t num_rows() const { return gain.size(); }
};

/// A mean and a spread per row or config.
struct Prediction {
  std::vector<double> mean;
  std::vector<double> stddev;
};

class RowModel {
 public:
  virtual ~RowModel() = default;
  /// Trains from scratch. Deterministic in (data, rng state).
  virtual void Fit(const Dataset& data, core::Rng& rng) = 0;
  /// Predicts rows (row-major, num_rows * num_cols floats). Precondition: fitted and
  /// num_cols equals the training width.
  virtual Prediction Predict(const float* x, size_t num_rows, size_t num_cols) const = 0;
  virtual bool fitted() const = 0;
  /// Sum of split gains per input column over all members (importance).
  virtual std::vector<double> FeatureImportance(size_t num_cols) const = 0;
};

/// Model input rows: `features` then each config's encoding (the training layout).
std::vector<float> EncodeRows(const space::Space& space, const std::vector<double>& features,
                              const std::vector<space::Config>& configs);

/// Predicts `configs` for a workload with these features. Precondition: as RowModel::Predict.
Prediction PredictConfigs(const RowModel& model, const space::Space& space,
                          const std::vector<double>& features,
                          const std::vector<space::Config>& configs);

}  // namespace iorec::model
