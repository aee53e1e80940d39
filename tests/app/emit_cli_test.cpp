// `iorec recommend --emit`: a small study on the stub with every knob the real testbed
// knows, then each emitted format parsed back by what reads it: lfs and lctl lines run
// against the stand-ins in scripts/fake-lustre (the current values read from the fake lctl),
// the ROMIO hints read by MPICH's ROMIO itself (when mpicc is installed), the Slurm
// fragment checked with bash -n and run, the JSON parsed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "app/cli_util.hpp"

namespace fs = std::filesystem;

namespace {

using iorec::test_support::RunShell;
using iorec::test_support::Slurp;

std::string Q(const fs::path& p) { return "'" + p.string() + "'"; }

class EmitCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("iorec_emit_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    std::ofstream(*dir_ / "config.yaml") << R"(seed: 5
parameters:
  - {name: stripe_count, values: [1, 4, 8]}
  - {name: stripe_size, values: ["1M", "4M"]}
  - {name: osc_max_pages_per_rpc, values: [256, 1024]}
  - {name: osc_max_rpcs_in_flight, values: [8, 32]}
  - {name: mdc_max_rpcs_in_flight, values: [8, 16]}
  - {name: num_aggregators, values: [1, 2]}
  - {name: collective_buffer_size, values: [4194304, 33554432]}
  - {name: aggregators_per_client, values: [1, 2]}
  - {name: bs, values: ["64k", "1m"]}
data: {n_patterns: 3, n_features: 5}
warm_start: {target_size: 10}
model: {mode: regression, num_rounds: 20, max_depth: 3}
active: {ensemble_size: 2, iterations: 2, batch_per_iter: 2, replicate_top_n: 1, replicate_repeats: 2}
deploy: {topk_per_pattern: 5, knn_neighbors: 2, return_top_k: 3}
runner: {mode: stub, noise_std: 0.05, metric_unit: "MiB/s"}
)";
    const auto r = RunShell(std::string(IOREC_BINARY) + " run -q --config " +
                            Q(*dir_ / "config.yaml") + " --output-dir " + Q(*dir_ / "study"));
    ASSERT_EQ(r.code, 0) << r.out;
    // A measured workload's features, as a workload file.
    const auto model = nlohmann::json::parse(Slurp(*dir_ / "study/model/model.json"));
    nlohmann::json w;
    for (size_t i = 0; i < model["feature_names"].size(); ++i)
      w[model["feature_names"][i].get<std::string>()] = model["workloads"][0]["features"][i];
    w["io_api"] = "mpiio";
    w["mpi_collective_mode"] = "yes";
    std::ofstream(*dir_ / "app.json") << w.dump();
  }
  static void TearDownTestSuite() {
    if (!::testing::Test::HasFailure()) fs::remove_all(*dir_);
    delete dir_;
  }

  /// Runs `cmd` with the fake lfs/lctl first on PATH, their log and state in the test dir.
  static iorec::test_support::CliResult WithFakeLustre(const std::string& cmd) {
    const std::string env = "export PATH=" + Q(fs::path(IOREC_SOURCE_DIR) / "scripts/fake-lustre") +
                            ":\"$PATH\" IOREC_FAKE_LUSTRE_LOG=" + Q(*dir_ / "lustre.log") +
                            " IOREC_FAKE_LUSTRE_STATE=" + Q(*dir_ / "lustre-state") + "; ";
    return RunShell(env + cmd);
  }
  static std::string Recommend(const std::string& args) {
    return std::string(IOREC_BINARY) + " recommend --model " + Q(*dir_ / "study/model") +
           " --workload " + Q(*dir_ / "app.json") + " " + args;
  }

  static fs::path* dir_;
};

fs::path* EmitCliTest::dir_ = nullptr;

/// `key value` lines as ROMIO reads a hints file.
std::map<std::string, std::string> Hints(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string k, v;
  while (in >> k >> v) out[k] = v;
  return out;
}

