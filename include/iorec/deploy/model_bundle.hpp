#pragma once
/// The deployable model directory (`<output>/model/`): everything `iorec recommend` needs
/// without retraining: knobs, baseline, known workloads, the recommendation matrix (with
/// each workload's baseline perf) and the tree ensemble's members (XGBoost UBJSON, one file
/// each).
#include <filesystem>
#include <memory>
#include <string>

#include "iorec/deploy/expectation.hpp"
#include "iorec/deploy/recommender.hpp"
#include "iorec/model/xgb_ensemble.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"

namespace iorec::deploy {

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
};

/// Writes model.json and member_<i>.ubj into `dir` (atomically, file by file).
void SaveModelBundle(const std::filesystem::path& dir, const ModelBundle& bundle);
/// Reads a bundle (this format, or format 1 of earlier versions). Throws core::InputError
/// naming the file on any problem.
ModelBundle LoadModelBundle(const std::filesystem::path& dir);

}  // namespace iorec::deploy
