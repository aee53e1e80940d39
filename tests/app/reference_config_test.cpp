// The reference io_recommender's own config.yaml runs unchanged but for its paths (and, for
// a test that runs no benchmark, `runner.mode: stub` instead of `real`), and the outputs
// carry the reference's fields beside iorec's. Needs IOREC_SYNTH_ROOT (the reference
// io_synthesizer, holding io_recommender/config.yaml), as .ci/run and scripts/test.sh export
// it; skips and says why otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "app/cli_util.hpp"
#include "common/temp_dir.hpp"

namespace iorec {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::RunShell;
using test_support::Slurp;

std::string Q(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// The reference config with the lines starting with each key's text replaced; fails the
/// test unless each is replaced exactly once.
std::string Edited(const std::string& text,
                   const std::vector<std::pair<std::string, std::string>>& edits) {
  std::istringstream in(text);
  std::string out, line;
  std::vector<int> hits(edits.size(), 0);
  while (std::getline(in, line)) {
    for (size_t i = 0; i < edits.size(); ++i) {
      if (line.rfind(edits[i].first, 0) == 0) {
        line = edits[i].second;
        ++hits[i];
      }
    }
    out += line + "\n";
  }
  for (size_t i = 0; i < edits.size(); ++i) EXPECT_EQ(hits[i], 1) << edits[i].first;
  return out;
}

bool IsConfigId(const json& v) {
  return v.is_string() && std::regex_match(v.get<std::string>(), std::regex("[0-9a-f]{16}"));
}

void ExpectMeanCi(const json& v, const std::string& name) {
  ASSERT_TRUE(v.is_object()) << name;
  for (const char* k : {"mean", "ci_low", "ci_high"}) ASSERT_TRUE(v[k].is_number()) << name << k;
  EXPECT_LE(v["ci_low"].get<double>(), v["mean"].get<double>() + 1e-12) << name;
  EXPECT_LE(v["mean"].get<double>(), v["ci_high"].get<double>() + 1e-12) << name;
}

class ReferenceConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* root = std::getenv("IOREC_SYNTH_ROOT");
    synth_ = root ? root : "";
    if (synth_.empty() || !fs::exists(fs::path(synth_) / "io_recommender/config.yaml")) {
      GTEST_SKIP() << "IOREC_SYNTH_ROOT is not set to the reference io_synthesizer (with "
                      "io_recommender/config.yaml): the reference config is not tested";
    }
  }
  std::string Config(const fs::path& dir, const std::string& mode_line) const {
    return Edited(Slurp(fs::path(synth_) / "io_recommender/config.yaml"),
                  {{"  mode: real", mode_line},
                   {"  io_synth_root:", "  io_synth_root: " + Q(synth_)},
                   {"  out_root:", "  out_root: " + Q((dir / "synth-out").string())}});
  }
  std::string synth_;
};

