// Ask/tell from the command line: a study with runner.executor: external, driven by
// `iorec ask` and `iorec tell` with the values a command runner measures, gives the same
// outputs as `iorec run` with that command runner; refusals name the trial; concurrent
// tells are safe. Also: minimizing c / perf runs the same trials as maximizing perf.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli_util.hpp"
#include "common/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

using iorec::test_support::CliResult;
using iorec::test_support::RunShell;
using iorec::test_support::Slurp;

std::string Q(const fs::path& p) { return iorec::test_support::ShellQuote(p); }

CliResult Iorec(const std::string& args) {
  return RunShell(std::string(IOREC_BINARY) + " " + args);
}

/// A deterministic benchmark: an integer perf with knob interactions per workload, a
/// failure on one config, and the perf or 2^20 / perf (a run time) as the last line.
constexpr const char* kBench = R"(#!/bin/sh
# usage: bench.sh WORKLOAD A B C [time]
n=${1#"${1%?}"}
if [ "$2" = 4 ] && [ "$3" = 8 ] && [ "$4" = 1 ]; then echo "out of memory" >&2; exit 3; fi
p=$(( 200 + ($2 * 7 + $3 * 3 + $4 * 5 + n) % 17 * 10 + $2 * $3 * (n + 1) - ($2 - 3) * ($2 - 3) * 9 ))
if [ "$5" = time ]; then awk -v p="$p" 'BEGIN { printf "%.17g\n", 1048576 / p }'; else echo "$p"; fi
)";

std::string Config(const std::string& runner_lines, const std::string& bench_args = "") {
  return iorec::test_support::SmallCommandStudy(
      "sh {config_dir}/bench.sh {workload} {a} {b} {c}" + bench_args,
      ", replicate_top_n: 1, replicate_repeats: 1", runner_lines);
}

class AskTellTest : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(dir_.path() / "bench.sh") << kBench; }

  fs::path Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_.path() / name;
    std::ofstream(p) << text;
    return p;
  }

  /// What the command runner would measure for a pending trial: (ok, last line or reason).
  std::pair<bool, std::string> Measure(const nlohmann::json& trial, const std::string& args) {
    const auto& c = trial["config"];
    const auto r = RunShell("sh " + Q(dir_.path() / "bench.sh") + " " +
                            trial["workload"].get<std::string>() + " " + c["a"].dump() + " " +
                            c["b"].dump() + " " + c["c"].dump() + " " + args + " 2>/dev/null");
    if (r.code != 0) return {false, "exit code " + std::to_string(r.code)};
    std::string v = r.out;
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return {true, v.substr(v.rfind('\n') + 1)};
  }

  /// Drives an external study to its end: ask, measure, tell (a batch's tells run at once).
  /// Returns the number of batches.
  int Drive(const fs::path& out, const std::string& args = "") {
    int batches = 0;
    for (;;) {
      const auto ask = Iorec("ask -q " + Q(out) + " --json");
      EXPECT_EQ(ask.code, 0) << ask.out;
      const auto pending = nlohmann::json::parse(ask.out);
      if (pending.empty()) return batches;
      ++batches;
      std::string script;
      for (const auto& t : pending) {
        EXPECT_TRUE(fs::exists(t["workload_file"].get<std::string>())) << t.dump();
        const auto [ok, v] = Measure(t, args);
        const std::string id = t["trial_id"].dump();
        script += "( " + std::string(IOREC_BINARY) + " tell -q " + Q(out) + " " + id +
                  (ok ? " " + v : " --failed '" + v + "'") + " >/dev/null || echo FAILED " + id +
                  " ) &\n";
      }
      const auto told = RunShell(script + "wait");
      EXPECT_EQ(told.out.find("FAILED"), std::string::npos) << told.out;
      if (batches > 50) {
        ADD_FAILURE() << "the study does not end";
        return batches;
      }
    }
  }

  void ExpectSame(const fs::path& a, const fs::path& b) {
    for (const char* f : {"summary.json", "observations.csv", "recommendation_matrix.json"}) {
      const std::string x = Slurp(a / f), y = Slurp(b / f);
      EXPECT_FALSE(x.empty()) << f;
      EXPECT_TRUE(x == y) << f << " differs between " << a << " and " << b;
    }
  }

  iorec::test_support::TempDir dir_;
};

