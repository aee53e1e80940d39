#pragma once
/// The deployable model directory (`<output>/model/`): everything `iorec recommend` needs
/// without retraining: knobs, baseline, known workloads, the recommendation matrix (with
/// each workload's baseline perf) and the tree ensemble's members (XGBoost UBJSON, one file
/// each), and every measured config's mean perf (for zero-shot recommendations).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "iorec/deploy/expectation.hpp"
#include "iorec/deploy/recommender.hpp"
#include "iorec/model/xgb_ensemble.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"

namespace iorec::deploy {

/// A config measured on a known workload, with its mean perf over runs.
struct MeasuredMean {
  space::Config config;
  state::Perf mean_perf;
};

struct ModelBundle {
  space::Space space;
  space::Config baseline;
  space::WorkloadSet known;  ///< feature names and the study's workloads
  std::string feature_prefix;
  RecommendationMatrix matrix;
  RecommenderParams params;
  std::shared_ptr<model::XgbEnsemble> model;
  /// The study's metric (direction, name, unit), so perfs show in its own units. Bundles
  /// written before it was kept read as maximize with no name or unit.
  MetricInfo metric;
  /// The study's runner.mode ("stub", "command", "real"); "" when not recorded. "stub" means
  /// every number behind the model is synthetic.
  std::string runner_mode;
  /// Per known workload, every config measured there (deploy::ZeroShot's training data).
  /// Empty for bundles written before it was stored.
  std::vector<std::vector<MeasuredMean>> measured;
};

/// Every measured config of the bundle's workloads as a study state (one run per config at
/// its mean perf, the baseline's at the workload's baseline perf), for deploy::ZeroShot.
/// Precondition: !bundle.measured.empty().
state::StudyState MeasuredState(const ModelBundle& bundle);

/// Every measured config of each workload of `state`, with its mean perf.
std::vector<std::vector<MeasuredMean>> MeasuredMeans(const state::StudyState& state);

/// Writes model.json and member_<i>.ubj into `dir` (atomically, file by file).
void SaveModelBundle(const std::filesystem::path& dir, const ModelBundle& bundle);
/// Reads a bundle (this format, or format 1 of earlier versions). Throws core::InputError
/// naming the file on any problem.
ModelBundle LoadModelBundle(const std::filesystem::path& dir);

}  // namespace iorec::deploy
