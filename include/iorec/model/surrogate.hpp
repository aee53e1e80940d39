#pragma once
/// The surrogate model: predicts the gain over baseline of (workload, config) rows as a
/// mean and a spread. Rows are the workload feature vector followed by the config's
/// encoding (space::Space::EncodeConfig: one-hot plus ordinal level columns).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "iorec/core/rng.hpp"

namespace iorec::model {

/// A dense row-major training set. Rows of one query group (workload) are contiguous.
struct Dataset {
  size_t num_cols = 0;
  std::vector<float> x;         ///< num_rows * num_cols
  std::vector<double> gain;     ///< target per row
  std::vector<uint32_t> group;  ///< workload index per row, non-decreasing
  size_t num_rows() const { return gain.size(); }
};

struct Prediction {
  std::vector<double> mean;
  std::vector<double> stddev;
};

class Surrogate {
 public:
  virtual ~Surrogate() = default;
  /// Trains from scratch. Deterministic in (data, rng state).
  virtual void Fit(const Dataset& data, core::Rng& rng) = 0;
  /// Predicts rows (row-major, num_rows * num_cols floats). Precondition: fitted and
  /// num_cols equals the training width.
  virtual Prediction Predict(const float* x, size_t num_rows, size_t num_cols) const = 0;
  /// Per-member predictions, member-major (members * num_rows); for Thompson draws and tests.
  virtual std::vector<double> PredictMembers(const float* x, size_t num_rows,
                                             size_t num_cols) const = 0;
  virtual size_t num_members() const = 0;
  virtual bool fitted() const = 0;
  /// Sum of split gains per input column over all members (importance).
  virtual std::vector<double> FeatureImportance(size_t num_cols) const = 0;
};

}  // namespace iorec::model
