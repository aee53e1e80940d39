#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "config/test_util.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/runner/command_runner.hpp"

namespace iorec::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing::TempDir;

StudyConfig DirConfig(const std::filesystem::path& dir) {
  StudyConfig cfg;
  cfg.source_path = "config.yaml";
  cfg.data.input_dir = dir.string();
  return cfg;
}

std::vector<std::string> LoadProblems(const StudyConfig& cfg) {
  try {
    LoadWorkloads(cfg);
  } catch (const core::InputError& e) {
    return e.problems();
  }
  ADD_FAILURE() << "expected InputError";
  return {};
}

TEST(WorkloadsTest, ReadsJsonFilesSortedWithFeaturesThenNprocs) {
  TempDir tmp;
  tmp.Write("b.json", R"({"pct_z": 0.25, "pct_a": 1, "nprocs": 8, "io_api": "mpiio",
                          "jobid": 42, "cluster": 7, "other_num": 3.5})");
  tmp.Write("a.json", R"([{"pct_a": 0.5, "pct_z": 0, "nprocs": 2, "io_api": "posix",
                           "jobid": 1, "cluster": 3, "other_num": 1}])");
  tmp.Write("notes.txt", "ignored");
  const auto set = LoadWorkloads(DirConfig(tmp.path()));
  EXPECT_EQ(set.feature_names, (std::vector<std::string>{"pct_a", "pct_z", "nprocs"}));
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set.workloads[0].id, "a");
  EXPECT_EQ(set.workloads[0].features, (std::vector<double>{0.5, 0.0, 2.0}));
  EXPECT_EQ(set.workloads[0].source_file, (tmp.path() / "a.json").string());
  EXPECT_EQ(set.workloads[1].id, "b");
  EXPECT_EQ(set.workloads[1].features, (std::vector<double>{1.0, 0.25, 8.0}));
  EXPECT_EQ(set.workloads[1].attributes.at("io_api"), "mpiio");
  EXPECT_EQ(set.workloads[1].attributes.at("jobid"), "42");
  EXPECT_EQ(set.workloads[1].attributes.at("cluster"), "7");
  EXPECT_EQ(set.workloads[1].attributes.at("other_num"), "3.5");
}

TEST(WorkloadsTest, ExampleWorkloadsHave32PctFeaturesPlusNprocs) {
  StudyConfig cfg = DirConfig(std::filesystem::path(IOREC_SOURCE_DIR) / "examples" / "workloads");
  const auto set = LoadWorkloads(cfg);
  ASSERT_EQ(set.size(), 25u);
  EXPECT_EQ(set.feature_names.size(), 33u);
  EXPECT_EQ(set.feature_names.back(), "nprocs");
  EXPECT_TRUE(std::is_sorted(set.feature_names.begin(), set.feature_names.end() - 1));
  EXPECT_EQ(set.workloads.front().id, "top10_252");  // sorted by file name
  EXPECT_EQ(set.workloads.front().attributes.at("io_api"), "posix");
  for (const auto& w : set.workloads) ASSERT_EQ(w.features.size(), 33u);
}

TEST(WorkloadsTest, EmptyOrMissingDir) {
  TempDir tmp;
  EXPECT_THAT(LoadProblems(DirConfig(tmp.path() / "missing")),
              ElementsAre(AllOf(HasSubstr("config.yaml: data.input_dir: workload directory"),
                                HasSubstr("does not exist"))));
  EXPECT_THAT(LoadProblems(DirConfig(tmp.path())), ElementsAre(HasSubstr("holds no *.json files")));
}

TEST(WorkloadsTest, MalformedJsonNamesTheFile) {
  TempDir tmp;
  tmp.Write("a.json", R"({"pct_a": 0.5, "nprocs": 1})");
  const auto bad = tmp.Write("b.json", "{\"pct_a\": 0.5,\n \"nprocs\": }");
  const auto arr = tmp.Write("c.json", "[1, 2]");
  const auto str = tmp.Write("d.json", "\"hello\"");
  const auto p = LoadProblems(DirConfig(tmp.path()));
  EXPECT_THAT(p,
              Contains(AllOf(HasSubstr(bad.string() + ": malformed JSON: "), HasSubstr("line 2"))));
  EXPECT_THAT(p, Contains(HasSubstr(arr.string() + ": expected a JSON object of workload "
                                                   "features, got an array")));
  EXPECT_THAT(p, Contains(HasSubstr(str.string() + ": expected a JSON object of workload "
                                                   "features, got a string")));
  EXPECT_THAT(p, SizeIs(3));
}

