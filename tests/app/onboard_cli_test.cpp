// `iorec onboard` end to end: new workloads added to a finished study run their budget on the
// stub and on the command runner, are stored trial by trial (resume after a crash or kill -9
// never repeats a finished trial; a larger --budget extends), are deterministic per seed, work
// through `iorec ask` / `iorec tell`, and `iorec recommend` then returns their best measured
// configs. Bad input exits 2 and writes nothing.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "app/cli_util.hpp"
#include "common/process_util.hpp"
#include "common/temp_dir.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace {

using iorec::test_support::CliResult;
using iorec::test_support::RunShell;
using iorec::test_support::RunShellSplit;
using iorec::test_support::Slurp;
using iorec::test_support::SplitResult;

std::string Q(const fs::path& p) { return iorec::test_support::ShellQuote(p); }

constexpr const char* kStubConfig =
    "seed: 11\n"
    "parameters:\n"
    "  - {name: stripe_count, values: [1, 2, 4, 8], is_ordered: true}\n"
    "  - {name: stripe_size, values: [\"64K\", \"1M\", \"4M\"], is_ordered: true}\n"
    "  - {name: num_aggregators, values: [1, 2, 4, 8], is_ordered: true}\n"
    "baseline: {stripe_count: 1, stripe_size: \"1M\"}\n"
    "data: {n_patterns: 3, n_features: 5}\n"
    "warm_start: {target_size: 10}\n"
    "model: {mode: ranking, relevance_levels: 4, num_rounds: 10, max_depth: 3}\n"
    "active: {ensemble_size: 2, iterations: 2, batch_per_iter: 2,\n"
    "         replicate_top_n: 1, replicate_repeats: 1}\n"
    "deploy: {topk_per_pattern: 5, knn_neighbors: 2, return_top_k: 3}\n"
    "runner: {mode: stub, noise_std: 0.02}\n";

/// A deterministic benchmark: integer perf from the knobs and the workload name's last digit;
/// config a=3, c=1 fails, and on workloads ending in 8 every config with a != 1 (the baseline's).
/// With IOREC_TEST_BLOCK set, its third run announces itself in `started` and waits for a file that
/// never comes (the test kills the run).
constexpr const char* kBench = R"sh(#!/bin/sh
# usage: bench.sh WORKLOAD A B C
dir=$(dirname "$0")
echo "$1" >> "$dir/count"
if [ -n "$IOREC_TEST_BLOCK" ] && [ "$(wc -l < "$dir/count")" -ge 3 ]; then
  echo $$ >> "$dir/pids"; touch "$dir/started"
  while [ ! -f "$dir/never" ]; do sleep 0.05; done
fi
n=${1#"${1%?}"}
case "$n" in [0-9]) ;; *) n=0 ;; esac
if [ "$2" = 3 ] && [ "$4" = 1 ]; then echo "out of memory" >&2; exit 3; fi
if [ "$n" = 8 ] && [ "$2" != 1 ]; then echo "no such stripe" >&2; exit 4; fi
echo $(( 300 + $2 * $3 * (n + 2) + $4 * 13 - ($2 - 2) * ($2 - 2) * 11 - ($3 - 4) * ($3 - 4) * 3 ))
)sh";

class OnboardCliTest : public ::testing::Test {
 protected:
  CliResult Iorec(const std::string& args, const std::string& env = "") {
    return RunShell(env + " " + std::string(IOREC_BINARY) + " " + args);
  }
  SplitResult IorecSplit(const std::string& args, const std::string& env = "") {
    return RunShellSplit(env + " " + std::string(IOREC_BINARY) + " " + args, dir_ / "stderr");
  }

  /// A finished stub study in `out`.
  fs::path StubStudy(const std::string& name = "study") {
    const fs::path cfg = dir_ / "stub.yaml";
    std::ofstream(cfg) << kStubConfig;
    const fs::path out = dir_ / name;
    const auto r = Iorec("run -q -c " + Q(cfg) + " -o " + Q(out));
    EXPECT_EQ(r.code, 0) << r.out;
    return out;
  }

