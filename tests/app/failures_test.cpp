// Failed trials through the CLI (issue 15 items 5 and 9): a batch where every trial fails
// is data and the study goes on, resumes and reports; a workload without any successful run
// stops the study, naming it, with the other workloads' outputs written; a failed baseline
// replaced by the median warm-start result is said in the log, summary.json and the report.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli_util.hpp"
#include "common/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using iorec::test_support::CliResult;
using iorec::test_support::RunShell;
using iorec::test_support::Slurp;

/// A deterministic benchmark that fails (exit 3) as its mode says: `ids` a range of trial
/// ids, `workload` every trial of synthetic_01, `baseline` the baseline config.
constexpr const char* kBench = R"(#!/bin/sh
# usage: bench.sh MODE WORKLOAD TRIAL_ID A B C
case "$1" in
  ids) if [ "$3" -ge 19 ] && [ "$3" -le 24 ]; then echo "node lost" >&2; exit 3; fi ;;
  workload) if [ "$2" = synthetic_01 ]; then echo "no such file" >&2; exit 3; fi ;;
  baseline) if [ "$4$5$6" = 110 ]; then echo "segfault" >&2; exit 3; fi ;;
esac
echo $(( 100 + ($4 * 7 + $5 * 3 + $6 * 5) % 11 * 10 + $4 * $5 ))
)";

class FailuresTest : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(dir_.path() / "bench.sh") << kBench; }

  /// Runs (or resumes) the study whose benchmark fails as `mode` says.
  CliResult Run(const std::string& mode) {
    const fs::path cfg = dir_.path() / (mode + ".yaml");
    std::ofstream(cfg) << iorec::test_support::SmallCommandStudy(
        "sh {config_dir}/bench.sh " + mode + " {workload} {trial_id} {a} {b} {c}");
    return RunShell(std::string(IOREC_BINARY) + " run -c " + cfg.string() + " -o " +
                    Out(mode).string());
  }
  fs::path Out(const std::string& mode) const { return dir_.path() / mode; }
  CliResult Report(const std::string& mode) const {
    return RunShell(std::string(IOREC_BINARY) + " report " + Out(mode).string());
  }
  nlohmann::json Summary(const std::string& mode) const {
    return nlohmann::json::parse(Slurp(Out(mode) / "summary.json"));
  }

  iorec::test_support::TempDir dir_;
};

TEST_F(FailuresTest, ABatchWhereEveryTrialFailsIsDataAndTheStudyGoesOn) {
  const auto first = Run("ids");  // trials 19-24: iteration 1's whole active batch
  ASSERT_EQ(first.code, 0) << first.out;
  const auto s = Summary("ids");
  EXPECT_EQ(s["iterations_run"], 2);
  EXPECT_EQ(s["stop_reason"], "completed all iterations");
  EXPECT_EQ(s["failed_observations"], 6);
  const std::string csv = Slurp(Out("ids") / "observations.csv");
  EXPECT_NE(csv.find("\n19,"), std::string::npos);
  EXPECT_NE(csv.find(",failed,,,"), std::string::npos);
  EXPECT_NE(csv.find("exit code 3"), std::string::npos);
  // Resume and report do not get stuck on it.
  const std::string before = Slurp(Out("ids") / "summary.json");
  const auto again = Run("ids");
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find("resumed"), std::string::npos) << again.out;
  const auto report = Report("ids");
  EXPECT_EQ(report.code, 0) << report.out;
  EXPECT_EQ(Slurp(Out("ids") / "summary.json"), before);
}

TEST_F(FailuresTest, AWorkloadWithoutAnySuccessfulRunStopsTheStudyNamingIt) {
  const auto r = Run("workload");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(
      r.out.find("no successful run on workload(s) synthetic_01 (first failure: exit code 3)"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("synthetic_00 (first"), std::string::npos) << r.out;
  // The other workloads' outputs are written; resume and report give the same, not stuck.
  const auto s = Summary("workload");
  EXPECT_EQ(s["iterations_run"], 0);
  EXPECT_NE(s["stop_reason"].get<std::string>().find("synthetic_01"), std::string::npos);
  EXPECT_TRUE(s["baseline_perf"]["synthetic_01"].is_null());
  EXPECT_TRUE(s["baseline_perf"]["synthetic_00"].is_number());
  EXPECT_TRUE(fs::exists(Out("workload") / "model" / "model.json"));
  const std::string before = Slurp(Out("workload") / "summary.json");
  const auto again = Run("workload");
  EXPECT_EQ(again.code, 1) << again.out;
  const auto report = Report("workload");
  EXPECT_EQ(report.code, 0) << report.out;
  EXPECT_NE(report.out.find("synthetic_01"), std::string::npos) << report.out;
  EXPECT_EQ(Slurp(Out("workload") / "summary.json"), before);
}

TEST_F(FailuresTest, AFailedBaselineReplacedByTheMedianWarmResultIsSaidLoudly) {
  const auto r = Run("baseline");
  ASSERT_EQ(r.code, 0) << r.out;
  // The log (stderr) warns per workload.
  EXPECT_NE(r.out.find("warning"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("workload synthetic_00: the baseline run failed (exit code 3); its gains "
                       "are measured against the median warm-start result"),
            std::string::npos)
      << r.out;
  const auto s = Summary("baseline");
  ASSERT_EQ(s["baseline_substituted"].size(), 3u);
  EXPECT_EQ(s["baseline_substituted"][0]["workload"], "synthetic_00");
  EXPECT_EQ(s["baseline_substituted"][0]["baseline_failure"], "exit code 3");
  EXPECT_EQ(s["warnings"].size(), 3u);
  EXPECT_TRUE(s["baseline_perf"]["synthetic_00"].is_number());
  const std::string md = Slurp(Out("baseline") / "summary.md");
  EXPECT_NE(md.find("## Warnings"), std::string::npos);
  EXPECT_NE(md.find("median warm-start result"), std::string::npos);
  EXPECT_NE(md.find("(median warm)"), std::string::npos);
  EXPECT_NE(Slurp(Out("baseline") / "report.html").find("the baseline run failed"),
            std::string::npos);
}

}  // namespace
