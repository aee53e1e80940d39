#include "iorec/config/study_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "config/test_util.hpp"
#include "iorec/core/error.hpp"

namespace iorec::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Problems;
using ::testing::SizeIs;
using testing::TempDir;

// Two knobs; everything else defaults.
const char* const kMinimal = R"(
parameters:
  - name: stripe_count
    values: [1, 2, 4]
  - name: stripe_size
    values: ["64K", "1M"]
)";

std::string WithKnobs(const std::string& rest) { return std::string(kMinimal) + rest; }

TEST(StudyConfigTest, MinimalConfigTakesDefaults) {
  const StudyConfig cfg = ParseStudyConfig(kMinimal, "config.yaml");
  EXPECT_EQ(cfg.seed, 7u);
  ASSERT_EQ(cfg.space.num_knobs(), 2u);
  EXPECT_EQ(cfg.space.Size(), 6u);
  EXPECT_TRUE(cfg.space.knobs()[0].is_ordered);
  EXPECT_EQ(cfg.baseline, space::Config({0, 0}));  // first values
  EXPECT_EQ(cfg.warm_start.target_size, 45);
  EXPECT_EQ(cfg.model.mode, ModelMode::kRanking);
  EXPECT_EQ(cfg.active.batch_per_iter, 3);
  EXPECT_TRUE(cfg.model.local_gp);
  EXPECT_DOUBLE_EQ(cfg.active.diversify_top_fraction, 0.1);
  EXPECT_EQ(cfg.runner.mode, RunnerMode::kStub);
  EXPECT_TRUE(cfg.data.input_dir.empty());
  EXPECT_EQ(cfg.source_path, std::filesystem::path("config.yaml"));
}

TEST(StudyConfigTest, ValuesKeepTheirWrittenTextAndKind) {
  const StudyConfig cfg = ParseStudyConfig(R"(
parameters:
  - name: a
    values: [1, 2.50, 64K, "1", '7', !!str 9, -3, 1e3]
    is_ordered: false
)",
                                           "c.yaml");
  const auto& v = cfg.space.knobs()[0].values;
  ASSERT_EQ(v.size(), 8u);
  using K = space::KnobValue::Kind;
  EXPECT_EQ(v[0].kind(), K::kInt);
  EXPECT_EQ(v[0].as_int(), 1);
  EXPECT_EQ(v[1].kind(), K::kFloat);
  EXPECT_EQ(v[1].text(), "2.50");
  EXPECT_EQ(v[2].kind(), K::kString);
  EXPECT_EQ(v[2].text(), "64K");
  EXPECT_EQ(v[3].kind(), K::kString);  // quoted stays a string
  EXPECT_EQ(v[3].text(), "1");
  EXPECT_EQ(v[4].kind(), K::kString);
  EXPECT_EQ(v[5].kind(), K::kString);
  EXPECT_EQ(v[6].kind(), K::kInt);
  EXPECT_EQ(v[6].as_int(), -3);
  EXPECT_EQ(v[7].kind(), K::kFloat);
  EXPECT_FALSE(cfg.space.knobs()[0].is_ordered);
}

TEST(StudyConfigTest, BaselineMatchesValuesAndDefaultsToFirst) {
  const StudyConfig cfg = ParseStudyConfig(WithKnobs(R"(
baseline:
  stripe_size: "1M"
)"),
                                           "config.yaml");
  EXPECT_EQ(cfg.baseline, space::Config({0, 1}));
  // Unquoted 1M is the same string; a quoted "4" matches the integer 4 by text.
  const StudyConfig cfg2 = ParseStudyConfig(WithKnobs(R"(
baseline: {stripe_size: 1M, stripe_count: "4"}
)"),
                                            "config.yaml");
  EXPECT_EQ(cfg2.baseline, space::Config({2, 1}));
}

TEST(StudyConfigTest, ReadsEverySection) {
  const StudyConfig cfg = ParseStudyConfig(WithKnobs(R"(
seed: 123
data: {n_patterns: 7, n_features: 4, feature_prefix: "x_"}
warm_start: {target_size: 6}
model: {mode: regression, relevance_levels: 3, use_lightgbm: true, num_rounds: 10,
        max_depth: 3, learning_rate: 0.3, subsample_fraction: 0.5, min_child_weight: 0,
        local_gp: false}
active: {ensemble_size: 2, diversify_top_fraction: 0.25, iterations: 0, batch_per_iter: 1, beta_start: 2, beta_end: 0,
         lambda_redundancy: 0, explore_mode: thompson, early_stop_rounds: 3,
         low_sigma_threshold: 0.01, oracle_mode: warm_only, oracle_enum_threshold: 10,
         oracle_sampled: 5, enum_threshold_hard: 0, candidate_max_pool: 1,
         replicate_top_n: 1, replicate_repeats: 4, robust_score_z: 0.5}
deploy: {topk_per_pattern: 4, knn_neighbors: 2, return_top_k: 1}
runner: {mode: stub, noise_std: 0}
evaluation: {enabled: yes, split_mode: temporal, temporal_split: true,
             holdout_fraction_configs: 0.1, holdout_fraction_patterns: 0.3,
             temporal_holdout_fraction: 0.4, top_k: 5, hit_tolerance: 0.1,
             bootstrap_iters: 50, ci_level: 0.9}
reporting: {write_markdown_summary: false, plots: false}
)"),
                                           "config.yaml");
  EXPECT_EQ(cfg.seed, 123u);
  EXPECT_EQ(cfg.data.n_patterns, 7);
  EXPECT_EQ(cfg.data.feature_prefix, "x_");
  EXPECT_EQ(cfg.warm_start.target_size, 6);
  EXPECT_EQ(cfg.model.mode, ModelMode::kRegression);
  EXPECT_EQ(cfg.model.relevance_levels, 3);
  EXPECT_EQ(cfg.model.num_rounds, 10);
  EXPECT_DOUBLE_EQ(cfg.model.learning_rate, 0.3);
  EXPECT_DOUBLE_EQ(cfg.model.min_child_weight, 0.0);
  EXPECT_FALSE(cfg.model.local_gp);
  EXPECT_EQ(cfg.active.ensemble_size, 2);
  EXPECT_DOUBLE_EQ(cfg.active.diversify_top_fraction, 0.25);
  EXPECT_EQ(cfg.active.iterations, 0);
  EXPECT_DOUBLE_EQ(cfg.active.beta_start, 2.0);
  EXPECT_EQ(cfg.active.explore_mode, ExploreMode::kThompson);
  EXPECT_EQ(cfg.active.oracle_mode, OracleMode::kWarmOnly);
  EXPECT_EQ(cfg.active.oracle_enum_threshold, 10u);
  EXPECT_EQ(cfg.active.enum_threshold_hard, 0u);
  EXPECT_EQ(cfg.active.replicate_repeats, 4);
  EXPECT_DOUBLE_EQ(cfg.active.robust_score_z, 0.5);
  EXPECT_EQ(cfg.deploy.knn_neighbors, 2);
  EXPECT_DOUBLE_EQ(cfg.runner.noise_std, 0.0);
  EXPECT_TRUE(cfg.evaluation.enabled);
  EXPECT_EQ(cfg.evaluation.split_mode, SplitMode::kTemporal);
  EXPECT_DOUBLE_EQ(cfg.evaluation.ci_level, 0.9);
  EXPECT_EQ(cfg.evaluation.bootstrap_iters, 50);
  EXPECT_FALSE(cfg.reporting.write_markdown_summary);
  EXPECT_FALSE(cfg.reporting.plots);
}

