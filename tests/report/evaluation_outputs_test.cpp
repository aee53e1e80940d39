#include "iorec/report/evaluation_outputs.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/report/study_outputs.hpp"
#include "iorec/runner/stub_testbed.hpp"

namespace iorec::report {
namespace {

namespace fs = std::filesystem;

config::StudyConfig SmallConfig() {
  config::StudyConfig cfg;
  cfg.seed = 13;
  std::vector<space::Knob> knobs;
  const std::vector<size_t> levels = {4, 5, 3, 4};
  for (size_t i = 0; i < levels.size(); ++i) {
    space::Knob k;
    k.name = "knob" + std::to_string(i);
    for (size_t l = 0; l < levels[i]; ++l) {
      k.values.push_back(space::KnobValue::Int(1 << l, std::to_string(1 << l)));
    }
    knobs.push_back(k);
  }
  cfg.space = space::Space(knobs);
  cfg.baseline = space::Config({1, 1, 0, 2});
  cfg.warm_start.target_size = 12;
  cfg.active.ensemble_size = 2;
  cfg.active.iterations = 3;
  cfg.active.batch_per_iter = 3;
  cfg.active.replicate_top_n = 1;
  cfg.active.replicate_repeats = 1;
  cfg.active.oracle_mode = config::OracleMode::kWarmOnly;
  cfg.model.num_rounds = 15;
  cfg.model.max_depth = 3;
  cfg.deploy.topk_per_pattern = 5;
  cfg.evaluation.enabled = true;
  cfg.evaluation.split_mode = config::SplitMode::kHeldoutPatterns;
  cfg.evaluation.holdout_fraction_patterns = 0.4;
  cfg.evaluation.bootstrap_iters = 50;
  return cfg;
}

struct Study {
  config::StudyConfig cfg;
  space::WorkloadSet ws;
  loop::StudyResult res;
};

Study RunSmallStudy(size_t workloads, config::SplitMode split) {
  Study s;
  s.cfg = SmallConfig();
  s.cfg.evaluation.split_mode = split;
  s.ws = config::SyntheticWorkloads(13, static_cast<int>(workloads), 4);
  runner::StubTestbed stub(s.cfg.space, s.ws, s.cfg.seed, 0.02);
  runner::SerialExecutor exec(stub);
  s.res = loop::RunStudy(s.cfg, s.ws, exec, nullptr, {});
  return s;
}

fs::path TempDir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("iorec_report_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(EvaluationOutputsTest, WritesEveryReportAndTheyParse) {
  const Study s = RunSmallStudy(5, config::SplitMode::kHeldoutPatterns);
  const fs::path out = TempDir("all");
  WriteStudyOutputs(out, s.cfg, s.res);
  for (const char* f : {"evaluation_report.json", "contribution_report.json", "summary.md",
                        "report.html", "summary.json"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  const auto ev = nlohmann::json::parse(core::ReadFile(out / "evaluation_report.json"));
  EXPECT_EQ(ev["split_mode"], "heldout_patterns");
  EXPECT_EQ(ev["heldout_workloads"].size(), 2u);
  EXPECT_EQ(ev["workloads_evaluated"].get<size_t>() + ev["workloads_skipped"].get<size_t>(), 2u);
  for (const char* strat : {"model", "random", "baseline_config", "nearest_workload_best"}) {
    ASSERT_TRUE(ev["aggregate"].contains(strat)) << strat;
    const auto& n = ev["aggregate"][strat]["ndcg_at_k"];
    if (!n["mean"].is_null()) {
      EXPECT_LE(n["ci_lo"].get<double>(), n["mean"].get<double>() + 1e-12);
      EXPECT_GE(n["ci_hi"].get<double>(), n["mean"].get<double>() - 1e-12);
    }
  }
  EXPECT_TRUE(ev["lift"].contains("nearest_workload_best"));
  const auto ct = nlohmann::json::parse(core::ReadFile(out / "contribution_report.json"));
  EXPECT_EQ(ct["per_workload"].size(), 5u);
  EXPECT_GT(ct["overall"]["active_trials"].get<size_t>(), 0u);

  const std::string html = core::ReadFile(out / "report.html");
  const std::string md = core::ReadFile(out / "summary.md");
  for (const auto& w : s.ws.workloads) {
    EXPECT_NE(html.find(w.id), std::string::npos) << w.id;
    EXPECT_NE(md.find(w.id), std::string::npos) << w.id;
  }
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);  // self-contained
  EXPECT_EQ(html.find("<link"), std::string::npos);
  if (fs::exists(out / "plots" / "recommended_heatmap.png")) {
    EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
    EXPECT_NE(md.find("plots/recommended_heatmap.png"), std::string::npos);
    for (const char* stem :
         {"learning_curve", "best_measured_per_workload", "knob_effects", "workload_map",
          "recommended_heatmap", "predicted_vs_measured", "knob_importance"}) {
      for (const char* ext : {".png", ".gp", ".dat"}) {
        EXPECT_TRUE(fs::exists(out / "plots" / (std::string(stem) + ext))) << stem << ext;
      }
    }
  } else {
    GTEST_LOG_(WARNING) << "gnuplot missing: plot files not checked";
  }
  fs::remove_all(out);
}

TEST(EvaluationOutputsTest, SameSeedGivesByteIdenticalJsonReports) {
  for (auto split : {config::SplitMode::kHeldoutConfigsPerPattern, config::SplitMode::kTemporal}) {
    const Study a = RunSmallStudy(4, split);
    const Study b = RunSmallStudy(4, split);
    const fs::path da = TempDir("det_a"), db = TempDir("det_b");
    WriteEvaluationOutputs(da, a.cfg, a.res);
    WriteEvaluationOutputs(db, b.cfg, b.res);
    for (const char* f : {"evaluation_report.json", "contribution_report.json"}) {
      EXPECT_EQ(core::ReadFile(da / f), core::ReadFile(db / f)) << f;
    }
    fs::remove_all(da);
    fs::remove_all(db);
  }
}

TEST(EvaluationOutputsTest, PatternSplitWithTwoWorkloadsIsRefusedWithAMessage) {
  const Study s = RunSmallStudy(2, config::SplitMode::kHeldoutPatterns);
  const fs::path out = TempDir("refused");
  try {
    WriteEvaluationOutputs(out, s.cfg, s.res);
    FAIL() << "expected InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("heldout_patterns"), std::string::npos) << e.what();
  }
  fs::remove_all(out);
}

TEST(EvaluationOutputsTest, ReportsCarryTheReferenceFields) {
  Study s = RunSmallStudy(4, config::SplitMode::kTemporal);
  s.cfg.reporting.plots = false;
  s.cfg.contribution.top_k = 2;  // the contribution's top-k, not evaluation.top_k (3)
  const fs::path out = TempDir("reference");
  WriteEvaluationOutputs(out, s.cfg, s.res);
  const auto ev = nlohmann::json::parse(core::ReadFile(out / "evaluation_report.json"));
  EXPECT_EQ(ev["enabled"], true);
  EXPECT_EQ(ev["split_meta"]["split_mode_effective"], "temporal");
  EXPECT_EQ(ev["split_meta"]["cutoff_iter"], ev["temporal_heldout_after_iteration"]);
  EXPECT_EQ(ev["top_k"], 3);
  for (const char* k : {"top1_regret", "topk_regret", "hit_at_k", "ndcg_at_k"}) {
    const auto& a = ev["aggregate"][k];
    ASSERT_TRUE(a["mean"].is_number()) << k;
    EXPECT_LE(a["ci_low"].get<double>(), a["mean"].get<double>() + 1e-12) << k;
    EXPECT_GE(a["ci_high"].get<double>(), a["mean"].get<double>() - 1e-12) << k;
  }
  // The reference's topk_regret is iorec's regret@k of the model; top-1 can only be worse.
  EXPECT_DOUBLE_EQ(ev["aggregate"]["topk_regret"]["mean"].get<double>(),
                   ev["aggregate"]["model"]["regret_at_k"]["mean"].get<double>());
  EXPECT_GE(ev["aggregate"]["top1_regret"]["mean"].get<double>(),
            ev["aggregate"]["topk_regret"]["mean"].get<double>() - 1e-12);
  EXPECT_EQ(ev["per_pattern"].size(), ev["per_workload"].size());

  const auto ct = nlohmann::json::parse(core::ReadFile(out / "contribution_report.json"));
  EXPECT_EQ(ct["top_k"], 2);
  EXPECT_EQ(ct["n_patterns"], 4);
  size_t topk = 0, active = 0;
  for (const auto& p : ct["per_pattern"]) {
    EXPECT_LE(p["topk"].size(), 2u);
    for (const auto& t : p["topk"]) {
      ++topk;
      active += t["best_source"] == "active" || t["best_source"] == "replicate";
    }
  }
  // iorec's own per-workload figures use the same top-k.
  for (const auto& w : ct["per_workload"]) EXPECT_LE(w["top_k"].get<size_t>(), 2u);
  EXPECT_DOUBLE_EQ(ct["pct_top_k_from_active"].get<double>(), 100.0 * active / topk);
  EXPECT_EQ(ct["cumulative_improvement_trajectory"].size(), 4u);  // iterations 0..3
  fs::remove_all(out);
}

TEST(EvaluationOutputsTest, DisabledEvaluationWritesADisabledReport) {
  Study s = RunSmallStudy(3, config::SplitMode::kHeldoutConfigsPerPattern);
  s.cfg.evaluation.enabled = false;
  s.cfg.reporting.plots = false;
  s.cfg.reporting.write_markdown_summary = false;
  const fs::path out = TempDir("disabled");
  WriteEvaluationOutputs(out, s.cfg, s.res);
  // As the reference: {"enabled": false, "reason": ...}.
  const auto ev = nlohmann::json::parse(core::ReadFile(out / "evaluation_report.json"));
  EXPECT_EQ(ev["enabled"], false);
  EXPECT_TRUE(ev["reason"].is_string());
  EXPECT_FALSE(fs::exists(out / "summary.md"));
  EXPECT_TRUE(fs::exists(out / "contribution_report.json"));
  EXPECT_NE(core::ReadFile(out / "report.html").find("evaluation is disabled"), std::string::npos);
  fs::remove_all(out);
}

TEST(EvaluationOutputsTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64(std::string("\xff\x00\x10", 3)), "/wAQ");
}

}  // namespace
}  // namespace iorec::report