TEST_F(AskTellTest, ExternalDriverGivesTheSameOutputsAsTheCommandRunner) {
  const fs::path local = dir_.path() / "local";
  const auto run = Iorec("run -q -c " + Q(Write("local.yaml", Config(""))) + " -o " + Q(local));
  ASSERT_EQ(run.code, 0) << run.out;

  const fs::path cfg = Write("external.yaml", Config("  executor: external\n"));
  const fs::path ext = dir_.path() / "ext ernal";
  const auto created = Iorec("run -q -c " + Q(cfg) + " -o " + Q(ext));
  ASSERT_EQ(created.code, 0) << created.out;
  EXPECT_NE(created.out.find("18 trial(s) pending"), std::string::npos) << created.out;
  EXPECT_FALSE(fs::exists(ext / "trials"));  // iorec ran nothing itself
  EXPECT_FALSE(fs::exists(ext / "summary.json"));
  // Asked twice, the same pending trials (the study only advances once they are told).
  const auto first = nlohmann::json::parse(Iorec("ask -q " + Q(ext) + " --json").out);
  ASSERT_EQ(first.size(), 18u);
  EXPECT_EQ(first, nlohmann::json::parse(Iorec("ask -q " + Q(ext) + " --json").out));
  EXPECT_EQ(first[0]["trial_id"], 1);
  EXPECT_EQ(first[0]["config"], nlohmann::json::parse(R"({"a": 1, "b": 1, "c": 0})"));

  EXPECT_GE(Drive(ext), 5);  // warm start, then per iteration an active and a replicate batch
  ExpectSame(local, ext);
  EXPECT_TRUE(fs::exists(ext / "model" / "model.json"));
  EXPECT_EQ(nlohmann::json::parse(Iorec("ask -q " + Q(ext) + " --json").out),
            nlohmann::json::array());
  const auto done = Iorec("run -q -c " + Q(cfg) + " -o " + Q(ext));
  EXPECT_EQ(done.code, 0) << done.out;
  EXPECT_NE(done.out.find("study finished"), std::string::npos) << done.out;
  ExpectSame(local, ext);
}

TEST_F(AskTellTest, TellRefusesUnknownAndAlreadyToldTrialsByName) {
  const fs::path cfg = Write("external.yaml", Config("  executor: external\n"));
  const fs::path ext = dir_.path() / "ext";
  ASSERT_EQ(Iorec("run -q -c " + Q(cfg) + " -o " + Q(ext)).code, 0);
  const auto unknown = Iorec("tell " + Q(ext) + " 999 12.5");
  EXPECT_EQ(unknown.code, 2) << unknown.out;
  EXPECT_NE(unknown.out.find("trial 999: no such trial"), std::string::npos) << unknown.out;
  const auto bad = Iorec("tell " + Q(ext) + " 3 fast");
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find("not a finite number: 'fast'"), std::string::npos) << bad.out;
  EXPECT_EQ(Iorec("tell " + Q(ext) + " 3").code, 2);  // neither a value nor --failed
  const auto told = Iorec("tell " + Q(ext) + " 3 12.5");
  EXPECT_EQ(told.code, 0) << told.out;
  EXPECT_NE(told.out.find("trial 3: recorded 12.5"), std::string::npos) << told.out;
  const auto again = Iorec("tell " + Q(ext) + " 3 13");
  EXPECT_EQ(again.code, 2) << again.out;
  EXPECT_NE(again.out.find("trial 3 was already told (done, 12.5)"), std::string::npos)
      << again.out;
  ASSERT_EQ(Iorec("tell " + Q(ext) + " 4 --failed 'node lost'").code, 0);
  const auto again_failed = Iorec("tell " + Q(ext) + " 4 1.0");
  EXPECT_NE(again_failed.out.find("trial 4 was already told (failed: node lost)"),
            std::string::npos)
      << again_failed.out;
  const auto pending = nlohmann::json::parse(Iorec("ask -q " + Q(ext) + " --json").out);
  EXPECT_EQ(pending.size(), 16u);  // told trials are no longer pending
  // A study iorec runs itself is not driven from outside.
  const fs::path local = dir_.path() / "local";
  ASSERT_EQ(Iorec("run -q -c " + Q(Write("local.yaml", Config(""))) + " -o " + Q(local)).code, 0);
  const auto refused = Iorec("ask " + Q(local));
  EXPECT_EQ(refused.code, 2) << refused.out;
  EXPECT_NE(refused.out.find("runner.executor: external"), std::string::npos) << refused.out;
  EXPECT_EQ(Iorec("tell " + Q(local) + " 1 3").code, 2);
}

