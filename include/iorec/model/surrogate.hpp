#pragma once
/// The active loop's surrogate: for one of the study's workloads and a list of configs,
/// the predicted log gain over the workload's baseline as a mean and a spread. Implemented
/// by the per-workload Gaussian processes (GpSurrogate, local_gp.hpp) and the tree
/// ensemble (TreeSurrogate).
#include <cstddef>
#include <vector>

#include "iorec/model/row_model.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"

namespace iorec::model {

class Surrogate {
 public:
  virtual ~Surrogate() = default;
  /// One mean and spread per config. Precondition: `workload` indexes the study's workloads
  /// and Covers(workload).
  virtual Prediction Predict(size_t workload, const std::vector<space::Config>& configs) const = 0;
  /// Whether the surrogate can predict for this workload.
  virtual bool Covers(size_t workload) const = 0;
  /// "gp" or "trees", for summaries.
  virtual const char* name() const = 0;
};

/// A fitted row model (the tree ensemble) seen through a study's workload features. With a
/// ranking objective the mean is a LambdaMART score: only its order within a workload
/// means something. Non-owning: the model, space and workloads outlive it.
class TreeSurrogate final : public Surrogate {
 public:
  TreeSurrogate(const RowModel& model, const space::Space& space,
                const space::WorkloadSet& workloads)
      : model_(model), space_(space), workloads_(workloads) {}
  Prediction Predict(size_t workload, const std::vector<space::Config>& configs) const override;
  bool Covers(size_t workload) const override { return workload < workloads_.size(); }
  const char* name() const override { return "trees"; }

 private:
  const RowModel& model_;
  const space::Space& space_;
  const space::WorkloadSet& workloads_;
};

}  // namespace iorec::model
