#pragma once
/// The study configuration: one YAML file, a superset of the reference schema.
/// Loading validates everything and reports every problem at once (InputError).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "iorec/runner/settings.hpp"
#include "iorec/space/space.hpp"
#include "iorec/space/workload.hpp"

namespace iorec::config {

/// Size limits of a study (README, "Configuration"). Beyond them a study does not fit in
/// memory or does not finish: the loop's per-workload Gaussian process is cubic in that
/// workload's trials, and the final model holds every trial as a row.
inline constexpr int kMaxWorkloads = 10000;
inline constexpr int kMaxFeatures = 1000;
inline constexpr size_t kMaxKnobs = 64;
inline constexpr int64_t kMaxTrialsPerWorkload = 5000;
inline constexpr int64_t kMaxTrials = 2000000;
/// Workload features must be finite with |value| <= this (trees split in float precision;
/// distances square the differences).
inline constexpr double kMaxFeatureMagnitude = 1e12;

struct DataConfig {
  /// Resolved against the config file's directory, else (when not there) against
  /// runner.io_synth_root as the reference does; empty = synthetic workloads.
  std::string input_dir;
  /// Synthetic workloads when input_dir is empty; with input_dir, when given in the config
  /// (n_patterns_given), the first n_patterns files by name (the reference's limit).
  int n_patterns = 25;
  bool n_patterns_given = false;
  int n_features = 35;  ///< synthetic feature count
  std::string feature_prefix = "pct_";
};

struct WarmStartConfig {
  int target_size = 45;
};

enum class ModelMode { kRanking, kRegression };

struct ModelConfig {
  ModelMode mode = ModelMode::kRanking;
  int relevance_levels = 5;
  bool use_lightgbm = true;  ///< read as "use gradient-boosted trees"; must be true
  int num_rounds = 120;      ///< boosting rounds per ensemble member
  int max_depth = 5;
  double learning_rate = 0.1;
  double subsample_fraction = 0.9;  ///< bootstrap sample size as a fraction of rows
  double min_child_weight = 0.1;
  /// The active loop's surrogate: per-workload Gaussian processes on each workload's own
  /// runs (loop::FitLocalModels) instead of the tree ensemble. The trees are still trained
  /// for the final model that `recommend` uses.
  bool local_gp = true;
};

enum class ExploreMode { kUcb, kThompson };
enum class OracleMode { kWarmOnly, kHeldout };

struct ActiveConfig {
  int ensemble_size = 6;
  int iterations = 8;
  int batch_per_iter = 3;
  double beta_start = 1.2;
  double beta_end = 0.4;
  double lambda_redundancy = 0.2;
  ExploreMode explore_mode = ExploreMode::kUcb;
  int early_stop_rounds = 0;         ///< 0 disables
  double low_sigma_threshold = 0.0;  ///< 0 disables
  OracleMode oracle_mode = OracleMode::kWarmOnly;
  uint64_t oracle_enum_threshold = 200000;
  int oracle_sampled = 20000;
  uint64_t enum_threshold_hard = 52920;
  int candidate_max_pool = 12000;
  int replicate_top_n = 0;
  int replicate_repeats = 1;  ///< the reference's default: each replicated config runs once more
  double robust_score_z = 1.0;
  /// Add the best measured configs of each workload's nearest workloads to its candidates.
  bool transfer_seeds = true;
  /// Hill-climbing steps on the model's mean over the whole space, from the best configs
  /// (0: off). Used when the space is larger than enum_threshold_hard.
  int model_ascent_steps = 8;
  /// The diversify pick: the farthest config from those tested among this top fraction of
  /// the candidate pool by predicted mean (1 = the whole pool).
  double diversify_top_fraction = 0.1;
  /// The exploit pick is limited to configs within this many knobs of the incumbent (0: off).
  int trust_region_knobs = 2;
};

struct DeployConfig {
  int topk_per_pattern = 20;
  int knn_neighbors = 5;
  int return_top_k = 3;
};

/// The `runner:` section belongs to the runner module (runner/settings.hpp validates it);
/// these names keep the config's vocabulary.
using RunnerMode = runner::RunnerMode;
using Objective = runner::Objective;
using ExecutorKind = runner::ExecutorKind;
using RealRunnerConfig = runner::RealRunnerSettings;
using SlurmConfig = runner::SlurmSettings;
using RunnerConfig = runner::RunnerSettings;

enum class SplitMode { kHeldoutConfigsPerPattern, kHeldoutPatterns, kTemporal };

struct EvaluationConfig {
  bool enabled = false;
  SplitMode split_mode = SplitMode::kHeldoutConfigsPerPattern;
  bool temporal_split = false;
  double holdout_fraction_configs = 0.2;
  double holdout_fraction_patterns = 0.2;
  double temporal_holdout_fraction = 0.2;
  int top_k = 3;
  double hit_tolerance = 0.05;
  int bootstrap_iters = 200;
  double ci_level = 0.95;
};

/// `contribution:` of the reference config: the contribution report's top-k (configs per
/// workload whose origin, warm start or active loop, is counted).
struct ContributionConfig {
  int top_k = 3;
};

struct ReportingConfig {
  bool write_markdown_summary = true;
  bool plots = true;
};

struct StudyConfig {
  std::filesystem::path source_path;  ///< the YAML file, for messages
  uint64_t seed = 7;
  space::Space space;
  space::Config baseline;
  DataConfig data;
  WarmStartConfig warm_start;
  ModelConfig model;
  ActiveConfig active;
  DeployConfig deploy;
  RunnerConfig runner;
  EvaluationConfig evaluation;
  ContributionConfig contribution;
  ReportingConfig reporting;
};

/// Parses and validates a YAML config. Throws core::InputError listing every problem,
/// each prefixed "<file>: <key path>: ...".
StudyConfig LoadStudyConfig(const std::filesystem::path& path);
/// Same, from text; `origin` names the source in messages.
StudyConfig ParseStudyConfig(const std::string& yaml_text, const std::filesystem::path& origin);

/// Number of distinct anchor configs for this space and baseline (for target_size checks).
size_t CountAnchors(const space::Space& space, const space::Config& baseline);

/// The most trials one workload can get: the warm start, then every iteration's batch and
/// its replicate runs.
int64_t MaxTrialsPerWorkload(const StudyConfig& cfg);

/// "" when a workload feature value is usable, else why not ("must be a finite number",
/// "must be within ±1e12", "'nprocs' must be >= 1").
std::string FeatureValueProblem(const std::string& name, double value);

/// Loads the workloads the config names: JSON files in data.input_dir (sorted by file
/// name), or seeded synthetic workloads when input_dir is empty. Throws InputError
/// naming the file for malformed JSON, missing features or disagreeing feature sets.
space::WorkloadSet LoadWorkloads(const StudyConfig& cfg);

/// Reads one workload JSON and orders its features as `feature_names`. Throws InputError
/// naming missing and extra features.
space::Workload LoadWorkloadFile(const std::filesystem::path& path,
                                 const std::vector<std::string>& feature_names,
                                 const std::string& feature_prefix);
/// Same, from JSON text (e.g. standard input); `origin` names it in messages and its stem
/// becomes the workload id.
space::Workload ParseWorkloadText(const std::string& json_text, const std::filesystem::path& origin,
                                  const std::vector<std::string>& feature_names,
                                  const std::string& feature_prefix);

/// Seeded synthetic workloads: n_patterns x n_features fractions in [0,1], clustered so
/// that nearest neighbours are meaningful. Features are named <prefix>f00, <prefix>f01, ...
/// so a synthetic workload written to JSON loads like a real one.
space::WorkloadSet SyntheticWorkloads(uint64_t seed, int n_patterns, int n_features,
                                      const std::string& feature_prefix = "pct_");

const char* ToString(ModelMode m);
const char* ToString(ExploreMode m);
const char* ToString(OracleMode m);
const char* ToString(SplitMode m);
using runner::ToString;

}  // namespace iorec::config

namespace iorec::config {

/// The config text in canonical form: parsed, every map's keys sorted, block style,
/// quoted scalars double-quoted and plain ones plain (so "1" and 1 stay distinct).
/// Equal configs written differently (order, comments, flow vs block) give equal text.
/// Throws core::InputError naming `origin` when the YAML does not parse.
std::string CanonicalYaml(const std::string& yaml_text, const std::filesystem::path& origin);
/// Same, reading the file; throws core::InputError naming the path.
std::string CanonicalYamlFile(const std::filesystem::path& path);
/// Hex FNV-1a-64 of canonical YAML text.
std::string ConfigHash(const std::string& canonical_yaml);
/// The keys that differ between two canonical YAML texts, one line each:
/// "active.iterations: 2 -> 3", "added data.input_dir: x", "removed seed (was 3)".
std::vector<std::string> DiffCanonicalYaml(const std::string& old_yaml,
                                           const std::string& new_yaml);

}  // namespace iorec::config