  /// A command-runner study (`executor_lines`: more runner keys) finished in `out`.
  fs::path CommandStudy(const std::string& name, const std::string& runner_lines = "") {
    std::ofstream(dir_ / "bench.sh") << kBench;
    const fs::path cfg = dir_ / (name + ".yaml");
    std::ofstream(cfg) << iorec::test_support::SmallCommandStudy(
        "sh {config_dir}/bench.sh {workload} {a} {b} {c}", "", runner_lines);
    const fs::path out = dir_ / name;
    const auto r = Iorec("run -q -c " + Q(cfg) + " -o " + Q(out));
    EXPECT_EQ(r.code, 0) << r.out;
    return out;
  }

  /// A workload file `name`.json between the study's workloads 1 and 2 (weight `t` on 2).
  fs::path NewWorkload(const fs::path& study, const std::string& name, double t) {
    const auto model = nlohmann::json::parse(Slurp(study / "model/model.json"));
    nlohmann::json w;
    for (size_t i = 0; i < model["feature_names"].size(); ++i) {
      w[model["feature_names"][i].get<std::string>()] =
          (1 - t) * model["workloads"][1]["features"][i].get<double>() +
          t * model["workloads"][2]["features"][i].get<double>();
    }
    const fs::path p = dir_ / (name + ".json");
    std::ofstream(p) << w.dump();
    return p;
  }

  /// "new1 49 baseline 234.202" per trial line of an onboard run's stderr.
  static std::vector<std::string> TrialLines(const std::string& err) {
    std::vector<std::string> out;
    static const std::regex line(R"(iorec: onboard (\S+): trial (\d+) \((\w+)\) (.*))");
    std::istringstream in(err);
    for (std::string l; std::getline(in, l);) {
      std::smatch m;
      if (std::regex_match(l, m, line))
        out.push_back(m[1].str() + " " + m[2].str() + " " + m[3].str() + " " + m[4].str());
    }
    return out;
  }

  static std::set<std::string> Ids(const std::vector<std::string>& lines) {
    std::set<std::string> ids;
    for (const auto& l : lines) ids.insert(l.substr(0, l.find(' ', l.find(' ') + 1)));
    return ids;
  }

  /// `iorec onboard STUDY -w W5 -w W8 --budget 8` started in the background with the bench
  /// blocking from its third run on; returns once that run has started (-1 on failure).
  pid_t SpawnBlocked(const fs::path& study, const fs::path& w5, const fs::path& w8) {
    fs::remove(dir_ / "count");
    fs::remove(dir_ / "started");
    setenv("IOREC_TEST_BLOCK", "1", 1);
    const std::string bin = IOREC_BINARY;
    const std::string study_s = study.string(), w5_s = w5.string(), w8_s = w8.string();
    const char* argv[] = {bin.c_str(),  "onboard",  "-q", study_s.c_str(), "-w", w5_s.c_str(), "-w",
                          w8_s.c_str(), "--budget", "8",  nullptr};
    pid_t pid = 0;
    const int rc =
        posix_spawn(&pid, bin.c_str(), nullptr, nullptr, const_cast<char**>(argv), environ);
    unsetenv("IOREC_TEST_BLOCK");
    if (rc != 0 || !iorec::test_support::WaitForFile(dir_ / "started")) return -1;
    return pid;
  }

  iorec::test_support::TempDir tmp_;
  const fs::path dir_ = tmp_.path();
};