TEST(WorkloadsTest, MissingAndBadFeatures) {
  TempDir tmp;
  tmp.Write("a.json", R"({"pct_a": 0.5, "pct_b": 0.1, "nprocs": 1})");
  const auto no_nprocs = tmp.Write("b.json", R"({"pct_a": 0.5, "pct_b": 0.1})");
  const auto no_pct = tmp.Write("c.json", R"({"nprocs": 3, "io_api": "posix"})");
  const auto bad_type = tmp.Write("d.json", R"({"pct_a": "high", "pct_b": null, "nprocs": 1})");
  const auto bad_nprocs = tmp.Write("e.json", R"({"pct_a": 0.5, "pct_b": 0.1, "nprocs": 0})");
  const auto p = LoadProblems(DirConfig(tmp.path()));
  EXPECT_THAT(p, Contains(no_nprocs.string() + ": missing required numeric field 'nprocs'"));
  EXPECT_THAT(p, Contains(no_pct.string() + ": no numeric fields whose name starts with 'pct_'"));
  EXPECT_THAT(p, Contains(bad_type.string() + ": feature 'pct_a' must be a number, got a string"));
  EXPECT_THAT(p, Contains(bad_type.string() + ": feature 'pct_b' must be a number, got null"));
  EXPECT_THAT(p, Contains(bad_nprocs.string() + ": feature 'nprocs' must be >= 1, got 0"));
  EXPECT_THAT(p, SizeIs(5));
}

// Issue 15 item 7: a feature of 1e300 passed validation and XGBoost then failed on inf;
// 1e400 gave "number overflow parsing" without the file name.
TEST(WorkloadsTest, HugeOrUnparsableFeatureValuesNameTheFile) {
  TempDir tmp;
  tmp.Write("a.json", R"({"pct_a": 0.5, "nprocs": 1})");
  const auto big = tmp.Write("b.json", R"({"pct_a": 1e300, "nprocs": 1})");
  const auto over = tmp.Write("c.json", R"({"pct_a": 1e400, "nprocs": 1})");
  const auto neg = tmp.Write("d.json", R"({"pct_a": -2e12, "nprocs": 1})");
  const auto procs = tmp.Write("e.json", R"({"pct_a": 0.5, "nprocs": 1e13})");
  const auto p = LoadProblems(DirConfig(tmp.path()));
  EXPECT_THAT(p,
              ElementsAre(big.string() + ": feature 'pct_a' must be within +-1e12, got 1e+300",
                          over.string() + ": malformed JSON: number overflow parsing '1e400'",
                          neg.string() + ": feature 'pct_a' must be within +-1e12, got -2e+12",
                          procs.string() + ": feature 'nprocs' must be within +-1e12, got 1e+13"));
  // The same checks apply to one workload file (iorec recommend --workload).
  try {
    LoadWorkloadFile(over, {"pct_a", "nprocs"}, "pct_");
    ADD_FAILURE() << "expected InputError";
  } catch (const core::InputError& e) {
    EXPECT_THAT(e.problems(), ElementsAre(HasSubstr(over.string() + ": malformed JSON")));
  }
  EXPECT_EQ(FeatureValueProblem("pct_a", 1e12), "");
  EXPECT_EQ(FeatureValueProblem("pct_a", NAN), "feature 'pct_a' must be a finite number, got nan");
}

TEST(WorkloadsTest, FileNamesThatAreNotUtf8AreRefused) {
  TempDir tmp;
  tmp.Write("a.json", R"({"pct_a": 0.5, "nprocs": 1})");
  tmp.Write("b\xff.json", R"({"pct_a": 0.5, "nprocs": 1})");
  EXPECT_THAT(LoadProblems(DirConfig(tmp.path())),
              ElementsAre((tmp.path() / "b\\xFF.json").string() +
                          ": the file name is not valid UTF-8 text (byte 0xFF at offset 1); "
                          "rename the file"));
}

TEST(WorkloadsTest, FeatureAndWorkloadCountsAreBounded) {
  TempDir tmp;
  std::string many = "{\"nprocs\": 1";
  for (int i = 0; i <= kMaxFeatures; ++i) many += ", \"pct_" + std::to_string(i) + "\": 0.1";
  const auto wide = tmp.Write("wide/a.json", many + "}");
  EXPECT_THAT(LoadProblems(DirConfig(tmp.path() / "wide")),
              ElementsAre(wide.string() + ": has 1002 features; at most 1000 plus 'nprocs' are "
                                          "supported"));
  // 41 workloads x 50045 trials each: more than kMaxTrials.
  for (int i = 0; i < 41; ++i) {
    tmp.Write("many/w" + std::to_string(i) + ".json", R"({"pct_a": 0.5, "nprocs": 1})");
  }
  StudyConfig cfg = DirConfig(tmp.path() / "many");
  cfg.active.iterations = 1000;
  cfg.active.batch_per_iter = 50;
  EXPECT_THAT(LoadProblems(cfg), ElementsAre(HasSubstr("41 workloads x up to 50045 trials each "
                                                       "exceed 2000000 trials")));
}