TEST(StudyConfigTest, AcceptsTheReferenceRunnerKeysWithStub) {
  // The reference config's runner block, with mode switched to stub.
  const StudyConfig cfg = ParseStudyConfig(WithKnobs(R"(
runner:
  mode: stub
  io_synth_root: /mnt/hasanfs/io_synthesizer
  out_root: /mnt/hasanfs/out_synth
  cap_total_gib: 512
  io_api: posix
  meta_api: posix
  mpi_collective_mode: none
  nprocs_cap: 64
  metric_key: POSIX_agg_perf_by_slowest
  metric_fallback: bytes_over_f_time
  delete_existing_darshan: true
  flush_wait_sec: 10
  use_sudo_for_lustre: false
  dry_run: false
)"),
                                           "config.yaml");
  EXPECT_EQ(cfg.runner.real.io_synth_root, "/mnt/hasanfs/io_synthesizer");
  EXPECT_EQ(cfg.runner.real.nprocs_cap, 64);
  EXPECT_DOUBLE_EQ(cfg.runner.real.flush_wait_sec, 10.0);
}

TEST(StudyConfigTest, TheReferenceConfigLoadsWithOnlyPathsChanged) {
  // The reference's io_recommender/config.yaml as it is, paths and new keys aside.
  const std::string ref = R"(seed: 7
parameters:
  - {name: stripe_count, values: [1, 2], is_ordered: true}
  - {name: num_aggregators, values: [1, 2], is_ordered: true}
baseline: {stripe_count: 1, num_aggregators: 1}
data: {n_patterns: 25, feature_prefix: pct_}
warm_start: {target_size: 4}
contribution:
  top_k: 3
runner:
  mode: real    # real | stub
  io_synth_root: /mnt/hasanfs/io_synthesizer
  out_root: /mnt/hasanfs/out_synth
  cap_total_gib: 512
  io_api: posix
  meta_api: posix
  mpi_collective_mode: no
  meta_scope: separate   # separate | data_files
  nprocs_cap: 64
  metric_key: agg_perf_by_slowest
  metric_fallback: bytes_over_f_time
  delete_existing_darshan: true
  flush_wait_sec: 10
  use_sudo_for_lustre: false
  dry_run: true
)";
  const StudyConfig cfg = ParseStudyConfig(ref, "config.yaml");
  EXPECT_EQ(cfg.contribution.top_k, 3);
  EXPECT_EQ(cfg.runner.real.mpi_collective_mode, "no");
  EXPECT_EQ(cfg.runner.real.metric_key, "agg_perf_by_slowest");
}

TEST(StudyConfigTest, ExampleConfigLoads) {
  const auto path = std::filesystem::path(IOREC_SOURCE_DIR) / "examples" / "config.yaml";
  const StudyConfig cfg = LoadStudyConfig(path);
  EXPECT_EQ(cfg.seed, 7u);
  ASSERT_EQ(cfg.space.num_knobs(), 9u);
  EXPECT_EQ(cfg.space.Size(), 11430720u);
  EXPECT_EQ(cfg.baseline.levels(), (std::vector<uint8_t>{0, 2, 5, 4, 1, 1, 2, 2, 1}));
  for (const auto& k : cfg.space.knobs()) EXPECT_TRUE(k.is_ordered) << k.name;
  EXPECT_EQ(cfg.space.knobs()[1].values[0].text(), "64K");
  EXPECT_EQ(cfg.space.knobs()[7].values[5].as_int(), 536870912);
  EXPECT_EQ(cfg.warm_start.target_size, 45);
  EXPECT_EQ(cfg.model.mode, ModelMode::kRanking);
  EXPECT_EQ(cfg.model.relevance_levels, 5);
  EXPECT_EQ(cfg.active.ensemble_size, 6);
  EXPECT_EQ(cfg.active.iterations, 8);
  EXPECT_EQ(cfg.active.batch_per_iter, 3);
  EXPECT_DOUBLE_EQ(cfg.active.beta_start, 1.2);
  EXPECT_DOUBLE_EQ(cfg.active.beta_end, 0.4);
  EXPECT_DOUBLE_EQ(cfg.active.lambda_redundancy, 0.2);
  EXPECT_EQ(cfg.active.oracle_mode, OracleMode::kHeldout);
  EXPECT_EQ(cfg.active.enum_threshold_hard, 52920u);
  EXPECT_EQ(cfg.active.candidate_max_pool, 12000);
  EXPECT_EQ(cfg.active.replicate_top_n, 0);
  EXPECT_EQ(cfg.deploy.topk_per_pattern, 20);
  EXPECT_EQ(cfg.deploy.knn_neighbors, 5);
  EXPECT_EQ(cfg.deploy.return_top_k, 3);
  EXPECT_DOUBLE_EQ(cfg.runner.noise_std, 0.03);
  EXPECT_TRUE(cfg.evaluation.enabled);
  EXPECT_EQ(cfg.evaluation.split_mode, SplitMode::kHeldoutPatterns);
  EXPECT_EQ(cfg.data.feature_prefix, "pct_");
  // input_dir resolves against the config file's directory.
  EXPECT_EQ(std::filesystem::path(cfg.data.input_dir),
            (path.parent_path() / "workloads").lexically_normal());
  const auto workloads = LoadWorkloads(cfg);
  EXPECT_EQ(workloads.size(), 25u);
  EXPECT_EQ(workloads.feature_names.size(), 33u);  // 32 pct_ fields + nprocs
  EXPECT_EQ(workloads.feature_names.back(), "nprocs");
}