TEST_F(ReferenceConfigTest, LoadsAsIsInRealMode) {
  // data.input_dir (inputs/exemplar_jsons) is found under runner.io_synth_root, as the
  // reference resolves it: the 25 exemplars.
  test_support::TempDir dir;
  dir.Write("io_recommender/config.yaml", Config(dir.path(), "  mode: real"));
  const auto r = RunShell(std::string(IOREC_BINARY) + " warmstart --config " +
                          Q((dir.path() / "io_recommender/config.yaml").string()));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("pairwise coverage: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("with 45 configs"), std::string::npos) << r.out;
}

TEST_F(ReferenceConfigTest, RunsOnTheStubAndTheOutputsCarryTheReferenceFields) {
  test_support::TempDir dir;
  const fs::path cfg = dir.Write("io_recommender/config.yaml",
                                 Config(dir.path(), "  mode: stub    # no benchmark in a test"));
  const fs::path out = dir.path() / "artifacts";
  const auto r = RunShell(std::string(IOREC_BINARY) + " run --quiet --config " + Q(cfg.string()) +
                          " --output-dir " + Q(out.string()));
  ASSERT_EQ(r.code, 0) << r.out;

  const json summary = json::parse(Slurp(out / "summary.json"));
  EXPECT_EQ(summary["n_patterns"], 25);  // the exemplars under io_synth_root
  EXPECT_EQ(summary["warm_size"], 45);
  ASSERT_TRUE(summary["pairwise_coverage_percent"].is_number());
  EXPECT_DOUBLE_EQ(summary["pairwise_coverage_percent"].get<double>(),
                   summary["pairwise_coverage"]["percent"].get<double>());
  for (const char* k : {"seed", "runner_mode", "feature_names", "total_observations",
                        "replicate_observations", "history", "deployment_demo", "oracle_mode"}) {
    EXPECT_TRUE(summary.contains(k)) << k;
  }
  for (const char* k :
       {"observations_csv", "recommendation_matrix_json", "evaluation_report_json",
        "contribution_report_json", "summary_md", "report_html", "model_dir", "plots_dir"}) {
    ASSERT_TRUE(summary[k].is_string()) << k;
    EXPECT_TRUE(fs::exists(out / summary[k].get<std::string>())) << k;
  }
  for (const auto& demo : summary["deployment_demo"]) {
    for (const auto& rec : demo["recommendations"]) EXPECT_TRUE(IsConfigId(rec["config_id"]));
  }

  // config_id in the matrix, and the reference's topk_by_pattern with the same ids.
  const json matrix = json::parse(Slurp(out / "recommendation_matrix.json"));
  ASSERT_EQ(matrix["workloads"].size(), 25u);
  for (const auto& w : matrix["workloads"]) {
    const json& ids = matrix["topk_by_pattern"][w["workload"].get<std::string>()];
    ASSERT_EQ(ids.size(), w["top"].size());
    ASSERT_FALSE(ids.empty());
    std::set<std::string> unique;
    for (size_t i = 0; i < ids.size(); ++i) {
      ASSERT_TRUE(IsConfigId(w["top"][i]["config_id"]));
      EXPECT_EQ(ids[i], w["top"][i]["config_id"]);
      unique.insert(ids[i].get<std::string>());
    }
    EXPECT_EQ(unique.size(), ids.size());
  }
  // The baseline's id is the reference's: config_id_from_params of its baseline.
  const std::string csv = Slurp(out / "observations.csv");
  EXPECT_NE(csv.find(",failure_reason,config_id\n"), std::string::npos);
  std::istringstream rows(csv);
  std::string line;
  size_t baselines = 0;
  while (std::getline(rows, line)) {
    if (line.find(",baseline,") == std::string::npos) continue;
    ++baselines;
    EXPECT_EQ(line.substr(line.size() - 16), "8fa747b503c7b8a5") << line;
  }
  EXPECT_EQ(baselines, 25u);

  // The reference's evaluation fields (its config enables a per-pattern config split).
  const json ev = json::parse(Slurp(out / "evaluation_report.json"));
  EXPECT_EQ(ev["enabled"], true);
  EXPECT_EQ(ev["split_mode_requested"], "heldout_configs_per_pattern");
  EXPECT_EQ(ev["temporal_split"], false);
  EXPECT_EQ(ev["split_meta"]["split_mode_effective"], "heldout_configs_per_pattern");
  EXPECT_EQ(ev["split_meta"]["heldout_config_counts_by_pattern"].size(), 25u);
  EXPECT_EQ(ev["top_k"], 3);
  EXPECT_EQ(ev["oracle_data_source"], "heldout_test_observations");
  EXPECT_EQ(
      ev["n_train_observations"].get<size_t>() + ev["n_test_observations"].get<size_t>(),
      summary["total_observations"].get<size_t>() - summary["failed_observations"].get<size_t>());
  for (const char* k : {"top1_regret", "topk_regret", "hit_at_k", "ndcg_at_k"})
    ExpectMeanCi(ev["aggregate"][k], k);
  ASSERT_EQ(ev["per_pattern"].size(), ev["n_eval_patterns"].get<size_t>());
  EXPECT_GT(ev["n_eval_patterns"].get<size_t>(), 0u);
  for (const auto& p : ev["per_pattern"]) {
    EXPECT_TRUE(p["pattern_id"].is_string());
    EXPECT_TRUE(IsConfigId(p["pred_top1_config_id"]));
    EXPECT_GE(p["top1_regret"].get<double>(), p["topk_regret"].get<double>() - 1e-12);
    EXPECT_GE(p["oracle_best_gain"].get<double>(), p["pred_topk_best_gain"].get<double>());
    EXPECT_GE(p["pred_topk_best_gain"].get<double>(), p["pred_top1_gain"].get<double>());
  }

  // The reference's contribution fields; contribution.top_k (3) sizes each top-k.
  const json ct = json::parse(Slurp(out / "contribution_report.json"));
  EXPECT_EQ(ct["top_k"], 3);
  EXPECT_EQ(ct["n_patterns"], 25);
  const double pct = ct["pct_top_k_from_active"].get<double>();
  EXPECT_GE(pct, 0.0);
  EXPECT_LE(pct, 100.0);
  ASSERT_EQ(ct["per_pattern"].size(), 25u);
  double share_sum = 0.0;
  for (const auto& p : ct["per_pattern"]) {
    for (const char* k :
         {"pattern_id", "best_warm_gain", "best_active_gain", "best_active_vs_best_warm_delta",
          "new_best_found_iter", "topk_from_active_percent", "topk"})
      EXPECT_TRUE(p.contains(k)) << k;
    ASSERT_EQ(p["topk"].size(), 3u);
    for (const auto& t : p["topk"]) {
      EXPECT_TRUE(IsConfigId(t["config_id"]));
      EXPECT_TRUE(t["best_source"].is_string());
      EXPECT_TRUE(t["best_iter"].is_number_integer());
    }
    share_sum += p["topk_from_active_percent"].get<double>();
  }
  EXPECT_NEAR(pct, share_sum / 25.0, 1e-9);  // every workload has a full top-3
  const json& traj = ct["cumulative_improvement_trajectory"];
  ASSERT_EQ(traj.size(), summary["iterations_run"].get<size_t>() + 1);
  EXPECT_EQ(traj[0]["iter"], 0);
  EXPECT_DOUBLE_EQ(traj[0]["mean_improvement_over_warm"].get<double>(), 0.0);
  for (size_t i = 1; i < traj.size(); ++i) {
    EXPECT_GE(traj[i]["mean_improvement_over_warm"].get<double>(),
              traj[i - 1]["mean_improvement_over_warm"].get<double>());
  }
}

}  // namespace
}  // namespace iorec
