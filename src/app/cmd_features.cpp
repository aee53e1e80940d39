// `iorec features`: workload features straight from Darshan logs (binary or darshan-parser text).
#include "cmd_features.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/darshan/features.hpp"

namespace iorec::app {
namespace {

struct FeaturesOptions {
  std::vector<std::string> logs;
  std::string module = "auto";
  bool json = false;
  bool csv = false;
  std::string out_dir;
  int decimals = 2;
};

void RunFeatures(const FeaturesOptions& o) {
  const darshan::Basis basis = darshan::ParseBasis(o.module);
  std::vector<darshan::WorkloadFeatures> all;
  core::ProblemList problems;
  for (const auto& path : o.logs) {
    try {
      all.push_back(darshan::FeaturesFromFile(path, basis));
    } catch (const core::InputError& e) {
      for (const auto& p : e.problems()) problems.Add(p);
    }
  }
  problems.ThrowIfAny();
  if (!o.out_dir.empty()) {
    for (const auto& f : all) {
      std::filesystem::path stem = std::filesystem::path(f.filename).stem();
      std::filesystem::path out =
          std::filesystem::path(o.out_dir) / (stem.string() + (o.csv ? ".csv" : ".json"));
      std::string body = o.csv ? darshan::WorkloadCsvHeader() + "\n" +
                                     darshan::ToWorkloadCsvRow(f, o.decimals) + "\n"
                               : darshan::ToWorkloadJson(f, o.decimals) + "\n";
      core::WriteFileAtomic(out, body);
      std::cout << out.string() << "\n";
    }
    return;
  }
  if (o.csv) {
    std::cout << darshan::WorkloadCsvHeader() << "\n";
    for (const auto& f : all) std::cout << darshan::ToWorkloadCsvRow(f, o.decimals) << "\n";
  } else {
    for (const auto& f : all) std::cout << darshan::ToWorkloadJson(f, o.decimals) << "\n";
  }
}

}  // namespace

void AddFeaturesCommand(CLI::App& root) {
  auto opts = std::make_shared<FeaturesOptions>();
  CLI::App* cmd = root.add_subcommand(
      "features", "Workload features from Darshan logs (binary .darshan or darshan-parser text)");
  cmd->add_option("LOG", opts->logs, "Darshan log files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--module", opts->module,
                  "Counter basis: auto (MPI-IO if it moved bytes), posix, mpiio")
      ->check(CLI::IsMember({"auto", "posix", "mpiio"}));
  auto* json =
      cmd->add_flag("--json", opts->json, "Print one workload JSON object per log (default)");
  auto* csv = cmd->add_flag("--csv", opts->csv, "Print a CSV header and one row per log");
  json->excludes(csv);
  cmd->add_option("--out-dir", opts->out_dir,
                  "Write <log stem>.json (or .csv) per log into DIR instead of printing");
  cmd->add_option("--decimals", opts->decimals, "Round fractions to this many decimals (-1: none)")
      ->check(CLI::Range(-1, 17));
  cmd->callback([opts] { RunFeatures(*opts); });
}

}  // namespace iorec::app