TEST_F(AskTellTest, MinimizingCOverPerfRunsTheSameTrialsAsMaximizingPerf) {
  const fs::path max = dir_.path() / "max", min = dir_.path() / "min";
  const auto a = Iorec("run -q -c " + Q(Write("max.yaml", Config(""))) + " -o " + Q(max));
  ASSERT_EQ(a.code, 0) << a.out;
  const auto b =
      Iorec("run -q -c " + Q(Write("min.yaml", Config("  objective: minimize\n", " time"))) +
            " -o " + Q(min));
  ASSERT_EQ(b.code, 0) << b.out;
  // Same trials in the same order: every column but perf and gain is identical.
  auto rows = [](const fs::path& f) {
    std::vector<std::vector<std::string>> out;
    std::istringstream in(Slurp(f));
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> cells;
      std::istringstream ls(line);
      for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
      out.push_back(cells);
    }
    return out;
  };
  const auto ra = rows(max / "observations.csv"), rb = rows(min / "observations.csv");
  ASSERT_EQ(ra.size(), rb.size());
  ASSERT_EQ(ra.size(), 37u);  // header, 18 warm-start trials, 2 x (6 active + 3 replicate)
  const size_t perf = 6, gain = 7;
  ASSERT_EQ(ra[0][perf], "perf");
  ASSERT_EQ(ra[0][gain], "gain");
  for (size_t i = 0; i < ra.size(); ++i) {
    ASSERT_EQ(ra[i].size(), rb[i].size()) << "row " << i;
    for (size_t c = 0; c < ra[i].size(); ++c) {
      if (c == perf || c == gain) continue;
      ASSERT_EQ(ra[i][c], rb[i][c]) << "row " << i << " column " << ra[0][c];
    }
    if (i == 0 || ra[i][gain].empty()) continue;
    // The gain is scale-free: the same ratio to the baseline whichever way it is measured.
    EXPECT_NEAR(std::stod(ra[i][gain]), std::stod(rb[i][gain]), 1e-8) << "row " << i;
    EXPECT_NEAR(std::stod(rb[i][perf]), 1048576.0 / std::stod(ra[i][perf]), 1e-6) << "row " << i;
  }
  // The summary's metrics and gains agree too (a run time is reported as measured).
  const auto sa = nlohmann::json::parse(Slurp(max / "summary.json"));
  const auto sb = nlohmann::json::parse(Slurp(min / "summary.json"));
  EXPECT_EQ(sb["objective"], "minimize");
  ASSERT_EQ(sa["history"].size(), sb["history"].size());
  for (size_t i = 0; i < sa["history"].size(); ++i) {
    for (const char* k : {"best_gain_so_far", "regret_at_3", "hit_at_3", "ndcg_at_3"}) {
      EXPECT_NEAR(sa["history"][i][k].get<double>(), sb["history"][i][k].get<double>(), 1e-9)
          << k << " at " << i;
    }
  }
  EXPECT_GT(sb["history"].back()["best_gain_so_far"].get<double>(), 0.0);
  EXPECT_GT(sb["history"].back()["ndcg_at_3"].get<double>(), 0.0);
  for (const auto& [w, base] : sa["baseline_perf"].items()) {
    EXPECT_NEAR(sb["baseline_perf"][w].get<double>(), 1048576.0 / base.get<double>(), 1e-6) << w;
  }
  // summary.md states the same percentages (gains, shares, noise) in the same places; only
  // the metric values and the line that explains the perf scale differ.
  auto percentages = [](const fs::path& f) {
    std::vector<std::string> out;
    std::istringstream in(Slurp(f));
    const std::regex pct(R"([+-]?[0-9]+(\.[0-9]+)?%)");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("Best found", 0) == 0) continue;
      for (std::sregex_iterator it(line.begin(), line.end(), pct), end; it != end; ++it)
        out.push_back(it->str());
    }
    return out;
  };
  const auto pct_max = percentages(max / "summary.md");
  EXPECT_GE(pct_max.size(), 10u);
  EXPECT_EQ(pct_max, percentages(min / "summary.md"));
  EXPECT_NE(Slurp(min / "summary.md").find("objective: minimize"), std::string::npos);
  // recommend ranks the same configs with the same measured gains.
  const auto wl = dir_.path() / "wl.json";
  ASSERT_EQ(RunShell("cp " + Q(min / "trials") + "/*/1/workload.json " + Q(wl)).code, 0);
  const auto pa = nlohmann::json::parse(
      Iorec("recommend -q --json -m " + Q(max / "model") + " -w " + Q(wl)).out);
  const auto pb = nlohmann::json::parse(
      Iorec("recommend -q --json -m " + Q(min / "model") + " -w " + Q(wl)).out);
  ASSERT_EQ(pa["recommendations"].size(), pb["recommendations"].size());
  for (size_t i = 0; i < pa["recommendations"].size(); ++i) {
    const auto& x = pa["recommendations"][i];
    const auto& y = pb["recommendations"][i];
    EXPECT_EQ(x["config"], y["config"]) << i;
    EXPECT_NEAR(x["measured_gain"].get<double>(), y["measured_gain"].get<double>(), 1e-9) << i;
  }
}

