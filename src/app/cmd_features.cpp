// `iorec features`: workload features straight from Darshan logs (binary or darshan-parser text).
#include "cmd_features.hpp"

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/runner/command_runner.hpp"

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

/// The --out-dir file of each log: its stem made safe as a file name (the stem becomes a
/// workload id, which runner commands and trial directories use), `.json` or `.csv`. Two
/// logs that would write the same file are bad input, refused before anything is written.
std::vector<std::filesystem::path> OutputFiles(const FeaturesOptions& o,
                                               const std::vector<darshan::WorkloadFeatures>& all) {
  std::vector<std::filesystem::path> outs;
  std::map<std::filesystem::path, size_t> first;
  core::ProblemList problems;
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string stem = std::filesystem::path(all[i].filename).stem().string();
    outs.push_back(std::filesystem::path(o.out_dir) /
                   (runner::SafeDirName(stem) + (o.csv ? ".csv" : ".json")));
    const auto [it, inserted] = first.emplace(outs.back(), i);
    if (!inserted) {
      problems.Add(o.logs[i] + ": would write " + outs.back().string() + ", as " +
                   o.logs[it->second] + " does; rename one of the logs");
    }
  }
  problems.ThrowIfAny();
  return outs;
}

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
    const auto outs = OutputFiles(o, all);
    for (size_t i = 0; i < all.size(); ++i) {
      const auto& f = all[i];
      std::string body = o.csv ? darshan::WorkloadCsvHeader() + "\n" +
                                     darshan::ToWorkloadCsvRow(f, o.decimals) + "\n"
                               : darshan::ToWorkloadJson(f, o.decimals) + "\n";
      core::WriteFileAtomic(outs[i], body);
      std::cout << outs[i].string() << "\n";
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
  cmd->add_option(
      "--out-dir", opts->out_dir,
      "Write <log stem>.json (or .csv) per log into DIR instead of printing (characters other "
      "than [A-Za-z0-9_.-] in the stem become _ plus a hash suffix)");
  cmd->add_option("--decimals", opts->decimals, "Round fractions to this many decimals (-1: none)")
      ->check(CLI::Range(-1, 17));
  cmd->callback([opts] { RunFeatures(*opts); });
}

}  // namespace iorec::app
