// End-to-end tests of the iorec binary: small studies, outputs, determinism, errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli_util.hpp"

namespace fs = std::filesystem;

namespace {

using iorec::test_support::Slurp;
using Result = iorec::test_support::CliResult;

Result RunIorec(const std::string& args) {
  return iorec::test_support::RunShell(std::string(IOREC_BINARY) + " " + args);
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("iorec_cli_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path WriteConfig(const std::string& extra = "", const std::string& name = "config.yaml") {
    const fs::path p = dir_ / name;
    std::ofstream(p) << SmallConfig() << extra;
    return p;
  }

  static std::string SmallConfig() {
    return "seed: 3\n"
           "parameters:\n"
           "  - {name: stripe_count, values: [1, 2, 4, 8], is_ordered: true}\n"
           "  - {name: stripe_size, values: [\"64K\", \"1M\", \"4M\"], is_ordered: true}\n"
           "  - {name: num_aggregators, values: [1, 2, 4, 8, 16], is_ordered: true}\n"
           "  - {name: collective_buffer_size, values: [1048576, 4194304, 16777216], is_ordered: "
           "true}\n"
           "baseline: {stripe_count: 1, stripe_size: \"1M\"}\n"
           "data: {n_patterns: 4, n_features: 6}\n"
           "warm_start: {target_size: 16}\n"
           "model: {mode: ranking, relevance_levels: 4, num_rounds: 20, max_depth: 3}\n"
           "active: {ensemble_size: 3, iterations: 2, batch_per_iter: 3, oracle_mode: heldout,\n"
           "         replicate_top_n: 1, replicate_repeats: 1}\n"
           "deploy: {topk_per_pattern: 5, knn_neighbors: 2, return_top_k: 3}\n"
           "runner: {mode: stub, noise_std: 0.02}\n";
  }

  fs::path dir_;
};

TEST_F(CliTest, WithoutTheTruthTheRunSaysRegretAndHitAreZeroAndOneByConstruction) {
  std::string text = SmallConfig();
  text.replace(text.find("oracle_mode: heldout"), 20, "oracle_mode: warm_only");
  const fs::path cfg = dir_ / "warm_only.yaml";
  std::ofstream(cfg) << text;
  const auto r =
      RunIorec("run --config " + cfg.string() + " --output-dir " + (dir_ / "out").string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("note: regret@3, hit@3 and ndcg@3 compare with each workload's best "
                       "warm-start result"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("against the best warm-start result: 0 and 1 by construction"),
            std::string::npos)
      << r.out;
  const auto summary = nlohmann::json::parse(Slurp(dir_ / "out" / "summary.json"));
  EXPECT_EQ(summary["metrics_reference"]["against"], "best_warm_start");
  for (const auto& h : summary["history"]) EXPECT_EQ(h["metrics_against"], "best_warm_start");
  EXPECT_NE(Slurp(dir_ / "out" / "summary.md").find("regret@3 stays 0"), std::string::npos);
}

TEST_F(CliTest, RunWritesAllOutputsAndTheyParse) {
  const auto cfg = WriteConfig();
  const auto out = dir_ / "out";
  const auto r = RunIorec("run --config " + cfg.string() + " --output-dir " + out.string());
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* f :
       {"summary.json", "recommendation_matrix.json", "observations.csv", "timing.json",
        "model/model.json", "model/member_0.ubj", "plots/regret_at_3.gp", "plots/regret_at_3.dat",
        "plots/hit_at_3.gp", "plots/ndcg_at_3.gp"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  const auto summary = nlohmann::json::parse(Slurp(out / "summary.json"));
  EXPECT_EQ(summary["seed"], 3);
  EXPECT_EQ(summary["runner_mode"], "stub");
  EXPECT_EQ(summary["oracle_mode"], "heldout");
  // The stub's true optimum: the metrics mean something, and the output says against what.
  EXPECT_EQ(summary["metrics_reference"]["against"], "true_optimum");
  EXPECT_EQ(summary["history"][0]["metrics_against"], "true_optimum");
  EXPECT_NE(r.out.find("(against the true optimum)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("note: regret@3"), std::string::npos) << r.out;
  EXPECT_EQ(summary["n_patterns"], 4);
  EXPECT_EQ(summary["warm_size"], 16);
  EXPECT_EQ(summary["history"].size(), 3u);
  EXPECT_GT(summary["pairwise_coverage"]["percent"].get<double>(), 90.0);
  EXPECT_EQ(summary["deployment_demo"].size(), 3u);
  // 4 workloads x (16 warm + 2 x 3 active + 2 x 1 replicate)
  EXPECT_EQ(summary["total_observations"], 4 * (16 + 6 + 2));
  const auto matrix = nlohmann::json::parse(Slurp(out / "recommendation_matrix.json"));
  EXPECT_EQ(matrix["workloads"].size(), 4u);
  EXPECT_EQ(matrix["workloads"][0]["top"].size(), 5u);
  EXPECT_TRUE(matrix["workloads"][0]["top"][0]["config"]["stripe_size"].is_string());
  const std::string csv = Slurp(out / "observations.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 4 * 24);
  EXPECT_EQ(
      csv.rfind("trial_id,workload,source,iteration,replicate,status,perf,gain,stripe_count", 0),
      0u);
  if (fs::exists("/usr/bin/gnuplot")) {
    EXPECT_TRUE(fs::exists(out / "plots/regret_at_3.png"));
  }
}

TEST_F(CliTest, TheLastLineListsExactlyTheOutputsWritten) {
  for (const std::string reporting :
       {"", "reporting: {plots: false, write_markdown_summary: false}\n"}) {
    const auto out = dir_ / (reporting.empty() ? "all" : "lean");
    const auto r = RunIorec("run -q --config " + WriteConfig(reporting).string() +
                            " --output-dir " + out.string());
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string prefix = "  outputs in " + out.string() + ": ";
    const size_t at = r.out.find(prefix);
    ASSERT_NE(at, std::string::npos) << r.out;
    const std::string listed =
        r.out.substr(at + prefix.size(), r.out.find('\n', at) - at - prefix.size());
    size_t named = 0;
    for (size_t b = 0; b < listed.size();) {
      const size_t e = std::min(listed.find(' ', b), listed.size());
      EXPECT_TRUE(fs::exists(out / listed.substr(b, e - b))) << listed.substr(b, e - b);
      b = e + 1, ++named;
    }
    EXPECT_EQ(listed.find("plots/") == std::string::npos, !reporting.empty()) << listed;
    EXPECT_EQ(listed.find("summary.md") == std::string::npos, !reporting.empty()) << listed;
    EXPECT_EQ(fs::exists(out / "plots"), reporting.empty());
    EXPECT_EQ(named, reporting.empty() ? 8u : 6u) << listed;
  }
}

TEST_F(CliTest, SameSeedGivesByteIdenticalOutputs) {
  const auto cfg = WriteConfig();
  ASSERT_EQ(
      RunIorec("run -q --config " + cfg.string() + " --output-dir " + (dir_ / "a").string()).code,
      0);
  ASSERT_EQ(
      RunIorec("run -q --config " + cfg.string() + " --output-dir " + (dir_ / "b").string()).code,
      0);
  for (const char* f :
       {"summary.json", "recommendation_matrix.json", "observations.csv", "model/model.json"}) {
    EXPECT_EQ(Slurp(dir_ / "a" / f), Slurp(dir_ / "b" / f)) << f;
  }
}

TEST_F(CliTest, SaveLoadRecommendRoundTrip) {
  const auto cfg = WriteConfig();
  const auto out = dir_ / "out";
  ASSERT_EQ(RunIorec("run -q --config " + cfg.string() + " --output-dir " + out.string()).code, 0);
  const auto summary = nlohmann::json::parse(Slurp(out / "summary.json"));
  const auto model = nlohmann::json::parse(Slurp(out / "model/model.json"));
  // A workload file with the model's feature names.
  nlohmann::json w;
  const auto names = model["feature_names"];
  const auto feats = model["workloads"][1]["features"];
  for (size_t i = 0; i < names.size(); ++i) w[names[i].get<std::string>()] = feats[i];
  std::ofstream(dir_ / "w.json") << w.dump();
  const auto r = RunIorec("recommend --model " + (out / "model").string() + " --workload " +
                          (dir_ / "w.json").string() + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto rec = nlohmann::json::parse(r.out);
  EXPECT_TRUE(rec["exact_match"].get<bool>());
  ASSERT_EQ(rec["recommendations"].size(), 3u);
  // A measured workload's top-1 is its best measured config.
  const auto matrix = nlohmann::json::parse(Slurp(out / "recommendation_matrix.json"));
  EXPECT_EQ(rec["recommendations"][0]["config"], matrix["workloads"][1]["top"][0]["config"]);
  EXPECT_EQ(rec["neighbors"][0]["workload"], summary["workloads"][1]);

  // A workload between two measured ones is new: zero-shot picks from every measured config.
  nlohmann::json scaled;
  for (size_t i = 0; i < names.size(); ++i) {
    scaled[names[i].get<std::string>()] =
        0.5 * (feats[i].get<double>() + model["workloads"][2]["features"][i].get<double>());
  }
  std::ofstream(dir_ / "scaled.json") << scaled.dump();
  const auto zs = RunIorec("recommend --model " + (out / "model").string() + " --workload " +
                           (dir_ / "scaled.json").string() + " --json");
  ASSERT_EQ(zs.code, 0) << zs.out;
  const auto zrec = nlohmann::json::parse(zs.out);
  EXPECT_FALSE(zrec["exact_match"].get<bool>());
  EXPECT_EQ(zrec["method"], "zero_shot");
  ASSERT_EQ(zrec["recommendations"].size(), 3u);
  for (const auto& c : zrec["recommendations"]) {
    EXPECT_TRUE(c["source"] == "zero-shot" || c["source"] == "baseline") << c.dump();
  }
  // The text says the same: weak evidence in the first line when the warnings say so; each
  // config's expectation rests on the neighbours that ran it, else on the model.
  const auto text = RunIorec("recommend --model " + (out / "model").string() + " --workload " +
                             (dir_ / "scaled.json").string());
  ASSERT_EQ(text.code, 0) << text.out;
  bool weak = false;
  for (const auto& warning : zrec["warnings"])
    weak = weak || warning.get<std::string>().rfind("weak evidence", 0) == 0;
  const std::string first_line = text.out.substr(0, text.out.find('\n'));
  EXPECT_EQ(first_line.find("the evidence is weak here") != std::string::npos, weak) << first_line;
  EXPECT_EQ(first_line.find("#1 predicted to beat") != std::string::npos, !weak) << first_line;
  for (const auto& c : zrec["recommendations"]) {
    if (c["source"] != "zero-shot") continue;
    const std::string source = c["expected"]["source"];
    EXPECT_TRUE(source.rfind("a neighbour's: measured on ", 0) == 0 ||
                source == "model: predicted at this workload, not measured on it")
        << source;
  }
  // Far from every measured workload: said, whatever the evidence.
  nlohmann::json far = scaled;
  for (const auto& [k, v] : scaled.items()) far[k] = 50.0 * (1.0 + v.get<double>());
  std::ofstream(dir_ / "far.json") << far.dump();
  const auto far_rec =
      nlohmann::json::parse(RunIorec("recommend --json --model " + (out / "model").string() +
                                     " --workload " + (dir_ / "far.json").string())
                                .out);
  EXPECT_EQ(far_rec["method"], "zero_shot");
  bool far_said = false;
  for (const auto& warning : far_rec["warnings"])
    far_said = far_said ||
               warning.get<std::string>().find("the predictions extrapolate") != std::string::npos;
  EXPECT_TRUE(far_said) << far_rec["warnings"].dump();
  // The model directory carries every measured config, the matrix only the best ones.
  EXPECT_GE(model["workloads"][1]["measured"].size(), matrix["workloads"][1]["top"].size());

  // Feature mismatch: a clear error naming the missing feature, exit 2.
  w.erase(names[0].get<std::string>());
  w["bogus_feature"] = 0.5;
  std::ofstream(dir_ / "bad.json") << w.dump();
  const auto bad = RunIorec("recommend --model " + (out / "model").string() + " --workload " +
                            (dir_ / "bad.json").string());
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find(names[0].get<std::string>()), std::string::npos) << bad.out;
}

TEST_F(CliTest, RecommendFromADarshanLog) {
  const fs::path cfg = dir_ / "real.yaml";
  std::ofstream(cfg)
      << "seed: 5\n"
         "parameters:\n"
         "  - {name: stripe_count, values: [1, 4, 16], is_ordered: true}\n"
         "  - {name: stripe_size, values: [\"64K\", \"1M\", \"16M\"], is_ordered: true}\n"
         "data: {input_dir: " IOREC_SOURCE_DIR
         "/examples/workloads}\n"
         "warm_start: {target_size: 6}\n"
         "model: {num_rounds: 10, max_depth: 3}\n"
         "active: {ensemble_size: 2, iterations: 1, batch_per_iter: 1}\n"
         "evaluation: {enabled: false}\n";
  const auto out = dir_ / "out";
  ASSERT_EQ(RunIorec("run -q --config " + cfg.string() + " --output-dir " + out.string()).code, 0);
  const auto r = RunIorec("recommend --json --model " + (out / "model").string() + " --darshan " +
                          IOREC_TEST_DATA "/darshan/combined.darshan");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  // The log is the job behind workload top1_101: same features up to rounding.
  EXPECT_EQ(j["neighbors"][0]["workload"], "top1_101");
  EXPECT_TRUE(j["exact_match"].get<bool>());
  EXPECT_EQ(j["recommendations"].size(), 3u);
  // The Lustre layout the job ran with (its LUSTRE records), next to the recommendation.
  EXPECT_EQ(j["ran_with"]["stripe_count"], 1);
  EXPECT_EQ(j["ran_with"]["stripe_size"], 1048576);
  const auto text = RunIorec("recommend --model " + (out / "model").string() + " --darshan " +
                             IOREC_TEST_DATA "/darshan/combined.darshan");
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("layout: ran with 1 \u00d7 1M"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(", recommended "), std::string::npos) << text.out;

  const auto both =
      RunIorec("recommend --model " + (out / "model").string() + " --darshan x --workload y");
  EXPECT_EQ(both.code, 2);
}

TEST_F(CliTest, InvalidConfigExitsTwoListingEveryProblemAndWritesNothing) {
  const fs::path cfg = dir_ / "bad.yaml";
  std::ofstream(cfg) << "seed: 1\n"
                        "parameters:\n"
                        "  - {name: a, values: [], is_ordered: true}\n"
                        "  - {name: b, values: [1, 1], is_ordered: true}\n"
                        "active: {batch_per_iter: 0, bogus: 1}\n";
  const auto out = dir_ / "never";
  const auto r = RunIorec("run --config " + cfg.string() + " --output-dir " + out.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("active.batch_per_iter"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bogus"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("parameters[0].values"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("parameters[1].values"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(CliTest, WarmstartPrintsSetAndCoverage) {
  const auto cfg = WriteConfig();
  const auto r = RunIorec("warmstart --config " + cfg.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["size"], 16);
  EXPECT_EQ(j["configs"].size(), 16u);
  EXPECT_EQ(j["configs"][0]["kind"], "anchor");
  EXPECT_EQ(j["configs"][0]["config"]["stripe_size"], "1M");
  const auto csv = RunIorec("warmstart --config " + cfg.string());
  EXPECT_EQ(csv.code, 0);
  EXPECT_NE(csv.out.find("pairwise coverage"), std::string::npos);
}

TEST_F(CliTest, HelpAndVersionOnEverySubcommand) {
  for (const char* sub :
       {"run", "warmstart", "recommend", "features", "status", "export", "report"}) {
    const auto h = RunIorec(std::string(sub) + " --help");
    EXPECT_EQ(h.code, 0) << sub << h.out;
    EXPECT_NE(h.out.find("--quiet"), std::string::npos) << sub;
    const auto v = RunIorec(std::string(sub) + " --version");
    EXPECT_EQ(v.code, 0) << sub;
    EXPECT_NE(v.out.find("iorec"), std::string::npos) << sub;
  }
  EXPECT_EQ(RunIorec("--version").code, 0);
  EXPECT_EQ(RunIorec("no-such-command").code, 2);
}

}  // namespace