TEST_F(AskTellTest, ImportedRunsJoinAfterThePendingBatchAndTheStudyReplaysThem) {
  const fs::path cfg = Write("external.yaml", Config("  executor: external\n"));
  const fs::path ext = dir_.path() / "ext";
  ASSERT_EQ(Iorec("run -q -c " + Q(cfg) + " -o " + Q(ext)).code, 0);
  const auto warm = nlohmann::json::parse(Iorec("ask -q " + Q(ext) + " --json").out);
  ASSERT_EQ(warm.size(), 18u);
  // A config of the first workload its warm start does not run, far better than any.
  const std::string w = warm[0]["workload"].get<std::string>();
  std::set<std::string> asked;
  for (const auto& t : warm)
    if (t["workload"] == w) asked.insert(t["config"].dump());
  nlohmann::json pick;
  for (int a : {1, 2, 3, 4})
    for (int b : {1, 2, 4, 8})
      for (int c : {0, 1}) {
        const nlohmann::json cand = {{"a", a}, {"b", b}, {"c", c}};
        if (pick.is_null() && !asked.count(cand.dump())) pick = cand;
      }
  ASSERT_FALSE(pick.is_null());
  const fs::path csv =
      Write("runs.csv", "workload,perf,a,b,c\n" + w + ",100000," + pick["a"].dump() + "," +
                            pick["b"].dump() + "," + pick["c"].dump() + "\n");
  const auto imported = Iorec("import -q --json " + Q(ext) + " " + Q(csv));
  ASSERT_EQ(imported.code, 0) << imported.out;
  const auto j = nlohmann::json::parse(imported.out);
  EXPECT_EQ(j["enters_before_batch"], 1);  // after the pending warm start
  EXPECT_EQ(j["outputs_rewritten"], false);
  // The pending batch is unchanged; the import enters once it is told.
  EXPECT_EQ(nlohmann::json::parse(Iorec("ask -q " + Q(ext) + " --json").out), warm);
  EXPECT_GE(Drive(ext), 4);

  std::istringstream obs(Slurp(ext / "observations.csv"));
  std::string line;
  std::getline(obs, line);
  EXPECT_EQ(line.rfind("trial_id,workload,source,iteration,", 0), 0u) << line;
  size_t n_imported = 0;
  while (std::getline(obs, line)) {
    if (line.find(",imported,") == std::string::npos) continue;
    ++n_imported;
    EXPECT_EQ(line.rfind("19," + w + ",imported,0,0,done,100000,", 0), 0u) << line;
  }
  EXPECT_EQ(n_imported, 1u);
  const auto matrix = nlohmann::json::parse(Slurp(ext / "recommendation_matrix.json"));
  for (const auto& m : matrix["workloads"]) {
    if (m["workload"] != w) continue;
    EXPECT_EQ(m["top"][0]["config"], pick);
    EXPECT_EQ(m["top"][0]["runs"], 1);  // the loop never ran the imported config again
  }
  // `report` replays the study with the import: the same outputs.
  const std::string sum = Slurp(ext / "summary.json");
  const std::string observations = Slurp(ext / "observations.csv");
  ASSERT_EQ(Iorec("report -q " + Q(ext)).code, 0);
  EXPECT_EQ(Slurp(ext / "summary.json"), sum);
  EXPECT_EQ(Slurp(ext / "observations.csv"), observations);
}

}  // namespace
