// The real chain, end to end: `iorec run` with runner.mode real drives the reference planner,
// mpi_synthio under MPICH with Darshan preloaded, and scripts/fake-lustre/{lfs,lctl}, with the
// local executor and with the Slurm executor on a private cluster (scripts/slurm-local.sh).
// Needs IOREC_SYNTH_ROOT (the reference io_synthesizer) and IOREC_DARSHAN (a Darshan install
// prefix), as .ci/run and scripts/test.sh export them, plus mpicc and mpiexec, and the Slurm
// packages for the Slurm test; skips and says why otherwise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
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
#include "app/local_slurm.hpp"
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

/// The trial directories of a study (those with a request.json).
std::vector<fs::path> TrialDirs(const fs::path& study) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(study / "trials")) {
    if (e.path().filename() == "request.json") out.push_back(e.path().parent_path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> Fields(const std::string& line, char sep = '\t') {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string f; std::getline(in, f, sep);) out.push_back(f);
  return out;
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

  /// mpi_synthio built with mpicc, the fake lfs/lctl, and two exemplar workloads (one
  /// collective MPI-IO, one POSIX) under dir_; the environment that logs the fakes' calls.
  void SetUpTestbed() {
    const fs::path bin = dir_.path() / "bin";
    fs::create_directories(bin);
    const auto build = RunShell("mpicc -O2 -o " + Q((bin / "mpi_synthio").string()) + " " +
                                Q(synth_ + "/scripts/mpi_synthio.c") + " -lm");
    ASSERT_EQ(build.code, 0) << build.out;
    for (const char* tool : {"lfs", "lctl"}) {
      fs::create_symlink(fs::path(IOREC_SOURCE_DIR) / "scripts/fake-lustre" / tool, bin / tool);
    }
    fs::create_directories(dir_.path() / "workloads");
    for (const char* w : {"top23_193", "top19_83"}) {
      fs::copy_file(fs::path(IOREC_SOURCE_DIR) / "examples/workloads" / (std::string(w) + ".json"),
                    dir_.path() / "workloads" / (std::string(w) + ".json"));
    }
    env_ = "PATH=" + Q(bin.string()) +
           ":\"$PATH\" IOREC_FAKE_LUSTRE_LOG=" + Q(LustreLog().string()) +
           " IOREC_FAKE_LUSTRE_STATE=" + Q((dir_.path() / "lustre-state").string()) +
           " IOREC_FAKE_LUSTRE_CALLERS=" + Q(CallersLog().string()) + " ";
  }

  /// A study of `parameters` on the two workloads, 2 ranks, a few MiB per trial.
  void WriteConfig(const std::string& parameters, const std::string& baseline, int warm_start,
                   const std::string& runner_lines) {
    dir_.Write("config.yaml", "seed: 3\nparameters:\n" + parameters + "baseline: " + baseline +
                                  "\n" + R"(data: {input_dir: workloads}
warm_start: {target_size: )" + std::to_string(warm_start) +
                                  R"(}
active: {iterations: 0}
evaluation: {enabled: false}
reporting: {plots: false}
runner:
  mode: real
  io_synth_root: )" + Q(synth_) + R"(
  out_root: synth-out
  synth_binary: bin/mpi_synthio
  darshan_lib: )" + Q(darshan_ + "/lib/libdarshan.so") +
                                  R"(
  nprocs_cap: 2
  cap_total_gib: 0.01
  flush_wait_sec: 0
  require_lustre: false
  timeout_s: 300
)" + runner_lines);
  }

  test_support::CliResult RunStudy() {
    return RunShell(env_ + Q(IOREC_BINARY) + " run -q -c " +
                    Q((dir_.path() / "config.yaml").string()) + " -o " + Q(Study().string()));
  }

  /// Every trial completed, and its metric is darshan-parser's figure for its own log.
  /// Returns the number of trials.
  int ExpectEveryTrialMeasuredFromItsOwnLog() {
    const std::string parser = darshan_ + "/bin/darshan-parser";
    int trials = 0;
    for (const fs::path& trial : TrialDirs(Study())) {
      ++trials;
      const auto outcome = nlohmann::json::parse(Slurp(trial / "outcome.json"));
      EXPECT_TRUE(outcome["ok"].get<bool>()) << trial << ": " << outcome.dump();
      if (!outcome["ok"].get<bool>()) continue;
      const std::string workload = trial.parent_path().filename().string();
      const fs::path log = trial / (workload + ".darshan");
      EXPECT_TRUE(fs::exists(log)) << log;
      // The default metric_key picks the MPI-IO module's figure for MPI-IO runs.
      const auto fidelity = nlohmann::json::parse(Slurp(trial / "fidelity.json"));
      const std::string column = fidelity["metric_column"];
      const bool mpiio = column.rfind("MPIIO_", 0) == 0;
      EXPECT_EQ(mpiio, workload == "top23_193") << column;
      const auto expected = ParserPerf(parser, log, mpiio ? "MPI-IO" : "POSIX");
      EXPECT_TRUE(expected.has_value()) << log;
      if (!expected) continue;
      const double got = outcome["value"].get<double>();
      EXPECT_LE(std::fabs(got - *expected), 1e-6 * std::fabs(*expected))
          << log << ": iorec " << got << ", darshan-parser --perf " << *expected;
    }
    return trials;
  }

  /// lfs and lctl saw only the reference's argument forms; every file of every trial's plan
  /// is in a directory striped for that trial, and the trial's data files are gone. Returns
  /// the number of lctl set_param calls that set the trials' osc.*.max_pages_per_rpc.
  int ExpectTheReferencesArgumentFormsOnTheDataDirectories() {
    std::set<std::string> striped;
    const std::regex lfs_line(R"(lfs\tsetstripe\t-c\t[0-9]+(\t-S\t[0-9]+[KMG])?\t(/[^\t]+))");
    const std::regex lctl_line(
        R"(lctl\t(get_param(\t(osc|mdc)\.\*\.max_(pages_per_rpc|rpcs_in_flight))+|)"
        R"(set_param\t(osc|mdc)\.[^.\t]+\.max_(pages_per_rpc|rpcs_in_flight)=[0-9]+))");
    int sets = 0;
    for (const std::string& line : Lines(Slurp(LustreLog()))) {
      std::smatch m;
      if (std::regex_match(line, m, lfs_line)) {
        striped.insert(m[2]);
      } else {
        EXPECT_TRUE(std::regex_match(line, lctl_line)) << "unexpected call: " << line;
        sets += line.find("set_param\tosc.*.max_pages_per_rpc=") != std::string::npos;
      }
    }
    int data_files = 0;
    for (const fs::path& trial : TrialDirs(Study())) {
      for (const std::string& row : Lines(Slurp(trial / "plan.csv"))) {
        const auto f = Fields(row, ',');
        if (f.size() < 2 || f[0] == "type") continue;
        ++data_files;
        EXPECT_TRUE(striped.count(fs::path(f[1]).parent_path().string()))
            << f[1] << " (" << trial << ") is not in a striped directory";
        EXPECT_FALSE(fs::exists(fs::path(f[1]).parent_path())) << "left behind: " << f[1];
      }
    }
    EXPECT_GT(data_files, 0);
    return sets;
  }

  /// The client settings are back at what they were (the fake's defaults), and no trial
  /// holds the node.
  void ExpectClientSettingsRestored() {
    const auto now = RunShell(env_ + "lctl get_param 'osc.*.max_pages_per_rpc'");
    EXPECT_EQ(now.out,
              "osc.fake-OST0000-osc.max_pages_per_rpc=1024\n"
              "osc.fake-OST0001-osc.max_pages_per_rpc=1024\n");
    const fs::path state = dir_.path() / "synth-out/.iorec-lctl";
    EXPECT_TRUE(fs::is_empty(state)) << state << " still holds a node";
  }

  fs::path Study() const { return dir_.path() / "study"; }
  fs::path LustreLog() const { return dir_.path() / "lustre.log"; }
  fs::path CallersLog() const { return dir_.path() / "lustre-callers.log"; }

  std::string synth_, darshan_, env_;
  test_support::TempDir dir_;
};