TEST(WorkloadsTest, DisagreeingFeatureSetsNameTheFile) {
  TempDir tmp;
  tmp.Write("a.json", R"({"pct_a": 0.5, "pct_b": 0.1, "nprocs": 1})");
  tmp.Write("b.json", R"({"pct_a": 0.2, "pct_b": 0.3, "nprocs": 2})");
  const auto c = tmp.Write("c.json", R"({"pct_a": 0.5, "pct_c": 0.1, "nprocs": 1})");
  const auto d = tmp.Write("d.json", R"({"pct_a": 0.5, "nprocs": 1})");
  const auto p = LoadProblems(DirConfig(tmp.path()));
  EXPECT_THAT(p, ElementsAre(c.string() + ": feature set differs from a.json: missing features: "
                                          "pct_b; extra features: pct_c",
                             d.string() + ": feature set differs from a.json: missing features: "
                                          "pct_b"));
}

TEST(WorkloadsTest, LoadWorkloadFileOrdersByGivenNames) {
  TempDir tmp;
  const auto f =
      tmp.Write("w.json", R"({"pct_b": 0.2, "pct_a": 0.1, "nprocs": 16, "io_api": "x"})");
  const auto w = LoadWorkloadFile(f, {"nprocs", "pct_b", "pct_a"}, "pct_");
  EXPECT_EQ(w.id, "w");
  EXPECT_EQ(w.features, (std::vector<double>{16.0, 0.2, 0.1}));
  EXPECT_EQ(w.attributes.at("io_api"), "x");
  try {
    LoadWorkloadFile(f, {"pct_a", "pct_c", "nprocs"}, "pct_");
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_THAT(e.problems(),
                ElementsAre(f.string() + ": features do not match the expected set: missing "
                                         "features: pct_c; extra features: pct_b"));
  }
  EXPECT_THROW(LoadWorkloadFile(tmp.path() / "nope.json", {"pct_a"}, "pct_"), core::InputError);
  const auto bad = tmp.Write("bad.json", "{");
  EXPECT_THROW(LoadWorkloadFile(bad, {"pct_a"}, "pct_"), core::InputError);
}

TEST(WorkloadsTest, SyntheticWorkloadsAreSeededClusteredAndInRange) {
  const auto a = SyntheticWorkloads(7, 25, 35);
  const auto b = SyntheticWorkloads(7, 25, 35);
  const auto c = SyntheticWorkloads(8, 25, 35);
  ASSERT_EQ(a.size(), 25u);
  ASSERT_EQ(a.feature_names.size(), 35u);
  EXPECT_EQ(a.feature_names.front(), "pct_f00");
  EXPECT_EQ(a.feature_names.back(), "pct_f34");
  EXPECT_EQ(a.workloads.front().id, "synthetic_00");
  EXPECT_EQ(a.workloads.back().id, "synthetic_24");
  std::set<std::string> ids;
  for (size_t i = 0; i < a.size(); ++i) {
    ids.insert(a.workloads[i].id);
    EXPECT_EQ(a.workloads[i].features, b.workloads[i].features);
    for (double x : a.workloads[i].features) {
      ASSERT_GE(x, 0.0);
      ASSERT_LE(x, 1.0);
    }
  }
  EXPECT_EQ(ids.size(), 25u);
  EXPECT_NE(a.workloads[0].features, c.workloads[0].features);
  // Workloads of the same cluster (i and i+5) are closer than those of different clusters.
  auto dist = [&](size_t i, size_t j) {
    double s = 0;
    for (size_t f = 0; f < 35; ++f) {
      const double d = a.workloads[i].features[f] - a.workloads[j].features[f];
      s += d * d;
    }
    return std::sqrt(s);
  };
  EXPECT_LT(dist(0, 5), dist(0, 1));
  EXPECT_LT(dist(2, 7), dist(2, 3));
  // Wider ids when there are many.
  EXPECT_EQ(SyntheticWorkloads(1, 101, 2).workloads.back().id, "synthetic_100");
  EXPECT_THROW(SyntheticWorkloads(1, 0, 3), core::InputError);
}

