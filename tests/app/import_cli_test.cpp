// `iorec import`: runs from an export or the reference's observations join a study; a bad
// file exits 2 naming file, line, column and value and changes nothing; a finished study's
// outputs take the runs in at once, an unfinished one uses them from its next batch, and both
// keep them through `report` and resume.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli_util.hpp"
#include "common/temp_dir.hpp"

namespace iorec {
namespace {

namespace fs = std::filesystem;
using test_support::RunShell;
using test_support::Slurp;

std::string Q(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Iorec(const std::string& args) { return Q(IOREC_BINARY) + " " + args; }

std::string Config(int seed) {
  return "seed: " + std::to_string(seed) + R"(
parameters:
  - {name: stripe_count, values: [1, 2, 4, 8]}
  - {name: stripe_size, values: ["64K", "1M", "4M"]}
  - {name: num_aggregators, values: [1, 2, 4, 8]}
baseline: {stripe_count: 1, stripe_size: "1M", num_aggregators: 1}
data: {input_dir: workloads}
warm_start: {target_size: 10}
model: {num_rounds: 10, max_depth: 3}
active: {ensemble_size: 2, iterations: 2, batch_per_iter: 2, oracle_mode: warm_only}
deploy: {topk_per_pattern: 40}
evaluation: {enabled: false}
reporting: {plots: false}
runner: {mode: stub, noise_std: 0.02}
)";
}

/// The CSV's rows as maps from column to text.
std::vector<std::map<std::string, std::string>> Rows(const std::string& csv) {
  std::istringstream in(csv);
  std::string line;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  auto split = [](const std::string& l) {
    std::vector<std::string> out;
    std::string f;
    for (char c : l) {
      if (c == ',') {
        out.push_back(f);
        f.clear();
      } else {
        f += c;
      }
    }
    out.push_back(f);
    return out;
  };
  while (std::getline(in, line)) {
    if (header.empty()) {
      header = split(line);
      continue;
    }
    const auto f = split(line);
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < f.size(); ++i) row[header[i]] = f[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

/// "workload stripe_count stripe_size num_aggregators" of a row.
std::string Key(const std::map<std::string, std::string>& r) {
  return r.at("workload") + " " + r.at("stripe_count") + " " + r.at("stripe_size") + " " +
         r.at("num_aggregators");
}

class ImportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* w : {"top1_101", "top2_20", "top3_18"}) {
      fs::create_directories(dir_.path() / "workloads");
      fs::copy_file(fs::path(IOREC_SOURCE_DIR) / "examples/workloads" / (std::string(w) + ".json"),
                    dir_.path() / "workloads" / (std::string(w) + ".json"));
    }
    dir_.Write("a.yaml", Config(5));
    dir_.Write("b.yaml", Config(6));
  }
  fs::path Path(const std::string& rel) const { return dir_.path() / rel; }
  /// Runs the study of `config` into `out`; extra is prepended (environment).
  void Run(const std::string& config, const std::string& out, const std::string& env = "",
           int expect = 0) const {
    const auto r = RunShell(
        env + Iorec("run --quiet -c " + Q(Path(config).string()) + " -o " + Q(Path(out).string())));
    ASSERT_EQ(r.code, expect) << r.out;
  }
  /// `iorec export A` to a file.
  fs::path ExportA() const {
    const auto r =
        RunShell(Iorec("export " + Q(Path("A").string())) + " > " + Q(Path("a.csv").string()));
    EXPECT_EQ(r.code, 0) << r.out;
    return Path("a.csv");
  }
  test_support::TempDir dir_;
};

TEST_F(ImportCliTest, ExportImportedIntoAnotherStudyIsUsedLikeItsOwnTrials) {
  Run("a.yaml", "A");
  Run("b.yaml", "B");
  const fs::path csv = ExportA();
  const std::string matrix_before = Slurp(Path("B/recommendation_matrix.json"));
  const auto r = RunShell(Iorec("import " + Q(Path("B").string()) + " " + Q(csv.string())));
  ASSERT_EQ(r.code, 0) << r.out;

  // Every finished run of A is in B as an imported trial: workload, config and metric.
  std::multimap<std::string, double> exported;
  size_t a_done = 0;
  for (const auto& row : Rows(Slurp(csv))) {
    if (row.at("status") != "done") continue;
    ++a_done;
    exported.emplace(Key(row), std::stod(row.at("perf")));
  }
  EXPECT_NE(r.out.find("imported " + std::to_string(a_done) + " runs of 3 workloads"),
            std::string::npos)
      << r.out;
  size_t imported = 0, b_own = 0;
  for (const auto& row : Rows(Slurp(Path("B/observations.csv")))) {
    if (row.at("source") != "imported") {
      ++b_own;
      continue;
    }
    ++imported;
    auto range = exported.equal_range(Key(row));
    bool found = false;
    for (auto it = range.first; it != range.second && !found; ++it) {
      if (std::fabs(it->second - std::stod(row.at("perf"))) <= 1e-9 * it->second) {
        exported.erase(it);
        found = true;
      }
    }
    EXPECT_TRUE(found) << Key(row) << " " << row.at("perf");
    EXPECT_EQ(row.at("status"), "done");
    EXPECT_FALSE(row.at("gain").empty());
  }
  EXPECT_EQ(imported, a_done);
  EXPECT_TRUE(exported.empty());

  // `iorec export B` lists them after B's own trials, with where each came from.
  const auto b_export = RunShell(Iorec("export " + Q(Path("B").string())));
  ASSERT_EQ(b_export.code, 0) << b_export.out;
  size_t exported_imported = 0;
  for (const auto& row : Rows(b_export.out)) {
    if (row.at("source") != "imported") {
      EXPECT_FALSE(row.at("trial_id").empty());
      EXPECT_TRUE(row.at("origin").empty());
      continue;
    }
    ++exported_imported;
    EXPECT_TRUE(row.at("trial_id").empty());
    EXPECT_EQ(row.at("status"), "done");
    EXPECT_EQ(row.at("origin").rfind(csv.string() + ":", 0), 0u) << row.at("origin");
  }
  EXPECT_EQ(exported_imported, a_done);
  const auto b_json =
      nlohmann::json::parse(RunShell(Iorec("export --json " + Q(Path("B").string()))).out);
  EXPECT_EQ(
      static_cast<size_t>(std::count_if(
          b_json.begin(), b_json.end(),
          [](const auto& t) { return t["source"] == "imported" && t["trial_id"].is_null(); })),
      a_done);

  // The finished study's model and recommendations were rebuilt with them.
  const auto summary = nlohmann::json::parse(Slurp(Path("B/summary.json")));
  EXPECT_EQ(summary["total_observations"].get<size_t>(), b_own + imported);
  EXPECT_EQ(summary["runs_by_phase"]["imported"]["runs"].get<size_t>(), imported);
  const std::string matrix = Slurp(Path("B/recommendation_matrix.json"));
  EXPECT_NE(matrix, matrix_before);
  std::map<std::string, std::set<std::string>> own;  // B's own configs per workload
  for (const auto& row : Rows(Slurp(Path("B/observations.csv"))))
    if (row.at("source") != "imported") own[row.at("workload")].insert(Key(row));
  size_t only_imported = 0;
  const auto parsed = nlohmann::json::parse(matrix);  // outlives the loop
  for (const auto& w : parsed["workloads"]) {
    for (const auto& e : w["top"]) {
      const auto& c = e["config"];
      const std::string key = w["workload"].get<std::string>() + " " +
                              std::to_string(c["stripe_count"].get<int>()) + " " +
                              c["stripe_size"].get<std::string>() + " " +
                              std::to_string(c["num_aggregators"].get<int>());
      only_imported += !own[w["workload"].get<std::string>()].count(key);
    }
  }
  EXPECT_GT(only_imported, 0u) << "no config measured only by A is in B's matrix";
  const auto status = RunShell(Iorec("status " + Q(Path("B").string())));
  EXPECT_NE(status.out.find("imported " + std::to_string(a_done) + " runs"), std::string::npos)
      << status.out;

  // `report` replays the study with them: the same outputs.
  const std::string obs = Slurp(Path("B/observations.csv"));
  const std::string sum = Slurp(Path("B/summary.json"));
  const auto rep = RunShell(Iorec("report " + Q(Path("B").string())));
  ASSERT_EQ(rep.code, 0) << rep.out;
  EXPECT_EQ(Slurp(Path("B/observations.csv")), obs);
  EXPECT_EQ(Slurp(Path("B/summary.json")), sum);
  EXPECT_EQ(Slurp(Path("B/recommendation_matrix.json")), matrix);

  // The same file twice is refused (exit 2) unless asked for.
  const auto twice = RunShell(Iorec("import " + Q(Path("B").string()) + " " + Q(csv.string())));
  EXPECT_EQ(twice.code, 2) << twice.out;
  EXPECT_NE(twice.out.find("the same file was imported into this study"), std::string::npos);
  const auto again =
      RunShell(Iorec("import --again " + Q(Path("B").string()) + " - < " + Q(csv.string())));
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_NE(Slurp(Path("B/observations.csv")), obs);
}

TEST_F(ImportCliTest, ABadFileExitsTwoNamingLineColumnAndValueAndChangesNothing) {
  Run("b.yaml", "B");
  const std::string db = Slurp(Path("B/study.db"));
  const std::string obs = Slurp(Path("B/observations.csv"));
  dir_.Write("bad.csv",
             "workload,perf,stripe_count,stripe_size,num_aggregators\n"
             "top1_101,120.5,1,1M,1\n"
             "top9_999,120.5,1,1M,1\n"
             "top1_101,120.5,3,1M,1\n"
             "top2_20,1e999,2,64K,4\n"
             "top3_18,quick,2,64K,4\n");
  const auto r =
      RunShell(Iorec("import " + Q(Path("B").string()) + " " + Q(Path("bad.csv").string())));
  EXPECT_EQ(r.code, 2) << r.out;
  const std::string f = Path("bad.csv").string();
  for (const std::string& want :
       {f + ":3: column 1 (workload): unknown workload 'top9_999'",
        f + ":4: column 3 (stripe_count): value '3' is not one of knob 'stripe_count''s values "
            "[1, 2, 4, 8]",
        f + ":5: column 2 (perf): '1e999' is not finite",
        f + ":6: column 2 (perf): 'quick' is not a number"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
  dir_.Write("knob.csv", "workload,perf,stripe_count,stripe_size,num_aggregators,cb_nodes\n");
  const auto k =
      RunShell(Iorec("import " + Q(Path("B").string()) + " " + Q(Path("knob.csv").string())));
  EXPECT_EQ(k.code, 2) << k.out;
  EXPECT_NE(k.out.find(":1: column 6 'cb_nodes': not a knob of the study"), std::string::npos)
      << k.out;
  EXPECT_EQ(Slurp(Path("B/study.db")), db);
  EXPECT_EQ(Slurp(Path("B/observations.csv")), obs);
  const auto status = RunShell(Iorec("status --json " + Q(Path("B").string())));
  EXPECT_EQ(nlohmann::json::parse(status.out)["imported_runs"], 0) << status.out;
}

TEST_F(ImportCliTest, AnUnfinishedStudyUsesTheRunsFromItsNextBatchAndReplaysTheSame) {
  // The study stops after its warm start (as if killed); the reference's observations of
  // two configs of workload top2_20 it has not measured join it, one far better than
  // anything it found; the resumed study runs its active loop with them.
  Run("b.yaml", "B", "IOREC_FAULT_EXIT_AT_PHASE=active ", 137);
  const auto warm = RunShell(Iorec("export " + Q(Path("B").string())));
  ASSERT_EQ(warm.code, 0) << warm.out;
  std::set<std::string> measured;
  double best = 0.0;
  for (const auto& row : Rows(warm.out)) {
    if (row.at("workload") != "top2_20") continue;
    measured.insert(Key(row));
    best = std::max(best, std::stod(row.at("perf")));
  }
  std::vector<std::vector<std::string>> fresh;  // stripe_count, stripe_size, num_aggregators
  for (const char* c : {"1", "2", "4", "8"})
    for (const char* s : {"64K", "1M", "4M"})
      for (const char* a : {"1", "2", "4", "8"})
        if (!measured.count(std::string("top2_20 ") + c + " " + s + " " + a))
          fresh.push_back({c, s, a});
  ASSERT_GE(fresh.size(), 2u);
  const std::string great = std::to_string(100.0 * best);
  auto row = [](const std::vector<std::string>& c, const std::string& metric) {
    return "2026-03-01T10:00:00,top2_20_cap_512_nproc_8,top2_20,1,0,0123456789abcdef,"
           "agg_perf_by_slowest," +
           metric + "," + c[0] + "," + c[1] + "," + c[2] + ",1024\n";
  };
  dir_.Write("ref.csv",
             "timestamp,workload_key,pattern_id,iteration,config_index,config_id,metric_key,"
             "metric,stripe_count,stripe_size,num_aggregators,osc_max_pages_per_rpc\n" +
                 row(fresh[0], great) + row(fresh[1], "0.125"));
  const auto r = test_support::RunShellSplit(
      Iorec("import --json " + Q(Path("B").string()) + " " + Q(Path("ref.csv").string())),
      Path("import.err"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);  // stdout is the JSON alone
  EXPECT_NE(r.err.find("`iorec run` resumes it with them"), std::string::npos) << r.err;
  EXPECT_EQ(j["imported"], 2);
  EXPECT_EQ(j["layout"], "reference");
  EXPECT_EQ(j["enters_before_batch"], 1);  // after the warm start
  EXPECT_EQ(j["outputs_rewritten"], false);
  EXPECT_FALSE(fs::exists(Path("B/summary.json")));
  Run("b.yaml", "B");
  size_t imported = 0;
  bool after_warm = false, best_is_imported = false;
  for (const auto& row : Rows(Slurp(Path("B/observations.csv")))) {
    if (row.at("source") == "active") after_warm = imported == 2;
    if (row.at("source") != "imported") continue;
    ++imported;
    EXPECT_EQ(row.at("workload"), "top2_20");
    EXPECT_EQ(row.at("iteration"), "0");
  }
  EXPECT_EQ(imported, 2u);
  EXPECT_TRUE(after_warm) << "the imported runs come after the warm start, before the loop";
  const auto matrix = nlohmann::json::parse(Slurp(Path("B/recommendation_matrix.json")));
  for (const auto& w : matrix["workloads"]) {
    if (w["workload"] != "top2_20") continue;
    const auto& c = w["top"][0]["config"];
    best_is_imported =
        std::to_string(c["stripe_count"].get<int>()) == fresh[0][0] &&
        c["stripe_size"] == fresh[0][1] &&
        std::to_string(c["num_aggregators"].get<int>()) == fresh[0][2] &&
        std::fabs(w["top"][0]["mean_perf"].get<double>() - 100.0 * best) <= 1e-6 * best;
  }
  EXPECT_TRUE(best_is_imported) << matrix.dump(1);
  // A replay from the store reproduces what the resumed run wrote.
  const std::string obs = Slurp(Path("B/observations.csv"));
  const std::string sum = Slurp(Path("B/summary.json"));
  const auto rep = RunShell(Iorec("report " + Q(Path("B").string())));
  ASSERT_EQ(rep.code, 0) << rep.out;
  EXPECT_EQ(Slurp(Path("B/observations.csv")), obs);
  EXPECT_EQ(Slurp(Path("B/summary.json")), sum);
}

TEST_F(ImportCliTest, NoStudyOrAStudyInUseIsRefused) {
  dir_.Write("x.csv",
             "workload,perf,stripe_count,stripe_size,num_aggregators\ntop1_101,5,1,1M,1\n");
  fs::create_directories(Path("empty"));
  const auto r =
      RunShell(Iorec("import " + Q(Path("empty").string()) + " " + Q(Path("x.csv").string())));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("no study here"), std::string::npos) << r.out;
  // While another process holds the study's lock (a run), nothing joins it.
  Run("b.yaml", "B");
  const auto busy =
      RunShell("flock -o " + Q(Path("B/.lock").string()) + " " +
               Iorec("import " + Q(Path("B").string()) + " " + Q(Path("x.csv").string())));
  EXPECT_EQ(busy.code, 2) << busy.out;
  EXPECT_NE(busy.out.find("another iorec process"), std::string::npos) << busy.out;
}

}  // namespace
}  // namespace iorec