TEST_F(EmitCliTest, EachFormatParsesBackAndMatchesTheRecommendedConfig) {
  const fs::path emit = *dir_ / "emit";
  const fs::path out = *dir_ / "lustre out";
  const auto r = WithFakeLustre(Recommend("--emit lfs,romio-hints,lctl,slurm,json --emit-dir " +
                                          Q(emit) + " --dir " + Q(out)));
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* f : {"lfs.sh", "romio-hints.sh", "lctl.sh", "slurm.sh", "settings.json"})
    EXPECT_NE(r.out.find("wrote " + (emit / f).string()), std::string::npos) << r.out;
  // The ranking is printed too, with the expected performance in MiB/s and its source.
  EXPECT_NE(r.out.find("expected "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" MiB/s ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("source: measured here ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("note: this model comes from the synthetic stub testbed"),
            std::string::npos);

  const auto settings = nlohmann::json::parse(Slurp(emit / "settings.json"));
  const auto& config = settings["config"];
  EXPECT_EQ(settings["rank"], 1);
  EXPECT_EQ(settings["expected"]["unit"], "MiB/s");
  EXPECT_EQ(settings["expected"]["basis"], "measured here");
  EXPECT_TRUE(settings["expected"]["expected"].is_number());
  EXPECT_EQ(settings["other"]["bs"], config["bs"]);
  // The current values were read from the (fake) lctl on PATH.
  EXPECT_EQ(settings["lctl_current"]["osc.*.max_pages_per_rpc"], "1024");

  // lfs: the directory is created and striped as recommended.
  ASSERT_EQ(WithFakeLustre("sh " + Q(emit / "lfs.sh")).code, 0);
  const std::string want_lfs = "lfs\tsetstripe\t-c\t" + config["stripe_count"].dump() + "\t-S\t" +
                               config["stripe_size"].get<std::string>() + "\t" + out.string() +
                               "\n";
  EXPECT_EQ(Slurp(*dir_ / "lustre.log").substr(Slurp(*dir_ / "lustre.log").rfind("lfs\t")),
            want_lfs);
  EXPECT_TRUE(fs::is_directory(out));

  // lctl: every client knob set on the (fake) node.
  ASSERT_EQ(WithFakeLustre("sh " + Q(emit / "lctl.sh")).code, 0);
  EXPECT_EQ(Slurp(*dir_ / "lustre-state/osc.fake-OST0001-osc.max_pages_per_rpc"),
            config["osc_max_pages_per_rpc"].dump() + "\n");
  EXPECT_EQ(Slurp(*dir_ / "lustre-state/mdc.fake-MDT0000-mdc.max_rpcs_in_flight"),
            config["mdc_max_rpcs_in_flight"].dump() + "\n");
  EXPECT_NE(Slurp(emit / "lctl.sh").find("node-wide"), std::string::npos);

  // romio-hints: the snippet writes the file and exports its path.
  const auto hints = RunShell("cd " + Q(*dir_) + " && . " + Q(emit / "romio-hints.sh") +
                              " && echo \"$ROMIO_HINTS\"");
  ASSERT_EQ(hints.code, 0) << hints.out;
  EXPECT_EQ(hints.out, (*dir_ / "romio-hints.app").string() + "\n");
  const auto h = Hints(Slurp(*dir_ / "romio-hints.app"));
  EXPECT_EQ(h.at("cb_nodes"), config["num_aggregators"].dump());
  EXPECT_EQ(h.at("cb_buffer_size"), config["collective_buffer_size"].dump());
  EXPECT_EQ(h.at("cb_config_list"), "*:" + config["aggregators_per_client"].dump());

  // slurm: valid bash, which stripes, writes the hints file, and leaves lctl commented out.
  EXPECT_EQ(RunShell("bash -n " + Q(emit / "slurm.sh")).code, 0);
  fs::remove(*dir_ / "lustre.log");
  const auto job = WithFakeLustre("cd " + Q(*dir_) + " && SLURM_SUBMIT_DIR=" + Q(*dir_ / "sub") +
                                  " bash -c 'mkdir -p \"$SLURM_SUBMIT_DIR\" && . " +
                                  (emit / "slurm.sh").string() + " && echo \"$ROMIO_HINTS\"'");
  ASSERT_EQ(job.code, 0) << job.out;
  EXPECT_EQ(Hints(Slurp(*dir_ / "sub/romio-hints.app")), h);
  EXPECT_EQ(Slurp(*dir_ / "lustre.log"), want_lfs);  // lfs only: no lctl call
}

TEST_F(EmitCliTest, RomioReadsTheEmittedHints) {
  if (RunShell("command -v mpicc && command -v mpiexec").code != 0)
    GTEST_SKIP() << "mpicc/mpiexec not installed (apt-get install mpich libmpich-dev)";
  const fs::path prog = *dir_ / "hints.c";
  std::ofstream(prog) << R"(#include <mpi.h>
#include <stdio.h>
int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_File fh;
  if (MPI_File_open(MPI_COMM_WORLD, argv[1], MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL,
                    &fh) != MPI_SUCCESS) return 3;
  MPI_Info info;
  MPI_File_get_info(fh, &info);
  const char* keys[] = {"cb_nodes", "cb_buffer_size", "cb_config_list"};
  for (int i = 0; i < 3 && rank == 0; ++i) {
    char v[MPI_MAX_INFO_VAL + 1];
    int flag = 0;
    MPI_Info_get(info, keys[i], MPI_MAX_INFO_VAL, v, &flag);
    printf("%s %s\n", keys[i], flag ? v : "unset");
  }
  MPI_Info_free(&info);
  MPI_File_close(&fh);
  MPI_Finalize();
  return 0;
}
)";
  const auto cc = RunShell("mpicc -o " + Q(*dir_ / "hints") + " " + Q(prog));
  ASSERT_EQ(cc.code, 0) << cc.out;
  const auto emitted =
      RunShell(Recommend("--emit romio-hints --hints-file " + Q(*dir_ / "my hints")));
  ASSERT_EQ(emitted.code, 0) << emitted.out;
  std::ofstream(*dir_ / "romio.sh") << emitted.out;
  const auto run = RunShell(". " + Q(*dir_ / "romio.sh") + " && mpiexec -n 2 " +
                            Q(*dir_ / "hints") + " " + Q(*dir_ / "data.bin"));
  ASSERT_EQ(run.code, 0) << run.out;
  // ROMIO keeps the buffer size and the list as given, and uses at most the aggregators the
  // list allows on the one node here (and no more than the 2 ranks).
  const auto want = Hints(Slurp(*dir_ / "my hints"));
  const auto got = Hints(run.out);
  ASSERT_EQ(got.size(), 3u) << run.out;
  EXPECT_EQ(got.at("cb_buffer_size"), want.at("cb_buffer_size"));
  EXPECT_EQ(got.at("cb_config_list"), want.at("cb_config_list"));
  const int per_node = std::stoi(want.at("cb_config_list").substr(2));
  EXPECT_EQ(std::stoi(got.at("cb_nodes")), std::min({std::stoi(want.at("cb_nodes")), per_node, 2}));
}

