// Shell safety end to end (issue 15): a study whose config, workloads, workload names and
// output directory hold spaces, quotes, `$(...)` and non-ASCII text runs every trial with the
// command runner, each workload its own benchmark, and nothing in a name is ever executed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "app/cli_util.hpp"
#include "common/temp_dir.hpp"
#include "iorec/runner/command_runner.hpp"
#include "iorec/runner/shell.hpp"

namespace fs = std::filesystem;

namespace {

using iorec::runner::SafeDirName;
using iorec::runner::ShellQuote;
using iorec::test_support::RunShell;
using iorec::test_support::Slurp;
using iorec::test_support::TempDir;

const std::string kOdd = "it's \"q\" \xc3\xa9t\xc3\xa9 $(touch P) `touch P`";

iorec::test_support::CliResult Iorec(const std::string& args) {
  return RunShell(ShellQuote(IOREC_BINARY) + " " + args);
}

/// Every file named P under `dir` (what `touch P` in a name would have created).
std::vector<std::string> Planted(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename() == "P") found.push_back(e.path().string());
  }
  return found;
}

void WriteWorkload(const fs::path& file, int marker, double pct) {
  std::ofstream(file) << "{\"pct_read\": " << pct << ", \"nprocs\": 4, \"marker\": " << marker
                      << "}\n";
}

std::string StudyConfig(const std::string& input_dir, const std::string& command) {
  return "seed: 3\n"
         "parameters:\n"
         "  - {name: a, values: [1, 2, 3], is_ordered: true}\n"
         "  - {name: b, values: [1, 2], is_ordered: true}\n"
         "data: {input_dir: " +
         input_dir +
         "}\n"
         "warm_start: {target_size: 5}\n"
         "model: {num_rounds: 5}\n"
         "active: {iterations: 1, batch_per_iter: 1, ensemble_size: 2}\n"
         "evaluation: {enabled: false}\n"
         "reporting: {plots: false}\n"
         "runner: {mode: command, parallel_trials: 2, command: " +
         command + "}\n";
}

TEST(ShellSafetyTest, OddPathsAndNamesRunEveryTrialAndExecuteNothing) {
  TempDir root;
  // Like copying examples/fio to `/tmp/fio ex`, with worse characters.
  const fs::path cfg_dir = root.path() / ("fio ex " + kOdd);
  fs::create_directories(cfg_dir / "workloads");
  std::ofstream(cfg_dir / "bench.sh")
      << "[ $# -eq 3 ] || { echo \"expected 3 arguments, got $#\" >&2; exit 2; }\n"
         "m=$(sed -n 's/.*\"marker\": *\\([0-9]*\\).*/\\1/p' \"$1\")\n"
         "echo \"{\\\"agg_perf_by_slowest\\\": $((100 * m + 10 * $2 + $3))}\"\n";
  // `a b` and `a_b` once shared a trial directory; the others are names that run commands.
  const std::map<std::string, int> markers = {
      {"a b", 1}, {"a_b", 2}, {"x;touch P", 3}, {"c;$(touch P)", 4}, {"d'\"\xc3\xa9", 5}};
  double pct = 0.1;
  for (const auto& [name, marker] : markers) {
    WriteWorkload(cfg_dir / "workloads" / (name + ".json"), marker, pct += 0.15);
  }
  std::ofstream(cfg_dir / "config.yaml")
      << StudyConfig("workloads", "'sh {config_dir}/bench.sh {workload_file} {a} {b}'");
  const fs::path out = root.path() / ("out dir " + kOdd);

  const auto run = Iorec("run -q --config " + ShellQuote((cfg_dir / "config.yaml").string()) +
                         " --output-dir " + ShellQuote(out.string()));
  ASSERT_EQ(run.code, 0) << run.out;
  EXPECT_NE(run.out.find("study finished"), std::string::npos) << run.out;

  const auto exported = Iorec("export --json " + ShellQuote(out.string()));
  ASSERT_EQ(exported.code, 0) << exported.out;
  const auto trials = nlohmann::json::parse(exported.out);
  ASSERT_GE(trials.size(), markers.size() * 5);
  for (const auto& t : trials) {
    const std::string w = t["workload"];
    ASSERT_EQ(t["status"], "done") << t.dump();
    const int a = std::stoi(t["config"]["a"].get<std::string>());
    const int b = std::stoi(t["config"]["b"].get<std::string>());
    // Each workload ran its own benchmark with its own knob values.
    EXPECT_DOUBLE_EQ(t["perf"].get<double>(), 100.0 * markers.at(w) + 10 * a + b) << t.dump();
  }
  std::set<std::string> dirs;
  for (const auto& e : fs::directory_iterator(out / "trials")) {
    dirs.insert(e.path().filename().string());
  }
  std::set<std::string> expected;
  for (const auto& [name, marker] : markers) expected.insert(SafeDirName(name));
  EXPECT_EQ(dirs, expected);
  EXPECT_EQ(Planted(root.path()), std::vector<std::string>{});
}

TEST(ShellSafetyTest, DarshanLogNamedLikeACommandBecomesASafeWorkload) {
  TempDir root;
  const fs::path logs = root.path() / "logs";
  fs::create_directories(logs);
  const std::string stem = "a;$(touch P)";
  fs::copy_file(fs::path(IOREC_TEST_DATA) / "darshan" / "combined.darshan",
                logs / (stem + ".darshan"));
  const fs::path wl = root.path() / "workloads";
  const auto features = Iorec("features -q --out-dir " + ShellQuote(wl.string()) + " " +
                              ShellQuote((logs / (stem + ".darshan")).string()));
  ASSERT_EQ(features.code, 0) << features.out;
  const fs::path written = wl / (SafeDirName(stem) + ".json");
  EXPECT_TRUE(fs::exists(written)) << features.out;
  EXPECT_NE(features.out.find(written.string()), std::string::npos) << features.out;

  const fs::path cfg = root.path() / "config.yaml";
  std::ofstream(cfg) << StudyConfig(ShellQuote(wl.string()),
                                    "'echo {workload} {workload_file} >&2; echo "
                                    "\"{{\\\"agg_perf_by_slowest\\\": {a}{b}}}\"'");
  const auto run = Iorec("run -q --config " + ShellQuote(cfg.string()) + " --output-dir " +
                         ShellQuote((root.path() / "out").string()));
  EXPECT_EQ(run.code, 0) << run.out;
  EXPECT_EQ(Planted(root.path()), std::vector<std::string>{});
}

TEST(ShellSafetyTest, FeaturesRefusesTwoLogsThatWouldWriteOneFile) {
  TempDir root;
  const fs::path log = fs::path(IOREC_TEST_DATA) / "darshan" / "combined.darshan";
  fs::create_directories(root.path() / "x");
  fs::create_directories(root.path() / "y");
  fs::copy_file(log, root.path() / "x" / "run.darshan");
  fs::copy_file(log, root.path() / "y" / "run.darshan");
  const fs::path wl = root.path() / "workloads";
  const auto r = Iorec("features -q --out-dir " + ShellQuote(wl.string()) + " " +
                       ShellQuote((root.path() / "x" / "run.darshan").string()) + " " +
                       ShellQuote((root.path() / "y" / "run.darshan").string()));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(
      r.out.find((root.path() / "y" / "run.darshan").string() + ": would write " +
                 (wl / "run.json").string() + ", as " +
                 (root.path() / "x" / "run.darshan").string() + " does; rename one of the logs"),
      std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(wl / "run.json"));
}

}  // namespace