constexpr const char* kParameters = R"(  - {name: stripe_count, values: [1, 2]}
  - {name: stripe_size, values: ["1M", "4M"]}
  - {name: osc_max_pages_per_rpc, values: [256, 1024]}
  - {name: num_aggregators, values: [1, 2]}
  - {name: collective_buffer_size, values: [1048576, 4194304]}
)";
constexpr const char* kBaseline =
    "{stripe_count: 1, stripe_size: \"1M\", osc_max_pages_per_rpc: 1024, num_aggregators: 1, "
    "collective_buffer_size: 1048576}";

TEST_F(RealChainTest, EveryTrialIsMeasuredFromItsOwnLogAndTheClientSettingsComeBack) {
  ASSERT_NO_FATAL_FAILURE(SetUpTestbed());
  WriteConfig(kParameters, kBaseline, 5, "");
  const auto run = RunStudy();
  ASSERT_EQ(run.code, 0) << run.out;
  const int trials = ExpectEveryTrialMeasuredFromItsOwnLog();
  EXPECT_EQ(trials, 10);
  EXPECT_EQ(ExpectTheReferencesArgumentFormsOnTheDataDirectories(), trials);
  ExpectClientSettingsRestored();
}

// executor: slurm on a private single-node cluster, ranks launched by srun. Debian's MPICH
// (4.0, hydra) starts under srun only with Slurm's PMI-2 plugin (--mpi=pmi2: the cluster's
// MpiDefault is none, and Debian's Slurm has no PMIx library); without it srun starts N
// single-rank jobs, which the runner reports (the log's rank count is not the plan's).
TEST_F(RealChainTest, UnderSlurmTheClientKnobsAreSetAndRestoredInsideEachTrialsJob) {
  REQUIRE_LOCAL_SLURM();
  ASSERT_NO_FATAL_FAILURE(SetUpTestbed());
  test_support::LocalSlurm slurm(dir_.path());
  if (!slurm.started()) {
    if (Env("CI") == "true") FAIL() << "Slurm did not start:\n" << slurm.start_log();
    GTEST_SKIP() << "the local Slurm cluster did not start (scripts/slurm-local.sh):\n"
                 << slurm.start_log();
  }
  WriteConfig(R"(  - {name: stripe_count, values: [1, 2]}
  - {name: osc_max_pages_per_rpc, values: [256, 1024]}
  - {name: num_aggregators, values: [1, 2]}
)",
              "{stripe_count: 1, osc_max_pages_per_rpc: 1024, num_aggregators: 1}", 4,
              "  launcher: \"srun --mpi=pmi2 -n {nprocs}\"\n"
              "  executor: slurm\n"
              "  slurm: {ntasks: 2, poll_s: 0.2}\n");
  const auto run = RunStudy();
  ASSERT_EQ(run.code, 0) << run.out;
  const int trials = ExpectEveryTrialMeasuredFromItsOwnLog();
  EXPECT_EQ(trials, 8);
  EXPECT_EQ(ExpectTheReferencesArgumentFormsOnTheDataDirectories(), trials);

  // One array job per batch, with the nodes to itself (its trials set client knobs).
  const auto sbatch = slurm.SbatchCalls();
  ASSERT_EQ(sbatch.size(), 1u);
  EXPECT_NE(sbatch[0].find(" --exclusive "), std::string::npos) << sbatch[0];

  // Every lfs and lctl call came from inside its trial's own job, never from iorec: lctl as a
  // job step (srun, a task of slurmstepd), once per node and trial; lfs from the batch script.
  std::map<std::string, std::string> job_of;  // trial dir -> its array task, as sbatch gave it
  for (const fs::path& trial : TrialDirs(Study())) {
    std::string id = Slurp(trial / "job_id");
    job_of[trial.string()] = id.substr(0, id.find('\n'));
  }
  std::map<std::string, int> get_params;
  std::vector<std::string> lctl_order;  // trial dir of each lctl call, in order
  const auto calls = Lines(Slurp(CallersLog()));
  EXPECT_EQ(calls.size(), Lines(Slurp(LustreLog())).size());
  for (const std::string& call : calls) {
    const auto f = Fields(call);
    ASSERT_EQ(f.size(), 6u) << call;
    const std::string &tool = f[0], &sub = f[1], &job = f[2], &trial = f[4], &chain = f[5];
    ASSERT_TRUE(job_of.count(trial)) << call;
    EXPECT_EQ(job, job_of[trial]) << call;
    EXPECT_NE(chain.find("slurmstepd"), std::string::npos) << call;
    EXPECT_EQ(chain.find("iorec"), std::string::npos) << call;
    if (tool == "lctl") {
      EXPECT_EQ(chain.find("slurm_script"), std::string::npos) << "not a job step: " << call;
      get_params[trial] += sub == "get_param";
      lctl_order.push_back(trial);
    } else {
      EXPECT_NE(chain.find("slurm_script"), std::string::npos) << call;
    }
  }
  for (const auto& [trial, job] : job_of) EXPECT_EQ(get_params[trial], 1) << trial;
  // Trials that share the node take turns: each one's record, set and restore are together.
  std::set<std::string> done;
  for (size_t i = 0; i < lctl_order.size(); ++i) {
    if (i > 0 && lctl_order[i] != lctl_order[i - 1]) done.insert(lctl_order[i - 1]);
    EXPECT_EQ(done.count(lctl_order[i]), 0u) << "trial " << lctl_order[i] << "'s lctl calls "
                                             << "are interleaved with another trial's";
  }
  ExpectClientSettingsRestored();
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