TEST(WorkloadsTest, NPatternsNextToInputDirKeepsTheFirstFilesByName) {
  TempDir tmp;
  for (const char* name : {"c", "a", "d", "b"})
    tmp.Write(std::string(name) + ".json", R"({"pct_a": 0.5, "nprocs": 2})");
  StudyConfig cfg = DirConfig(tmp.path());
  cfg.data.n_patterns = 2;  // the default value, not written in the config: every file
  EXPECT_EQ(LoadWorkloads(cfg).size(), 4u);
  cfg.data.n_patterns_given = true;
  const auto set = LoadWorkloads(cfg);
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set.workloads[0].id, "a");
  EXPECT_EQ(set.workloads[1].id, "b");
  cfg.data.n_patterns = 9;  // more than there are: all of them
  EXPECT_EQ(LoadWorkloads(cfg).size(), 4u);
}

TEST(WorkloadsTest, EmptyInputDirMeansSynthetic) {
  StudyConfig cfg;
  cfg.seed = 11;
  cfg.data.n_patterns = 6;
  cfg.data.n_features = 4;
  const auto set = LoadWorkloads(cfg);
  EXPECT_EQ(set.size(), 6u);
  EXPECT_EQ(set.feature_names,
            (std::vector<std::string>{"pct_f00", "pct_f01", "pct_f02", "pct_f03"}));
  EXPECT_EQ(set.workloads[3].features, SyntheticWorkloads(11, 6, 4).workloads[3].features);
}

TEST(WorkloadsTest, NamesThatSanitizeAlikeGetTheirOwnTrialDirectories) {
  // `a b.json` and `a_b.json` both became `a_b` once, and one ran the other's benchmark.
  TempDir tmp;
  tmp.Write("a b.json", R"({"pct_a": 0.5, "nprocs": 2})");
  tmp.Write("a_b.json", R"({"pct_a": 0.25, "nprocs": 4})");
  tmp.Write("x;touch P.json", R"({"pct_a": 0.75, "nprocs": 8})");
  const auto set = LoadWorkloads(DirConfig(tmp.path()));
  ASSERT_EQ(set.size(), 3u);
  std::set<std::string> dirs;
  for (const auto& w : set.workloads) dirs.insert(runner::SafeDirName(w.id));
  EXPECT_EQ(dirs.size(), 3u);
  EXPECT_EQ(runner::SafeDirName("a_b"), "a_b");
  EXPECT_THAT(runner::SafeDirName("a b"), ::testing::MatchesRegex("a_b-[0-9a-f]{8}"));
  EXPECT_THAT(runner::SafeDirName("x;touch P"), ::testing::MatchesRegex("x_touch_P-[0-9a-f]{8}"));
  EXPECT_THAT(runner::SafeDirName(".."), ::testing::MatchesRegex("_\\.\\.-[0-9a-f]{8}"));
  EXPECT_THAT(runner::SafeDirName(""), ::testing::MatchesRegex("_-[0-9a-f]{8}"));
  EXPECT_LE(runner::SafeDirName(std::string(300, 'x')).size(), 96u + 9u);
}

TEST(WorkloadsTest, RefusesTwoWorkloadsThatWouldShareATrialDirectory) {
  TempDir tmp;
  const std::string clash = runner::SafeDirName("a b");  // a file named like the sanitized one
  tmp.Write("a b.json", R"({"pct_a": 0.5, "nprocs": 2})");
  tmp.Write(clash + ".json", R"({"pct_a": 0.25, "nprocs": 4})");
  EXPECT_THAT(
      LoadProblems(DirConfig(tmp.path())),
      ElementsAre((tmp.path() / (clash + ".json")).string() + ": workload '" + clash +
                  "' would share the trial directory '" + clash + "' with workload 'a b' (" +
                  (tmp.path() / "a b.json").string() + "); rename one of the files"));
}

}  // namespace
}  // namespace iorec::config

namespace iorec::config {
namespace {

TEST(FioExampleTest, ReplicatesItsFinalistsOnTwoDifferentWorkloads) {
  const auto cfg =
      LoadStudyConfig(std::filesystem::path(IOREC_SOURCE_DIR) / "examples/fio/config.yaml");
  EXPECT_GT(cfg.active.replicate_top_n, 0);
  EXPECT_GT(cfg.active.replicate_repeats, 0);
  EXPECT_EQ(cfg.runner.MetricUnit(), "MiB/s");
  // The trial script is told which workload it runs.
  EXPECT_NE(cfg.runner.command.find("{workload}"), std::string::npos);
  const auto ws = LoadWorkloads(cfg);
  ASSERT_EQ(ws.size(), 2u);
  EXPECT_EQ(ws.workloads[0].id, "random_mixed");
  EXPECT_EQ(ws.workloads[1].id, "sequential_write");
  EXPECT_NE(ws.workloads[0].features, ws.workloads[1].features);
}

}  // namespace
}  // namespace iorec::config