TEST_F(OnboardCliTest, StubRunsTheBudgetAndRecommendReturnsTheBestMeasured) {
  const fs::path study = StubStudy();
  const fs::path w1 = NewWorkload(study, "new1", 0.5), w2 = NewWorkload(study, "new2", 0.7);
  const auto r = IorecSplit("onboard " + Q(study) + " --workload " + Q(w1) + " --workload " +
                            Q(w2) + " --budget 6 --json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  const auto lines = TrialLines(r.err);
  EXPECT_EQ(lines.size(), 12u) << r.err;
  EXPECT_NE(r.err.find("onboard round 6: 2 trial(s)"), std::string::npos) << r.err;
  for (const auto& w : j) {
    EXPECT_EQ(w["runs"], 6);
    EXPECT_EQ(w["budget"], 6);
    EXPECT_EQ(w["failed"], 0);
    ASSERT_TRUE(w["best"].is_object()) << w.dump();
    EXPECT_GE(w["best"]["measured_gain"].get<double>(), 0.0);
  }
  // The first trial of each is its baseline, the next its zero-shot picks.
  EXPECT_NE(lines[0].find(" baseline "), std::string::npos) << lines[0];
  EXPECT_NE(lines[2].find(" zero_shot "), std::string::npos) << lines[2];

  // recommend: the onboarded workload's chosen config first, then the next best measured.
  const auto rec = Iorec("recommend -q --json --model " + Q(study / "model") + " -w " + Q(w1));
  ASSERT_EQ(rec.code, 0) << rec.out;
  const auto rj = nlohmann::json::parse(rec.out);
  EXPECT_EQ(rj["method"], "onboarded");
  ASSERT_EQ(rj["recommendations"].size(), 3u);
  EXPECT_EQ(rj["recommendations"][0]["config"], j[0]["best"]["config"]);
  EXPECT_DOUBLE_EQ(rj["recommendations"][0]["measured_gain"].get<double>(),
                   j[0]["best"]["measured_gain"].get<double>());
  double previous = rj["recommendations"][1]["measured_gain"].get<double>();
  for (const auto& c : rj["recommendations"]) {
    EXPECT_TRUE(c["measured"].get<bool>());
    EXPECT_GE(c["runs"].get<int>(), 1);
  }
  EXPECT_GE(previous, rj["recommendations"][2]["measured_gain"].get<double>());
  // The study directory works as --model too, and --emit writes the chosen config.
  const auto emit = Iorec("recommend -q --model " + Q(study) + " -w " + Q(w1) + " --emit json");
  ASSERT_EQ(emit.code, 0) << emit.out;
  EXPECT_EQ(nlohmann::json::parse(emit.out)["config"], j[0]["best"]["config"]) << emit.out;
  // Matched by its features: the same features under another name are the onboarded workload.
  fs::copy_file(w1, dir_ / "renamed.json");
  const auto renamed =
      Iorec("recommend -q --json --model " + Q(study) + " -w " + Q(dir_ / "renamed.json"));
  ASSERT_EQ(renamed.code, 0) << renamed.out;
  EXPECT_EQ(nlohmann::json::parse(renamed.out)["recommendations"], rj["recommendations"]);
  // A workload with other features is not the onboarded one: zero-shot.
  const auto other = Iorec("recommend -q --json --model " + Q(study / "model") + " -w " +
                           Q(NewWorkload(study, "new1x", 0.55)));
  ASSERT_EQ(other.code, 0) << other.out;
  EXPECT_EQ(nlohmann::json::parse(other.out)["method"], "zero_shot");
}

TEST_F(OnboardCliTest, ADarshanLogIsOnboardedAndRecommendedByItsFeatures) {
  // A study of five example workloads; the log is the job behind a sixth, top1_101.
  const fs::path data = dir_ / "workloads";
  fs::create_directories(data);
  for (const char* w : {"top2_20", "top3_18", "top4_192", "top5_74", "top6_331"}) {
    fs::copy_file(fs::path(IOREC_SOURCE_DIR) / "examples/workloads" / (std::string(w) + ".json"),
                  data / (std::string(w) + ".json"));
  }
  const fs::path cfg = dir_ / "real.yaml";
  std::ofstream(cfg) << "seed: 5\n"
                        "parameters:\n"
                        "  - {name: stripe_count, values: [1, 4, 16], is_ordered: true}\n"
                        "  - {name: stripe_size, values: [\"64K\", \"1M\", \"16M\"], is_ordered: "
                        "true}\n"
                        "data: {input_dir: "
                     << data.string()
                     << "}\n"
                        "warm_start: {target_size: 6}\n"
                        "model: {num_rounds: 10, max_depth: 3}\n"
                        "active: {ensemble_size: 2, iterations: 1, batch_per_iter: 1}\n"
                        "evaluation: {enabled: false}\n";
  const fs::path study = dir_ / "study";
  ASSERT_EQ(Iorec("run -q -c " + Q(cfg) + " -o " + Q(study)).code, 0);
  const std::string log = IOREC_TEST_DATA "/darshan/combined.darshan";
  const auto r = Iorec("onboard -q " + Q(study) + " --darshan " + Q(log) + " --budget 4 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto row = nlohmann::json::parse(r.out).at(0);
  EXPECT_EQ(row["workload"], "combined");
  EXPECT_EQ(row["runs"], 4);
  const auto rec = Iorec("recommend -q --json -m " + Q(study) + " --darshan " + Q(log));
  ASSERT_EQ(rec.code, 0) << rec.out;
  const auto j = nlohmann::json::parse(rec.out);
  EXPECT_EQ(j["method"], "onboarded");
  EXPECT_EQ(j["recommendations"][0]["config"], row["best"]["config"]);
  // A log that is not one is refused, naming it, and nothing is written.
  std::ofstream(dir_ / "junk.darshan") << "not a darshan log";
  const auto bad =
      Iorec("onboard " + Q(study) + " --darshan " + Q(dir_ / "junk.darshan") + " -n 3");
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find("junk.darshan"), std::string::npos) << bad.out;
}

TEST_F(OnboardCliTest, StatusAndReportShowEachOnboardedWorkload) {
  const fs::path study = StubStudy();
  const fs::path before = dir_ / "before";
  fs::copy(study, before, fs::copy_options::recursive);
  const fs::path w = NewWorkload(study, "new4", 0.4);
  const auto r = Iorec("onboard -q " + Q(study) + " -w " + Q(w) + " --budget 5 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto row = nlohmann::json::parse(r.out).at(0);
  EXPECT_EQ(row["workload"], "new4");
  EXPECT_TRUE(row["zero_shot_top1"]["config"].is_object());
  EXPECT_TRUE(row["knobs_moved_from_zero_shot"].is_number()) << row.dump();

  const auto text = Iorec("status " + Q(study));
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("onboarded workloads"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("new4: 5/5 runs (0 failed)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("zero-shot top-1: "), std::string::npos) << text.out;
  const auto json = Iorec("status -q --json " + Q(study));
  ASSERT_EQ(json.code, 0) << json.out;
  EXPECT_EQ(nlohmann::json::parse(json.out)["onboarded"].at(0), row);
  EXPECT_TRUE(
      nlohmann::json::parse(Iorec("status -q --json " + Q(before)).out)["onboarded"].empty());

  // The reports gain a section; the study's own outputs stay byte-identical.
  const auto check_reports = [&](const std::string& when) {
    EXPECT_EQ(nlohmann::json::parse(Slurp(study / "summary.json"))["onboarded"].at(0), row) << when;
    for (const char* f : {"summary.md", "report.html"}) {
      const std::string doc = Slurp(study / f);
      EXPECT_NE(doc.find("New workloads onboarded"), std::string::npos) << f << " " << when;
      EXPECT_NE(doc.find("new4"), std::string::npos) << f << " " << when;
    }
    for (const char* f : {"observations.csv", "recommendation_matrix.json", "model/model.json"})
      EXPECT_TRUE(Slurp(study / f) == Slurp(before / f)) << f << " " << when;
  };
  check_reports("after onboard");
  ASSERT_EQ(Iorec("report -q " + Q(study)).code, 0);
  check_reports("after report");
  ASSERT_EQ(Iorec("run -q -c " + Q(dir_ / "stub.yaml") + " -o " + Q(study)).code, 0);
  check_reports("after run again");
  EXPECT_EQ(Slurp(before / "summary.md").find("New workloads onboarded"), std::string::npos);
}

TEST_F(OnboardCliTest, SameSeedFromScratchGivesIdenticalTrialsAndABudgetExtends) {
  const fs::path a = StubStudy("a");
  const fs::path b = dir_ / "b";
  fs::copy(a, b, fs::copy_options::recursive);
  const fs::path w = NewWorkload(a, "new3", 0.3);
  const auto ra = IorecSplit("onboard " + Q(a) + " -w " + Q(w) + " --budget 7 --json");
  ASSERT_EQ(ra.code, 0) << ra.err;
  const auto lines_a = TrialLines(ra.err);
  // b: budget 4 first, then 7: the same 7 trials, none repeated.
  const auto rb1 = IorecSplit("onboard " + Q(b) + " -w " + Q(w) + " --budget 4");
  ASSERT_EQ(rb1.code, 0) << rb1.err;
  auto lines_b = TrialLines(rb1.err);
  EXPECT_EQ(lines_b.size(), 4u);
  const auto rb2 = IorecSplit("onboard " + Q(b) + " -w " + Q(w) + " --budget 7 --json");
  ASSERT_EQ(rb2.code, 0) << rb2.err;
  const auto more = TrialLines(rb2.err);
  EXPECT_EQ(more.size(), 3u) << rb2.err;
  lines_b.insert(lines_b.end(), more.begin(), more.end());
  EXPECT_EQ(lines_a, lines_b);
  EXPECT_EQ(ra.out, rb2.out);
  // Again with the budget spent: nothing runs.
  const auto again = IorecSplit("onboard " + Q(b) + " -w " + Q(w) + " --budget 7 --json");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(TrialLines(again.err).empty()) << again.err;
  EXPECT_EQ(again.out, ra.out);
}

TEST_F(OnboardCliTest, ResumeAfterACrashNeverRepeatsAFinishedTrial) {
  const fs::path clean = StubStudy("clean");
  const fs::path w1 = NewWorkload(clean, "new1", 0.5), w2 = NewWorkload(clean, "new2", 0.7);
  const std::string args = " -w " + Q(w1) + " -w " + Q(w2) + " --budget 5 --json";
  for (const int n : {0, 3, 7}) {
    const fs::path out = dir_ / ("crash" + std::to_string(n));
    fs::copy(clean, out, fs::copy_options::recursive);
    const auto crashed = IorecSplit("onboard " + Q(out) + args,
                                    "IOREC_FAULT_EXIT_AFTER_TRIALS=" + std::to_string(n));
    ASSERT_EQ(crashed.code, 137) << "n=" << n << ": " << crashed.err;
    const auto first = TrialLines(crashed.err);
    EXPECT_EQ(first.size(), static_cast<size_t>(n));
    const auto resumed = IorecSplit("onboard " + Q(out) + args);
    ASSERT_EQ(resumed.code, 0) << "n=" << n << ": " << resumed.err;
    const auto rest = TrialLines(resumed.err);
    EXPECT_EQ(first.size() + rest.size(), 10u) << resumed.err;
    for (const auto& id : Ids(first)) EXPECT_EQ(Ids(rest).count(id), 0u) << id << " ran twice";
    if (n == 0) {
      const fs::path uninterrupted = dir_ / "uninterrupted";
      fs::copy(clean, uninterrupted, fs::copy_options::recursive);
      const auto ref = IorecSplit("onboard " + Q(uninterrupted) + args);
      ASSERT_EQ(ref.code, 0) << ref.err;
      EXPECT_EQ(rest, TrialLines(ref.err));
      EXPECT_EQ(resumed.out, ref.out);
    }
  }
}

TEST_F(OnboardCliTest, BadInputExitsTwoAndWritesNothing) {
  const fs::path study = StubStudy();
  const fs::path w = NewWorkload(study, "new1", 0.5);
  const auto fingerprint = [&] {
    return Slurp(study / "study.db") + Slurp(study / "study.db-wal");
  };
  const std::string before = fingerprint();
  // A name of the study's own workloads.
  const auto summary = nlohmann::json::parse(Slurp(study / "summary.json"));
  const std::string own = summary["workloads"][0].get<std::string>();
  fs::copy_file(w, dir_ / (own + ".json"));
  auto r = Iorec("onboard " + Q(study) + " -w " + Q(dir_ / (own + ".json")) + " --budget 3");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("one of the study's own workloads"), std::string::npos) << r.out;
  // A workload file missing a feature names the file and the feature.
  auto j = nlohmann::json::parse(Slurp(w));
  const std::string first = j.begin().key();
  j.erase(first);
  std::ofstream(dir_ / "bad.json") << j.dump();
  r = Iorec("onboard " + Q(study) + " -w " + Q(dir_ / "bad.json") + " --budget 3");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("bad.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(first), std::string::npos) << r.out;
  // The same name twice, a missing budget, no workload at all.
  EXPECT_EQ(Iorec("onboard " + Q(study) + " -w " + Q(w) + " -w " + Q(w) + " --budget 3").code, 2);
  EXPECT_EQ(Iorec("onboard " + Q(study) + " -w " + Q(w)).code, 2);
  EXPECT_EQ(Iorec("onboard " + Q(study) + " --budget 3").code, 2);
  EXPECT_EQ(Iorec("onboard " + Q(study) + " -w " + Q(w) + " --budget 0").code, 2);
  EXPECT_TRUE(fingerprint() == before) << "study.db changed";
  // Onboarded once, the same name with other features is refused.
  ASSERT_EQ(Iorec("onboard -q " + Q(study) + " -w " + Q(w) + " --budget 2").code, 0);
  const std::string onboarded = fingerprint();
  std::ofstream(dir_ / "new1.json") << Slurp(NewWorkload(study, "other", 0.9));
  r = Iorec("onboard " + Q(study) + " -w " + Q(dir_ / "new1.json") + " --budget 3");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("with other features"), std::string::npos) << r.out;
  EXPECT_TRUE(fingerprint() == onboarded) << "study.db changed";
  // An unfinished study is refused.
  const fs::path part = dir_ / "part";
  ASSERT_EQ(Iorec("run -q -c " + Q(dir_ / "stub.yaml") + " -o " + Q(part),
                  "IOREC_FAULT_EXIT_AFTER_TRIALS=5")
                .code,
            137);
  r = Iorec("onboard " + Q(part) + " -w " + Q(w) + " --budget 3");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("has not finished"), std::string::npos) << r.out;
}

TEST_F(OnboardCliTest, CommandRunnerRecordsFailuresAndResumesAfterKill9) {
  const fs::path study = CommandStudy("cmd", "  parallel_trials: 2\n");
  const fs::path clean = dir_ / "clean";
  fs::copy(study, clean, fs::copy_options::recursive);
  const fs::path w5 = NewWorkload(study, "new5", 0.4), w8 = NewWorkload(study, "new8", 0.8);
  const std::string args = " -w " + Q(w5) + " -w " + Q(w8) + " --budget 8 --json";
  const auto ref = IorecSplit("onboard " + Q(clean) + args);
  ASSERT_EQ(ref.code, 0) << ref.err;
  const auto ref_j = nlohmann::json::parse(ref.out);
  EXPECT_EQ(ref_j[0]["runs"], 8);
  EXPECT_TRUE(fs::exists(clean / "trials" / "new5")) << "trial directories";
  // new8: failures are data and count against the budget; a config that failed twice is not
  // run again; the best is among the configs that ran.
  EXPECT_GE(ref_j[1]["failed"].get<int>(), 2) << ref_j[1].dump();
  EXPECT_LE(ref_j[1]["runs"].get<int>(), 8);
  EXPECT_EQ(ref_j[1]["best"]["config"]["a"], 1) << ref_j[1].dump();
  const auto rec8 = Iorec("recommend -q --json -m " + Q(clean) + " -w " + Q(w8));
  ASSERT_EQ(rec8.code, 0) << rec8.out;
  const auto rec8_j = nlohmann::json::parse(rec8.out);  // outlives the loop
  for (const auto& c : rec8_j["recommendations"]) EXPECT_EQ(c["config"]["a"], 1) << c.dump();
  const auto ref_lines = TrialLines(ref.err);
  const auto failed_lines =
      std::count_if(ref_lines.begin(), ref_lines.end(),
                    [](const std::string& l) { return l.find(" failed: ") != std::string::npos; });
  EXPECT_EQ(failed_lines, ref_j[1]["failed"].get<int>() + ref_j[0]["failed"].get<int>());

  // kill -9 while the third trial runs; its trial process is killed by hand (kill -9 leaves it).
  const pid_t pid = SpawnBlocked(study, w5, w8);
  ASSERT_GT(pid, 0);
  // While it runs: a second onboard is refused at once; status reads the trials in flight.
  const auto second = Iorec("onboard " + Q(study) + " -w " + Q(w5) + " --budget 8");
  EXPECT_EQ(second.code, 2) << second.out;
  EXPECT_NE(second.out.find("another iorec process"), std::string::npos) << second.out;
  const auto running = Iorec("status -q --json " + Q(study));
  ASSERT_EQ(running.code, 0) << running.out;
  EXPECT_EQ(nlohmann::json::parse(running.out)["onboarded"].at(0)["in_flight"], 1) << running.out;
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  std::ifstream pids(dir_ / "pids");
  for (pid_t p; pids >> p;) kill(p, SIGKILL);
  // Readable in between: the two baselines ran.
  const auto partial = Iorec("recommend -q --json -m " + Q(study) + " -w " + Q(w5));
  ASSERT_EQ(partial.code, 0) << partial.out;
  EXPECT_EQ(nlohmann::json::parse(partial.out)["method"], "onboarded") << partial.out;

  const auto resumed = IorecSplit("onboard " + Q(study) + args);
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(resumed.out, ref.out);
  // The two baselines finished before the kill stay; the two trials in flight run again.
  EXPECT_EQ(TrialLines(resumed.err).size() + 2, ref_lines.size()) << resumed.err;
}

TEST_F(OnboardCliTest, CtrlCStopsTheRoundAndTheSameCommandResumes) {
  const fs::path study = CommandStudy("cmd", "  parallel_trials: 2\n");
  const fs::path clean = dir_ / "clean";
  fs::copy(study, clean, fs::copy_options::recursive);
  const fs::path w5 = NewWorkload(study, "new5", 0.4), w8 = NewWorkload(study, "new8", 0.8);
  const std::string args = " -w " + Q(w5) + " -w " + Q(w8) + " --budget 8 --json";
  const auto ref = IorecSplit("onboard " + Q(clean) + args);
  ASSERT_EQ(ref.code, 0) << ref.err;

  const pid_t pid = SpawnBlocked(study, w5, w8);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  // The trials it stopped are pending again (in flight), and run again on resume.
  const auto st = nlohmann::json::parse(Iorec("status -q --json " + Q(study)).out);
  EXPECT_EQ(st["onboarded"].at(0)["runs"], 1);
  EXPECT_EQ(st["onboarded"].at(0)["in_flight"], 1);
  const auto resumed = IorecSplit("onboard " + Q(study) + args);
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(resumed.out, ref.out);
  EXPECT_EQ(TrialLines(resumed.err).size() + 2, TrialLines(ref.err).size()) << resumed.err;
}

TEST_F(OnboardCliTest, AskTellGivesTheSameResultAsTheCommandRunner) {
  const fs::path local = CommandStudy("local");
  const fs::path ext = CommandStudy("ext", "  executor: external\n");
  // Drive the external study to its end, then its onboarding, with the bench's own values.
  const auto drive = [&] {
    for (int batch = 0; batch < 60; ++batch) {
      const auto ask = Iorec("ask -q " + Q(ext) + " --json");
      EXPECT_EQ(ask.code, 0) << ask.out;
      const auto pending = nlohmann::json::parse(ask.out);
      if (pending.empty()) return;
      for (const auto& t : pending) {
        const auto& c = t["config"];
        const auto m =
            RunShell("sh " + Q(dir_ / "bench.sh") + " " + t["workload"].get<std::string>() + " " +
                     c["a"].dump() + " " + c["b"].dump() + " " + c["c"].dump() + " 2>/dev/null");
        const std::string id = t["trial_id"].dump();
        std::string v = m.out;
        while (!v.empty() && v.back() == '\n') v.pop_back();
        const auto told = Iorec("tell -q " + Q(ext) + " " + id + " " +
                                (m.code == 0 ? v : "--failed 'exit code 3'"));
        EXPECT_EQ(told.code, 0) << told.out;
      }
    }
    ADD_FAILURE() << "the external study does not end";
  };
  drive();
  const fs::path w = NewWorkload(local, "new6", 0.6);
  const auto reg = Iorec("onboard " + Q(ext) + " -w " + Q(w) + " --budget 6");
  ASSERT_EQ(reg.code, 0) << reg.out;
  EXPECT_NE(reg.out.find("1 trial(s) pending"), std::string::npos) << reg.out;
  EXPECT_NE(reg.out.find("iorec ask"), std::string::npos) << reg.out;
  drive();
  ASSERT_EQ(Iorec("onboard -q " + Q(local) + " -w " + Q(w) + " --budget 6").code, 0);
  const auto rl = Iorec("recommend -q --json -m " + Q(local) + " -w " + Q(w));
  const auto re = Iorec("recommend -q --json -m " + Q(ext) + " -w " + Q(w));
  ASSERT_EQ(rl.code, 0) << rl.out;
  ASSERT_EQ(re.code, 0) << re.out;
  EXPECT_EQ(nlohmann::json::parse(re.out)["method"], "onboarded");
  EXPECT_EQ(nlohmann::json::parse(rl.out)["recommendations"],
            nlohmann::json::parse(re.out)["recommendations"]);
  // Told twice: refused, naming the trial.
  const auto twice = Iorec("tell " + Q(ext) + " 1 5");
  EXPECT_EQ(twice.code, 2) << twice.out;

  // Values that are no metric (0, then a failure) are failures: the baseline is tried twice,
  // then the workload stops without a best config, its budget not spent.
  ASSERT_EQ(
      Iorec("onboard -q " + Q(ext) + " -w " + Q(NewWorkload(local, "new2", 0.2)) + " -n 4").code,
      0);
  for (const std::string told : {"0", "--failed 'node lost'"}) {
    const auto pending = nlohmann::json::parse(Iorec("ask -q --json " + Q(ext)).out);
    ASSERT_EQ(pending.size(), 1u) << pending.dump();
    EXPECT_EQ(pending[0]["workload"], "new2");
    const auto r = Iorec("tell -q " + Q(ext) + " " + pending[0]["trial_id"].dump() + " " + told);
    EXPECT_EQ(r.code, 0) << r.out;
  }
  EXPECT_TRUE(nlohmann::json::parse(Iorec("ask -q --json " + Q(ext)).out).empty());
  const auto status = nlohmann::json::parse(Iorec("status -q --json " + Q(ext)).out);
  const auto& row = status["onboarded"].at(1);
  EXPECT_EQ(row["workload"], "new2");
  EXPECT_EQ(row["runs"], 2);
  EXPECT_EQ(row["failed"], 2);
  EXPECT_TRUE(row["best"].is_null()) << row.dump();
}

}  // namespace