TEST_F(EmitCliTest, BadEmitOptionsExitTwoAndWriteNothing) {
  const fs::path emit = *dir_ / "never";
  auto r = RunShell(Recommend("--emit yaml --emit-dir " + Q(emit)));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("unknown format 'yaml'"), std::string::npos) << r.out;
  r = RunShell(Recommend("--emit lfs,json"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--emit json cannot share standard output"), std::string::npos);
  r = RunShell(Recommend("--emit lfs --rank 9 --emit-dir " + Q(emit)));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--rank 9: the recommendation has 3 configs"), std::string::npos);
  r = RunShell(Recommend("--dir /x"));
  EXPECT_EQ(r.code, 2) << r.out;  // --dir needs --emit
  EXPECT_FALSE(fs::exists(emit));
}

TEST_F(EmitCliTest, RecommendShowsNoiseAndExpectedValuesInJson) {
  const auto r = RunShell(Recommend("--json"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["synthetic"].get<bool>());
  // Replicated finalists give the noise.
  EXPECT_GT(j["noise"]["replicated_configs"].get<int>(), 0);
  EXPECT_GT(j["noise"]["median_relative_std"].get<double>(), 0.0);
  const auto& e = j["recommendations"][0]["expected"];
  EXPECT_EQ(e["unit"], "MiB/s");
  EXPECT_LE(e["low"].get<double>(), e["expected"].get<double>());
  EXPECT_GE(e["high"].get<double>(), e["expected"].get<double>());
  EXPECT_GT(e["baseline"].get<double>(), 0.0);
  const auto text = RunShell(Recommend(""));
  EXPECT_NE(text.out.find("noise: runs of one config vary by "), std::string::npos) << text.out;
}

TEST_F(EmitCliTest, MapShowsTheWorkloadAmongTheMeasuredOnesAndItsNeighbours) {
  const fs::path png = *dir_ / "maps" / "app-map.png";
  fs::create_directories(png.parent_path());
  const auto r = RunShell(Recommend("--json --map " + Q(png)));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  std::vector<std::string> neighbours;
  for (const auto& n : j["neighbors"]) neighbours.push_back(n["workload"]);
  ASSERT_FALSE(neighbours.empty());
  // One row per measured workload, then the new one: x, y, name, kind.
  std::istringstream dat(Slurp(png.parent_path() / "app-map.dat"));
  std::string line;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(dat, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::vector<std::string> row;
    for (std::string f; std::getline(fields, f, '\t');) row.push_back(f);
    rows.push_back(row);
  }
  ASSERT_EQ(rows.size(), 4u);  // 3 measured workloads and the app
  EXPECT_EQ(rows.back()[2], "\"app\"");
  EXPECT_EQ(rows.back()[3], "1");
  for (size_t i = 0; i + 1 < rows.size(); ++i) {
    const std::string name = rows[i][2].substr(1, rows[i][2].size() - 2);
    const bool near = std::find(neighbours.begin(), neighbours.end(), name) != neighbours.end();
    EXPECT_EQ(rows[i][3], near ? "2" : "0") << name;
  }
  // app.json has the features of the first measured workload: the same point.
  EXPECT_EQ(rows.back()[0], rows[0][0]);
  EXPECT_EQ(rows.back()[1], rows[0][1]);
  EXPECT_NE(Slurp(png.parent_path() / "app-map.gp").find("[synthetic: stub testbed]"),
            std::string::npos);
  if (RunShell("command -v gnuplot").code == 0) {
    EXPECT_TRUE(fs::exists(png));
  }

  for (const std::string bad : {"map.svg", "no/such/dir/map.png"}) {
    const auto b = RunShell(Recommend("--map " + Q(*dir_ / bad)));
    EXPECT_EQ(b.code, 2) << b.out;
    EXPECT_NE(b.out.find("--map"), std::string::npos) << b.out;
  }
  EXPECT_FALSE(fs::exists(*dir_ / "map.dat"));
}

}  // namespace
