// The real chain, end to end: `iorec run` with runner.mode real drives the reference planner,
// mpi_synthio under MPICH with Darshan preloaded, and scripts/fake-lustre/{lfs,lctl}. Needs
// IOREC_SYNTH_ROOT (the reference io_synthesizer) and IOREC_DARSHAN (a Darshan install
// prefix), as .ci/run and scripts/test.sh export them, plus mpicc and mpiexec; skips and says
// why otherwise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
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

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string Q(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// agg_perf_by_slowest of `module` ("POSIX", "MPI-IO") as `darshan-parser --perf` prints it.
std::optional<double> ParserPerf(const std::string& parser, const fs::path& log,
                                 const std::string& module) {
  const auto r = RunShell(Q(parser) + " --perf " + Q(log.string()));
  if (r.code != 0) return std::nullopt;
  std::istringstream in(r.out);
  std::string line;
  bool in_module = false;
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0 && line.find(" module data") != std::string::npos) {
      in_module = line == "# " + module + " module data";
    }
    const std::string key = "# agg_perf_by_slowest: ";
    if (in_module && line.rfind(key, 0) == 0) return std::stod(line.substr(key.size()));
  }
  return std::nullopt;
}

class RealChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    synth_ = Env("IOREC_SYNTH_ROOT");
    darshan_ = Env("IOREC_DARSHAN");
    if (synth_.empty() || !fs::exists(fs::path(synth_) / "scripts/mpi_synthio.c")) {
      GTEST_SKIP() << "IOREC_SYNTH_ROOT is not set to the reference io_synthesizer (with "
                      "scripts/mpi_synthio.c): the real chain is not tested";
    }
    if (darshan_.empty() || !fs::exists(fs::path(darshan_) / "lib/libdarshan.so") ||
        !fs::exists(fs::path(darshan_) / "bin/darshan-parser")) {
      GTEST_SKIP() << "IOREC_DARSHAN is not set to a Darshan install prefix (lib/libdarshan.so, "
                      "bin/darshan-parser; scripts/build-darshan.sh makes one): the real chain "
                      "is not tested";
    }
    if (RunShell("command -v mpicc && command -v mpiexec").code != 0) {
      GTEST_SKIP() << "mpicc/mpiexec not found (Debian: mpich libmpich-dev): the real chain "
                      "is not tested";
    }
  }
  std::string synth_, darshan_;
};