// ---- Errors -----------------------------------------------------------------------------

TEST(StudyConfigErrorTest, MalformedYamlNamesTheLine) {
  const auto p = Problems("seed: 7\nparameters:\n  - name: a\n    values: [1, 2\nbaseline: {}\n");
  ASSERT_THAT(p, SizeIs(1));
  EXPECT_THAT(p[0], AllOf(HasSubstr("config.yaml: line "), HasSubstr("malformed YAML")));
  const auto q = Problems("seed: 7\n  bad indent: [\n", "my.yaml");
  ASSERT_THAT(q, SizeIs(1));
  EXPECT_THAT(q[0], HasSubstr("my.yaml: line 2"));
  const auto r = Problems("a: b: c\n");
  ASSERT_THAT(r, SizeIs(1));
  EXPECT_THAT(r[0], HasSubstr("config.yaml: line 1"));
}

TEST(StudyConfigErrorTest, EmptyOrNonMappingDocument) {
  EXPECT_THAT(Problems(""), ElementsAre("config.yaml: parameters: required key missing (the config "
                                        "is empty)"));
  EXPECT_THAT(Problems("- 1\n- 2\n"),
              ElementsAre(HasSubstr("config.yaml: (top level): expected a mapping")));
  EXPECT_THAT(Problems(WithKnobs("---\nseed: 1\n")), Contains(HasSubstr("2 YAML documents")));
}

TEST(StudyConfigErrorTest, MissingParameters) {
  EXPECT_THAT(Problems("seed: 3\n"), ElementsAre(HasSubstr("config.yaml: parameters: required "
                                                           "key missing")));
  EXPECT_THAT(Problems("parameters: []\n"),
              ElementsAre("config.yaml: parameters: must list at least one knob"));
  EXPECT_THAT(Problems("parameters: {a: 1}\n"),
              ElementsAre(HasSubstr("config.yaml: parameters: expected a list of knobs, got a "
                                    "mapping")));
}

TEST(StudyConfigErrorTest, UnknownKeysAtEveryLevel) {
  const auto p = Problems(R"(
sed: 7
parameters:
  - name: a
    values: [1, 2]
    ordered: true
active:
  batch_per_iteration: 2
  ensemble_size: 2
runner: {mode: stub, colour: red}
)");
  EXPECT_THAT(p, Contains("config.yaml: sed: unknown key (did you mean 'seed'?)"));
  EXPECT_THAT(p, Contains(HasSubstr("config.yaml: parameters[0].ordered: unknown key")));
  EXPECT_THAT(p, Contains("config.yaml: active.batch_per_iteration: unknown key (did you mean "
                          "'active.batch_per_iter'?)"));
  EXPECT_THAT(p, Contains(AllOf(HasSubstr("config.yaml: runner.colour: unknown key; known keys: "),
                                HasSubstr("noise_std"))));
  EXPECT_THAT(p, SizeIs(4));
}

TEST(StudyConfigErrorTest, DuplicateKeys) {
  const auto p = Problems(WithKnobs("active:\n  iterations: 2\n  iterations: 3\n"));
  EXPECT_THAT(p, ElementsAre("config.yaml: active.iterations: duplicate key"));
}