TEST_F(RealChainTest, EveryTrialIsMeasuredFromItsOwnLogAndTheClientSettingsComeBack) {
  test_support::TempDir dir;
  const fs::path bin = dir.path() / "bin";
  fs::create_directories(bin);
  const auto build = RunShell("mpicc -O2 -o " + Q((bin / "mpi_synthio").string()) + " " +
                              Q(synth_ + "/scripts/mpi_synthio.c") + " -lm");
  ASSERT_EQ(build.code, 0) << build.out;
  for (const char* tool : {"lfs", "lctl"}) {
    fs::create_symlink(fs::path(IOREC_SOURCE_DIR) / "scripts/fake-lustre" / tool, bin / tool);
  }
  // One collective MPI-IO workload and one POSIX workload, 2 ranks, a few MiB each.
  fs::create_directories(dir.path() / "workloads");
  for (const char* w : {"top23_193", "top19_83"}) {
    fs::copy_file(fs::path(IOREC_SOURCE_DIR) / "examples/workloads" / (std::string(w) + ".json"),
                  dir.path() / "workloads" / (std::string(w) + ".json"));
  }
  dir.Write("config.yaml", R"(seed: 3
parameters:
  - {name: stripe_count, values: [1, 2]}
  - {name: stripe_size, values: ["1M", "4M"]}
  - {name: osc_max_pages_per_rpc, values: [256, 1024]}
  - {name: num_aggregators, values: [1, 2]}
  - {name: collective_buffer_size, values: [1048576, 4194304]}
baseline: {stripe_count: 1, stripe_size: "1M", osc_max_pages_per_rpc: 1024, num_aggregators: 1,
           collective_buffer_size: 1048576}
data: {input_dir: workloads}
warm_start: {target_size: 5}
active: {iterations: 0}
evaluation: {enabled: false}
reporting: {plots: false}
runner:
  mode: real
  io_synth_root: )" + Q(synth_) +
                               R"(
  out_root: synth-out
  synth_binary: bin/mpi_synthio
  darshan_lib: )" + Q(darshan_ + "/lib/libdarshan.so") +
                               R"(
  nprocs_cap: 2
  cap_total_gib: 0.01
  flush_wait_sec: 0
  require_lustre: false
  timeout_s: 300
)");
  const fs::path lustre_log = dir.path() / "lustre.log";
  const std::string env =
      "PATH=" + Q(bin.string()) + ":\"$PATH\" IOREC_FAKE_LUSTRE_LOG=" + Q(lustre_log.string()) +
      " IOREC_FAKE_LUSTRE_STATE=" + Q((dir.path() / "lustre-state").string()) + " ";
  const auto run =
      RunShell(env + Q(IOREC_BINARY) + " run -q -c " + Q((dir.path() / "config.yaml").string()) +
               " -o " + Q((dir.path() / "study").string()));
  ASSERT_EQ(run.code, 0) << run.out;

  // Every trial completed, and its metric is darshan-parser's figure for its own log.
  const std::string parser = darshan_ + "/bin/darshan-parser";
  int trials = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / "study/trials")) {
    if (e.path().filename() != "request.json") continue;
    const fs::path trial = e.path().parent_path();
    ++trials;
    const auto outcome = nlohmann::json::parse(Slurp(trial / "outcome.json"));
    ASSERT_TRUE(outcome["ok"].get<bool>()) << trial << ": " << outcome.dump();
    const std::string workload = trial.parent_path().filename().string();
    const fs::path log = trial / (workload + ".darshan");
    ASSERT_TRUE(fs::exists(log)) << log;
    // The default metric_key picks the MPI-IO module's figure for MPI-IO runs.
    const auto fidelity = nlohmann::json::parse(Slurp(trial / "fidelity.json"));
    const std::string column = fidelity["metric_column"];
    const bool mpiio = column.rfind("MPIIO_", 0) == 0;
    EXPECT_EQ(mpiio, workload == "top23_193") << column;
    const auto expected = ParserPerf(parser, log, mpiio ? "MPI-IO" : "POSIX");
    ASSERT_TRUE(expected.has_value()) << log;
    const double got = outcome["value"].get<double>();
    EXPECT_LE(std::fabs(got - *expected), 1e-6 * std::fabs(*expected))
        << log << ": iorec " << got << ", darshan-parser --perf " << *expected;
  }
  EXPECT_EQ(trials, 10);

  // lfs: the reference's form, on exactly the directories that hold the plan's data files.
  std::set<std::string> striped;
  const std::regex lfs_line(R"(lfs\tsetstripe\t-c\t[0-9]+\t-S\t[0-9]+[KMG]\t(/[^\t]+))");
  const std::regex lctl_line(
      R"(lctl\t(get_param(\t(osc|mdc)\.\*\.max_(pages_per_rpc|rpcs_in_flight))+|)"
      R"(set_param\t(osc|mdc)\.[^.\t]+\.max_(pages_per_rpc|rpcs_in_flight)=[0-9]+))");
  std::istringstream calls(Slurp(lustre_log));
  std::string line;
  int sets = 0;
  while (std::getline(calls, line)) {
    std::smatch m;
    if (std::regex_match(line, m, lfs_line)) {
      striped.insert(m[1]);
    } else {
      EXPECT_TRUE(std::regex_match(line, lctl_line)) << "unexpected call: " << line;
      sets += line.find("set_param\tosc.*.max_pages_per_rpc=") != std::string::npos;
    }
  }
  EXPECT_EQ(sets, trials);
  int data_files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / "synth-out")) {
    if (!e.is_regular_file() || e.path().parent_path().parent_path().filename() != "data") {
      continue;
    }
    ++data_files;
    EXPECT_TRUE(striped.count(e.path().parent_path().string())) << e.path() << " not striped";
  }
  EXPECT_GT(data_files, 0);

  // The client settings are back at what they were (the fake's defaults).
  const auto now = RunShell(env + "lctl get_param 'osc.*.max_pages_per_rpc'");
  EXPECT_EQ(now.out,
            "osc.fake-OST0000-osc.max_pages_per_rpc=1024\n"
            "osc.fake-OST0001-osc.max_pages_per_rpc=1024\n");
}

}  // namespace
}  // namespace iorec

namespace iorec {
namespace {

TEST(RealDryRunTest, PrintsEveryTrialsCommandsAndFinishesTheStudyWithAPlaceholderMetric) {
  test_support::TempDir dir;
  fs::create_directories(dir.path() / "workloads");
  fs::copy_file(fs::path(IOREC_SOURCE_DIR) / "examples/workloads/top23_193.json",
                dir.path() / "workloads/top23_193.json");
  dir.Write("config.yaml", R"(parameters:
  - {name: stripe_count, values: [1, 2, 4]}
  - {name: num_aggregators, values: [1, 2, 4]}
data: {input_dir: workloads}
warm_start: {target_size: 5}
active: {iterations: 1, batch_per_iter: 1}
evaluation: {enabled: false}
reporting: {plots: false}
runner: {mode: real, io_synth_root: nowhere, out_root: out, dry_run: true, nprocs_cap: 4}
)");
  const auto run =
      RunShell(Q(IOREC_BINARY) + " run -c " + Q((dir.path() / "config.yaml").string()) + " -o " +
               Q((dir.path() / "study").string()));
  ASSERT_EQ(run.code, 0) << run.out;
  size_t trials = 0;
  for (size_t at = 0; (at = run.out.find("# dry_run: trial ", at)) != std::string::npos; ++at) {
    ++trials;
  }
  EXPECT_EQ(trials, 6u) << run.out;
  EXPECT_NE(run.out.find("features2synth_opsaware.py --features"), std::string::npos);
  EXPECT_NE(run.out.find("lfs setstripe -c 2 /"), std::string::npos);
  EXPECT_NE(run.out.find("--mpi-num-aggregators 2"), std::string::npos);
  EXPECT_NE(run.out.find("study finished: 6 trials"), std::string::npos) << run.out;
  EXPECT_FALSE(fs::exists(dir.path() / "out")) << "a dry run writes no payload";
}

}  // namespace
}  // namespace iorec