TEST(StudyConfigErrorTest, WrongTypes) {
  const auto p = Problems(WithKnobs(R"(
seed: seven
data: [1, 2]
model: {relevance_levels: "5", use_lightgbm: maybe, learning_rate: fast}
active: {iterations: 2.5, beta_start: [1], explore_mode: {a: 1}, ensemble_size: }
deploy: 3
)"));
  EXPECT_THAT(p, Contains("config.yaml: seed: expected a non-negative integer, got 'seven'"));
  EXPECT_THAT(p, Contains("config.yaml: data: expected a mapping of keys to values, got a list"));
  EXPECT_THAT(p, Contains("config.yaml: model.relevance_levels: expected an integer, got the "
                          "string \"5\""));
  EXPECT_THAT(p, Contains("config.yaml: model.use_lightgbm: expected true or false, got 'maybe'"));
  EXPECT_THAT(p, Contains("config.yaml: model.learning_rate: expected a number, got 'fast'"));
  EXPECT_THAT(p, Contains("config.yaml: active.iterations: expected an integer, got '2.5'"));
  EXPECT_THAT(p, Contains("config.yaml: active.beta_start: expected a number, got a list"));
  EXPECT_THAT(p, Contains(HasSubstr("config.yaml: active.explore_mode: expected one of ucb, "
                                    "thompson, got a mapping")));
  EXPECT_THAT(p, Contains("config.yaml: active.ensemble_size: missing value (expected an "
                          "integer)"));
  EXPECT_THAT(p, Contains("config.yaml: deploy: expected a mapping of keys to values, got '3'"));
  EXPECT_THAT(p, SizeIs(10));
}

TEST(StudyConfigErrorTest, BadEnumValues) {
  const auto p = Problems(WithKnobs(R"(
model: {mode: ranked}
active: {explore_mode: greedy, oracle_mode: all}
evaluation: {split_mode: random}
)"));
  EXPECT_THAT(p, Contains("config.yaml: model.mode: must be one of ranking, regression, got "
                          "'ranked'"));
  EXPECT_THAT(p, Contains(HasSubstr("active.explore_mode: must be one of ucb, thompson")));
  EXPECT_THAT(p, Contains(HasSubstr("active.oracle_mode: must be one of warm_only, heldout")));
  EXPECT_THAT(p, Contains(HasSubstr("evaluation.split_mode: must be one of "
                                    "heldout_configs_per_pattern, heldout_patterns, temporal")));
  EXPECT_THAT(p, SizeIs(4));
}

TEST(StudyConfigErrorTest, EmptyValues) {
  const auto p = Problems(R"(
parameters:
  - name: a
    values: [1]
  - name: b
    values: []
  - name: stripe_count
    values:
  - name: d
  - name: e
    values: [1, "", ~, [2]]
  - values: [1]
  - name: ""
    values: [1]
)");
  EXPECT_THAT(p, Contains("config.yaml: parameters[1].values: empty for knob 'b'"));
  EXPECT_THAT(p, Contains("config.yaml: parameters[2].values: empty for knob 'stripe_count'"));
  EXPECT_THAT(p, Contains("config.yaml: parameters[3].values: required key missing for knob "
                          "'d'"));
  EXPECT_THAT(p, Contains("config.yaml: parameters[4].values[1]: empty value"));
  EXPECT_THAT(p, Contains("config.yaml: parameters[4].values[2]: empty value"));
  EXPECT_THAT(p, Contains(HasSubstr("config.yaml: parameters[4].values[3]: expected a scalar "
                                    "value")));
  EXPECT_THAT(p, Contains("config.yaml: parameters[5].name: required key missing"));
  EXPECT_THAT(p, Contains("config.yaml: parameters[6].name: must not be empty"));
  EXPECT_THAT(p, SizeIs(8));
}

TEST(StudyConfigErrorTest, DuplicateValuesWithinAKnob) {
  const auto p = Problems(R"(
parameters:
  - name: a
    values: [1, 2, 1, 2.0]
  - name: b
    values: ["64K", 64K, "1M"]
)");
  EXPECT_THAT(p, Contains("config.yaml: parameters[0].values[2]: duplicate value '1' for knob 'a' "
                          "(same as parameters[0].values[0] '1')"));
  EXPECT_THAT(p, Contains("config.yaml: parameters[0].values[3]: duplicate value '2.0' for knob "
                          "'a' (same as parameters[0].values[1] '2')"));
  EXPECT_THAT(p, Contains(HasSubstr("parameters[1].values[1]: duplicate value '64K' for knob "
                                    "'b'")));
  EXPECT_THAT(p, SizeIs(3));
}

TEST(StudyConfigErrorTest, DuplicateKnobNames) {
  const auto p = Problems(R"(
parameters:
  - name: a
    values: [1, 2]
  - name: b
    values: [1, 2]
  - name: a
    values: [3]
)");
  EXPECT_THAT(p, ElementsAre("config.yaml: parameters[2].name: duplicate knob name 'a' (also "
                             "parameters[0].name)"));
}

TEST(StudyConfigErrorTest, BadKnobNameAndIsOrdered) {
  const auto p = Problems(R"(
parameters:
  - name: "stripe count"
    values: [1, 2]
    is_ordered: sometimes
)");
  EXPECT_THAT(p, Contains(HasSubstr("parameters[0].name: knob name 'stripe count' must not "
                                    "contain whitespace")));
  EXPECT_THAT(p, Contains("config.yaml: parameters[0].is_ordered: expected true or false, got "
                          "'sometimes'"));
}

TEST(StudyConfigErrorTest, TooManyLevels) {
  std::string values;
  for (int i = 0; i < 256; ++i) values += (i ? ", " : "") + std::to_string(i);
  const auto p = Problems("parameters:\n  - name: big\n    values: [" + values + "]\n");
  EXPECT_THAT(p, ElementsAre("config.yaml: parameters[0].values: has 256 values for knob 'big'; "
                             "at most 255 per knob are supported"));
  // 255 is fine.
  values = "0";
  for (int i = 1; i < 255; ++i) values += ", " + std::to_string(i);
  EXPECT_EQ(ParseStudyConfig("parameters:\n  - name: big\n    values: [" + values + "]\n", "c")
                .space.levels(0),
            255u);
}

TEST(StudyConfigErrorTest, BaselineProblems) {
  const auto p = Problems(WithKnobs(R"(
baseline:
  stripe_count: 3
  stripe_size: 4M
  stripe_width: 2
)"));
  EXPECT_THAT(p, Contains("config.yaml: baseline.stripe_count: value '3' is not one of knob "
                          "'stripe_count''s values [1, 2, 4]"));
  EXPECT_THAT(p, Contains("config.yaml: baseline.stripe_size: value '4M' is not one of knob "
                          "'stripe_size''s values [64K, 1M]"));
  EXPECT_THAT(p, Contains("config.yaml: baseline.stripe_width: unknown knob 'stripe_width'; "
                          "knobs are: stripe_count, stripe_size"));
  EXPECT_THAT(p, SizeIs(3));
  EXPECT_THAT(Problems(WithKnobs("baseline: [1, 2]\n")),
              ElementsAre("config.yaml: baseline: expected a mapping of keys to values, got a "
                          "list"));
  EXPECT_THAT(Problems(WithKnobs("baseline: {stripe_count: [1]}\n")),
              ElementsAre(HasSubstr("config.yaml: baseline.stripe_count: expected a scalar")));
}

TEST(StudyConfigErrorTest, TargetSizeBelowAnchorCount) {
  // 2 knobs x 3 levels: baseline (1,1), all-min, all-max, checkerboards = 5 anchors.
  const std::string knobs = R"(
parameters:
  - {name: a, values: [1, 2, 3]}
  - {name: b, values: [1, 2, 3]}
baseline: {a: 2, b: 2}
)";
  const StudyConfig ok = ParseStudyConfig(knobs + "warm_start: {target_size: 5}\n", "c.yaml");
  EXPECT_EQ(CountAnchors(ok.space, ok.baseline), 5u);
  EXPECT_THAT(Problems(knobs + "warm_start: {target_size: 4}\n"),
              ElementsAre("config.yaml: warm_start.target_size: must be >= the number of anchor "
                          "configs (5), got 4"));
  EXPECT_THAT(Problems(knobs + "warm_start: {target_size: 0}\n"),
              ElementsAre("config.yaml: warm_start.target_size: must be >= 1, got 0"));
  EXPECT_THAT(Problems(knobs + "warm_start: {size: 4}\n"),
              ElementsAre(HasSubstr("config.yaml: warm_start.size: unknown key")));
}

TEST(StudyConfigErrorTest, RangeChecks) {
  const auto p = Problems(WithKnobs(R"(
seed: -1
data: {n_patterns: 0, n_features: 0, feature_prefix: ""}
model: {relevance_levels: 1, num_rounds: 0, max_depth: 0, learning_rate: 0,
        subsample_fraction: 1.5, min_child_weight: -1}
active: {ensemble_size: 0, iterations: -1, batch_per_iter: 0, beta_start: -0.1,
         lambda_redundancy: -1, early_stop_rounds: -2, low_sigma_threshold: -0.5,
         oracle_sampled: 0, candidate_max_pool: 0, replicate_top_n: -1,
         replicate_repeats: -1, robust_score_z: -1, oracle_enum_threshold: -5,
         diversify_top_fraction: 0}
deploy: {topk_per_pattern: 0, knn_neighbors: 0, return_top_k: 0}
runner: {noise_std: -0.1}
evaluation: {holdout_fraction_configs: 0, holdout_fraction_patterns: 1,
             temporal_holdout_fraction: 1.5, top_k: 0, hit_tolerance: -1,
             bootstrap_iters: 0, ci_level: 1}
)"));
  const std::vector<std::string> expected = {
      "config.yaml: seed: must be >= 0, got -1",
      "config.yaml: data.n_patterns: must be >= 1, got 0",
      "config.yaml: data.n_features: must be >= 1, got 0",
      "config.yaml: data.feature_prefix: must not be empty",
      "config.yaml: model.relevance_levels: must be >= 2, got 1",
      "config.yaml: model.num_rounds: must be >= 1, got 0",
      "config.yaml: model.max_depth: must be >= 1, got 0",
      "config.yaml: model.learning_rate: must be in (0, 1], got 0",
      "config.yaml: model.subsample_fraction: must be in (0, 1], got 1.5",
      "config.yaml: model.min_child_weight: must be in [0, 1000000], got -1",
      "config.yaml: active.ensemble_size: must be >= 1, got 0",
      "config.yaml: active.iterations: must be >= 0, got -1",
      "config.yaml: active.batch_per_iter: must be >= 1, got 0",
      "config.yaml: active.beta_start: must be in [0, 100], got -0.1",
      "config.yaml: active.lambda_redundancy: must be in [0, 100], got -1",
      "config.yaml: active.early_stop_rounds: must be >= 0, got -2",
      "config.yaml: active.low_sigma_threshold: must be in [0, 100], got -0.5",
      "config.yaml: active.oracle_enum_threshold: must be >= 0, got -5",
      "config.yaml: active.oracle_sampled: must be >= 1, got 0",
      "config.yaml: active.candidate_max_pool: must be >= 1, got 0",
      "config.yaml: active.replicate_top_n: must be >= 0, got -1",
      "config.yaml: active.replicate_repeats: must be >= 0, got -1",
      "config.yaml: active.robust_score_z: must be in [0, 10], got -1",
      "config.yaml: active.diversify_top_fraction: must be in (0, 1], got 0",
      "config.yaml: deploy.topk_per_pattern: must be >= 1, got 0",
      "config.yaml: deploy.knn_neighbors: must be >= 1, got 0",
      "config.yaml: deploy.return_top_k: must be >= 1, got 0",
      "config.yaml: runner.noise_std: must be in [0, 1], got -0.1",
      "config.yaml: evaluation.holdout_fraction_configs: must be in (0, 1), got 0",
      "config.yaml: evaluation.holdout_fraction_patterns: must be in (0, 1), got 1",
      "config.yaml: evaluation.temporal_holdout_fraction: must be in (0, 1), got 1.5",
      "config.yaml: evaluation.top_k: must be >= 1, got 0",
      "config.yaml: evaluation.hit_tolerance: must be in [0, 10], got -1",
      "config.yaml: evaluation.bootstrap_iters: must be >= 1, got 0",
      "config.yaml: evaluation.ci_level: must be in (0, 1), got 1",
  };
  for (const auto& e : expected) EXPECT_THAT(p, Contains(e));
  EXPECT_EQ(p.size(), expected.size()) << ::testing::PrintToString(p);
}

TEST(StudyConfigErrorTest, UpperBoundsAndNonFinite) {
  const auto p = Problems(WithKnobs(R"(
seed: 99999999999999999999999
model: {relevance_levels: 40}
active: {iterations: 99999999999, beta_end: .inf, beta_start: nan}
)"));
  EXPECT_THAT(p, Contains("config.yaml: seed: integer out of range: 99999999999999999999999"));
  EXPECT_THAT(p, Contains("config.yaml: model.relevance_levels: must be <= 31, got 40"));
  EXPECT_THAT(p, Contains("config.yaml: active.iterations: must be <= 1000, got 99999999999"));
  EXPECT_THAT(p, Contains(HasSubstr("config.yaml: active.beta_end: expected a number")));
  EXPECT_THAT(p, Contains("config.yaml: active.beta_start: must be a finite number, got nan"));
}

// Issue 15 item 7: every numeric key has an upper bound, so no value makes a study run out of
// memory (data.n_patterns: 2000000000 was std::bad_alloc after 21 s) or run for ever
// (model.num_rounds: 2147483647).
TEST(StudyConfigErrorTest, EveryNumericKeyHasAnUpperBound) {
  struct Case {
    std::string yaml;
    std::string problem;
  };
  const std::vector<Case> cases = {
      {"data: {n_patterns: 2000000000}", "data.n_patterns: must be <= 10000, got 2000000000"},
      {"data: {n_features: 1001}", "data.n_features: must be <= 1000, got 1001"},
      {"warm_start: {target_size: 5001}", "warm_start.target_size: must be <= 5000, got 5001"},
      {"model: {num_rounds: 2147483647}", "model.num_rounds: must be <= 10000, got 2147483647"},
      {"model: {max_depth: 65}", "model.max_depth: must be <= 64, got 65"},
      {"model: {min_child_weight: 1e300}",
       "model.min_child_weight: must be in [0, 1000000], got 1e300"},
      {"active: {ensemble_size: 1001}", "active.ensemble_size: must be <= 1000, got 1001"},
      {"active: {iterations: 1001}", "active.iterations: must be <= 1000, got 1001"},
      {"active: {batch_per_iter: 1001}", "active.batch_per_iter: must be <= 1000, got 1001"},
      {"active: {beta_start: 101}", "active.beta_start: must be in [0, 100], got 101"},
      {"active: {beta_end: 1e9}", "active.beta_end: must be in [0, 100], got 1e9"},
      {"active: {lambda_redundancy: 101}",
       "active.lambda_redundancy: must be in [0, 100], got 101"},
      {"active: {early_stop_rounds: 1001}", "active.early_stop_rounds: must be <= 1000, got 1001"},
      {"active: {low_sigma_threshold: 101}",
       "active.low_sigma_threshold: must be in [0, 100], got 101"},
      {"active: {oracle_enum_threshold: 18446744073709551615}",
       "active.oracle_enum_threshold: must be <= 10000000, got 18446744073709551615"},
      {"active: {oracle_sampled: 10000001}",
       "active.oracle_sampled: must be <= 10000000, got 10000001"},
      {"active: {enum_threshold_hard: 1000001}",
       "active.enum_threshold_hard: must be <= 1000000, got 1000001"},
      {"active: {candidate_max_pool: 1000001}",
       "active.candidate_max_pool: must be <= 1000000, got 1000001"},
      {"active: {replicate_top_n: 1001}", "active.replicate_top_n: must be <= 1000, got 1001"},
      {"active: {replicate_repeats: 101}", "active.replicate_repeats: must be <= 100, got 101"},
      {"active: {robust_score_z: 11}", "active.robust_score_z: must be in [0, 10], got 11"},
      {"active: {model_ascent_steps: 1001}",
       "active.model_ascent_steps: must be <= 1000, got 1001"},
      {"active: {trust_region_knobs: 256}", "active.trust_region_knobs: must be <= 255, got 256"},
      {"deploy: {topk_per_pattern: 10001}", "deploy.topk_per_pattern: must be <= 10000, got 10001"},
      {"deploy: {knn_neighbors: 1001}", "deploy.knn_neighbors: must be <= 1000, got 1001"},
      {"deploy: {return_top_k: 1001}", "deploy.return_top_k: must be <= 1000, got 1001"},
      {"evaluation: {top_k: 1001}", "evaluation.top_k: must be <= 1000, got 1001"},
      {"evaluation: {hit_tolerance: 11}", "evaluation.hit_tolerance: must be in [0, 10], got 11"},
      {"evaluation: {bootstrap_iters: 100001}",
       "evaluation.bootstrap_iters: must be <= 100000, got 100001"},
      {"contribution: {top_k: 1001}", "contribution.top_k: must be <= 1000, got 1001"},
      {"runner: {noise_std: 1.5}", "runner.noise_std: must be in [0, 1], got 1.5"},
      {"runner: {timeout_s: 1e300}", "runner.timeout_s: must be in [0, 2592000], got 1e300"},
      {"runner: {retry_backoff_s: 3601}", "runner.retry_backoff_s: must be in [0, 3600], got 3601"},
      {"runner: {max_retries: 101}", "runner.max_retries: must be <= 100, got 101"},
      {"runner: {parallel_trials: 4097}", "runner.parallel_trials: must be <= 4096, got 4097"},
      {"runner: {cap_total_gib: 1e7}", "runner.cap_total_gib: must be in (0, 1000000], got 1e7"},
      {"runner: {nprocs_cap: 10000001}", "runner.nprocs_cap: must be <= 10000000, got 10000001"},
      {"runner: {flush_wait_sec: 3601}", "runner.flush_wait_sec: must be in [0, 3600], got 3601"},
      {"runner: {warmup_runs: 101}", "runner.warmup_runs: must be <= 100, got 101"},
      {"runner: {slurm: {nodes: 100001}}", "runner.slurm.nodes: must be <= 100000, got 100001"},
      {"runner: {slurm: {ntasks: 10000001}}",
       "runner.slurm.ntasks: must be <= 10000000, got 10000001"},
      {"runner: {slurm: {poll_s: 3601}}", "runner.slurm.poll_s: must be in (0, 3600], got 3601"},
      {"runner: {slurm: {submit_backoff_s: 3601}}",
       "runner.slurm.submit_backoff_s: must be in [0, 3600], got 3601"},
      {"runner: {slurm: {max_concurrent: 1000001}}",
       "runner.slurm.max_concurrent: must be <= 1000000, got 1000001"},
      {"runner: {slurm: {trials_per_job: 100001}}",
       "runner.slurm.trials_per_job: must be <= 100000, got 100001"},
      {"runner: {slurm: {max_array_size: 4000001}}",
       "runner.slurm.max_array_size: must be <= 4000000, got 4000001"},
      {"runner: {slurm: {submit_retries: 101}}",
       "runner.slurm.submit_retries: must be <= 100, got 101"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(Problems(WithKnobs(c.yaml + "\n")), Contains("config.yaml: " + c.problem))
        << c.yaml;
  }
}

TEST(StudyConfigErrorTest, AStudyMustFitItsTrialLimits) {
  // 45 + 1000 x (5 + 1 x 2) trials per workload.
  EXPECT_THAT(
      Problems(WithKnobs("active: {iterations: 1000, batch_per_iter: 5, replicate_top_n: 1,\n"
                         "         replicate_repeats: 2}\n")),
      ElementsAre("config.yaml: active: up to 7045 trials per workload (warm_start.target_size "
                  "45 + active.iterations 1000 x (batch_per_iter 5 + replicate_top_n 1 x "
                  "replicate_repeats 2)); at most 5000 are supported: lower active.iterations or "
                  "active.batch_per_iter"));
  // 10000 synthetic workloads x 245 trials.
  EXPECT_THAT(Problems(WithKnobs("data: {n_patterns: 10000}\nactive: {iterations: 100, "
                                 "batch_per_iter: 2}\n")),
              ElementsAre(HasSubstr("config.yaml: data.n_patterns: 10000 workloads x up to 245 "
                                    "trials each (")));
  EXPECT_NO_THROW(ParseStudyConfig(
      WithKnobs("data: {n_patterns: 10000}\nactive: {iterations: 50, batch_per_iter: 3}\n"),
      "c.yaml"));
  std::string knobs = "parameters:\n";
  for (int k = 0; k < 65; ++k) knobs += "  - {name: k" + std::to_string(k) + ", values: [1, 2]}\n";
  EXPECT_THAT(Problems(knobs),
              ElementsAre("config.yaml: parameters: has 65 knobs; at most 64 are supported"));
}

// Issue 15 item 7: a knob value, knob name or key that is not UTF-8 was accepted, then the
// run failed with a raw json type_error.316 after creating study.db.
TEST(StudyConfigErrorTest, TextThatIsNotUtf8IsRefusedWithItsLocation) {
  EXPECT_THAT(Problems("parameters:\n  - {name: a, values: [1, \"x\xff\"]}\n"),
              ElementsAre("config.yaml: parameters[0].values[1]: value 'x\\xFF' is not valid "
                          "UTF-8 text (byte 0xFF at offset 1)"));
  EXPECT_THAT(Problems("parameters:\n  - {name: \"a\xc3\", values: [1, 2]}\n"),
              ElementsAre("config.yaml: parameters[0].name: value 'a\\xC3' is not valid UTF-8 "
                          "text (byte 0xC3 at offset 1)"));
  EXPECT_THAT(Problems(WithKnobs("runner: {mode: stub, \"k\xed\xa0\x80\": 1}\n")),
              Contains("config.yaml: runner: key 'k\\xED\\xA0\\x80' is not valid UTF-8 text "
                       "(byte 0xED at offset 1)"));
  EXPECT_THAT(Problems(WithKnobs("data: {feature_prefix: \"p\xc0\xaf\"}\n")),
              ElementsAre(HasSubstr("config.yaml: data.feature_prefix: value 'p\\xC0\\xAF' is "
                                    "not valid UTF-8")));
  // Well-formed non-ASCII text is fine.
  const StudyConfig cfg = ParseStudyConfig(
      "parameters:\n  - {name: \"débit\", values: [\"64K\", \"été\", \"日本\"]}\n", "c.yaml");
  EXPECT_EQ(cfg.space.knobs()[0].values[1].text(), "été");
}

TEST(StudyConfigErrorTest, OnlyGradientBoostedTrees) {
  // runner.mode command/real are covered by runner_config_test.cpp.
  const auto p = Problems(WithKnobs(R"(
model: {use_lightgbm: false}
)"));
  EXPECT_THAT(p, Contains(AllOf(HasSubstr("config.yaml: model.use_lightgbm: "),
                                HasSubstr("only gradient-boosted trees are supported"))));
}

TEST(StudyConfigErrorTest, CrossFieldChecks) {
  EXPECT_THAT(Problems(WithKnobs("active: {batch_per_iter: 5, candidate_max_pool: 4}\n")),
              ElementsAre("config.yaml: active.candidate_max_pool: must be >= "
                          "active.batch_per_iter (5), got 4"));
}

TEST(StudyConfigErrorTest, ListsEveryProblemAtOnce) {
  const auto p = Problems(R"(
parameters:
  - name: a
    values: []
  - name: a
    values: [1, 1]
active: {batch_per_iter: 0}
bogus: 1
)");
  EXPECT_THAT(p, Contains("config.yaml: parameters[0].values: empty for knob 'a'"));
  EXPECT_THAT(p, Contains(HasSubstr("parameters[1].name: duplicate knob name 'a'")));
  EXPECT_THAT(p, Contains(HasSubstr("parameters[1].values[1]: duplicate value '1'")));
  EXPECT_THAT(p, Contains("config.yaml: active.batch_per_iter: must be >= 1, got 0"));
  EXPECT_THAT(p, Contains(HasSubstr("config.yaml: bogus: unknown key")));
  EXPECT_THAT(p, SizeIs(5));
  // The exception's message lists them all.
  try {
    ParseStudyConfig("parameters: []\nseed: x\n", "c.yaml");
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_THAT(std::string(e.what()), AllOf(HasSubstr("2 problems"), HasSubstr("c.yaml: seed")));
  }
}

TEST(StudyConfigErrorTest, WorkloadDirMissingOrEmpty) {
  TempDir tmp;
  const auto cfg_path = tmp.path() / "study.yaml";
  EXPECT_THAT(Problems(WithKnobs("data: {input_dir: nowhere}\n"), cfg_path),
              ElementsAre(AllOf(HasSubstr(cfg_path.string() + ": data.input_dir: workload "
                                                              "directory 'nowhere' ("),
                                HasSubstr("does not exist"))));
  std::filesystem::create_directories(tmp.path() / "empty");
  tmp.Write("empty/readme.txt", "not a workload");
  EXPECT_THAT(Problems(WithKnobs("data: {input_dir: empty}\n"), cfg_path),
              ElementsAre(HasSubstr("holds no *.json files")));
  tmp.Write("file.json", "{}");
  EXPECT_THAT(Problems(WithKnobs("data: {input_dir: file.json}\n"), cfg_path),
              ElementsAre(HasSubstr("is not a directory")));
  // Relative to the config's directory, not the working directory.
  tmp.Write("wl/a.json", R"({"pct_a": 0.5, "nprocs": 4})");
  const auto cfg = ParseStudyConfig(WithKnobs("data: {input_dir: wl}\n"), cfg_path);
  EXPECT_EQ(std::filesystem::path(cfg.data.input_dir), tmp.path() / "wl");
}

TEST(StudyConfigTest, InputDirFallsBackToIoSynthRootAsTheReferenceResolvesIt) {
  // The reference resolves data.input_dir against runner.io_synth_root; iorec against the
  // config's directory first, then there.
  TempDir tmp;
  const auto cfg_path = tmp.path() / "io_recommender" / "config.yaml";
  tmp.Write("io_recommender/keep", "");
  tmp.Write("synth/inputs/exemplar_jsons/a.json", R"({"pct_a": 0.5, "nprocs": 4})");
  const std::string runner = "runner: {mode: stub, io_synth_root: ../synth}\n";
  const auto cfg =
      ParseStudyConfig(WithKnobs("data: {input_dir: inputs/exemplar_jsons}\n" + runner), cfg_path);
  EXPECT_EQ(std::filesystem::path(cfg.data.input_dir),
            tmp.path() / "synth" / "inputs" / "exemplar_jsons");
  // A directory beside the config wins.
  tmp.Write("io_recommender/inputs/exemplar_jsons/b.json", R"({"pct_a": 0.5, "nprocs": 4})");
  EXPECT_EQ(std::filesystem::path(
                ParseStudyConfig(WithKnobs("data: {input_dir: inputs/exemplar_jsons}\n" + runner),
                                 cfg_path)
                    .data.input_dir),
            tmp.path() / "io_recommender" / "inputs" / "exemplar_jsons");
  // Neither: the message names both places.
  EXPECT_THAT(Problems(WithKnobs("data: {input_dir: nowhere}\n" + runner), cfg_path),
              ElementsAre(AllOf(HasSubstr("data.input_dir: workload directory 'nowhere' ("),
                                HasSubstr("does not exist, nor under runner.io_synth_root (" +
                                          (tmp.path() / "synth" / "nowhere").string() + ")"))));
}

TEST(StudyConfigTest, ReferenceDefaultsForReplicatesAndPatternLimit) {
  const StudyConfig cfg = ParseStudyConfig(kMinimal, "config.yaml");
  EXPECT_EQ(cfg.active.replicate_top_n, 0);
  EXPECT_EQ(cfg.active.replicate_repeats,
            1);  // the reference's: replicate_top_n alone re-runs once
  EXPECT_FALSE(cfg.data.n_patterns_given);
  EXPECT_EQ(cfg.contribution.top_k, 3);
  const StudyConfig given =
      ParseStudyConfig(WithKnobs("data: {n_patterns: 4}\ncontribution: {top_k: 5}\n"), "c.yaml");
  EXPECT_TRUE(given.data.n_patterns_given);
  EXPECT_EQ(given.data.n_patterns, 4);
  EXPECT_EQ(given.contribution.top_k, 5);
}

TEST(StudyConfigErrorTest, LoadStudyConfigMissingFile) {
  try {
    LoadStudyConfig("/nonexistent/dir/config.yaml");
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_THAT(e.problems(),
                ElementsAre("/nonexistent/dir/config.yaml: config file does not exist"));
  }
  TempDir tmp;
  EXPECT_THROW(LoadStudyConfig(tmp.path()), core::InputError);
}

TEST(StudyConfigErrorTest, GarbageNeverThrowsAnythingButInputError) {
  const std::vector<std::string> inputs = {
      "\t\t:\n",
      "[[[[",
      "{a: b",
      "a: *missing_alias",
      "!!binary zz",
      "? [a]\n: 1\n",
      "parameters:\n  - !!map {name: a, values: !!seq [1]}\n",
      "%YAML 9.9\n---\na: 1\n",
      "parameters: &x\n  - name: a\n    values: *x\n",
      std::string(5000, '['),
      "parameters:\n  - name: [a]\n    values: {x: 1}\n",
      "\xff\xfe\x00garbage",
      "seed: 0x10\n",
      "parameters:\n- name: a\n  values: [1]\nbaseline: {a: {b: c}}\n"};
  for (const auto& text : inputs) {
    try {
      ParseStudyConfig(text, "fuzz.yaml");
    } catch (const core::InputError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "non-InputError for input '" << text.substr(0, 40) << "': " << e.what();
    }
  }
  // Random mutations of a valid config.
  const std::string base = std::string(kMinimal) + "active: {batch_per_iter: 2}\nbaseline: {}\n";
  std::mt19937 gen(1234);
  const std::string alphabet = "{}[]:,-'\"!&*?|>#\n \t0aZ.~%@`";
  for (int round = 0; round < 2000; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(gen() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = gen() % text.size();
      switch (gen() % 3) {
        case 0:
          text[pos] = alphabet[gen() % alphabet.size()];
          break;
        case 1:
          text.insert(pos, 1, alphabet[gen() % alphabet.size()]);
          break;
        default:
          text.erase(pos, 1);
      }
    }
    try {
      ParseStudyConfig(text, "fuzz.yaml");
    } catch (const core::InputError& e) {
      for (const auto& problem : e.problems()) ASSERT_EQ(problem.rfind("fuzz.yaml: ", 0), 0u);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "non-InputError for:\n" << text << "\n" << e.what();
    }
  }
}

TEST(StudyConfigTest, ToStringNamesMatchTheSchema) {
  EXPECT_STREQ(ToString(ModelMode::kRanking), "ranking");
  EXPECT_STREQ(ToString(ModelMode::kRegression), "regression");
  EXPECT_STREQ(ToString(ExploreMode::kUcb), "ucb");
  EXPECT_STREQ(ToString(ExploreMode::kThompson), "thompson");
  EXPECT_STREQ(ToString(OracleMode::kWarmOnly), "warm_only");
  EXPECT_STREQ(ToString(OracleMode::kHeldout), "heldout");
  EXPECT_STREQ(ToString(RunnerMode::kStub), "stub");
  EXPECT_STREQ(ToString(RunnerMode::kCommand), "command");
  EXPECT_STREQ(ToString(RunnerMode::kReal), "real");
  EXPECT_STREQ(ToString(SplitMode::kHeldoutConfigsPerPattern), "heldout_configs_per_pattern");
  EXPECT_STREQ(ToString(SplitMode::kHeldoutPatterns), "heldout_patterns");
  EXPECT_STREQ(ToString(SplitMode::kTemporal), "temporal");
}

}  // namespace
}  // namespace iorec::config
