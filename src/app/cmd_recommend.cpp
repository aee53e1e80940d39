// `iorec recommend`: settings for a workload from a trained model directory.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/darshan/features.hpp"
#include "iorec/deploy/recommender.hpp"
#include "iorec/report/json_util.hpp"
#include "iorec/report/model_bundle.hpp"

namespace iorec::app {
namespace {

struct RecommendOptions {
  std::string model_dir;
  std::string workload_file;
  std::string darshan_log;
  std::string module = "auto";
  int top_k = 0;
  bool json = false;
};

/// The workload features of a Darshan log, in the model's feature order.
space::Workload WorkloadFromDarshan(const RecommendOptions& opt,
                                    const std::vector<std::string>& feature_names) {
  const darshan::Basis basis = opt.module == "posix"   ? darshan::Basis::kPosix
                               : opt.module == "mpiio" ? darshan::Basis::kMpiio
                                                       : darshan::Basis::kAuto;
  const auto features = darshan::FeaturesFromFile(opt.darshan_log, basis);
  const auto values = features.AsMap();
  space::Workload w;
  w.id = std::filesystem::path(opt.darshan_log).stem().string();
  w.source_file = opt.darshan_log;
  w.attributes = features.Attributes();
  std::vector<std::string> missing;
  for (const auto& name : feature_names) {
    const auto it = values.find(name);
    if (it == values.end()) {
      missing.push_back(name);
    } else {
      w.features.push_back(it->second);
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw core::InputError(opt.darshan_log +
                           ": the model needs features a Darshan log does not provide: " + list);
  }
  return w;
}

void RunRecommend(const RecommendOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  report::ModelBundle b = report::LoadModelBundle(opt.model_dir);
  if (opt.top_k > 0) b.params.return_top_k = opt.top_k;
  const space::Workload w =
      opt.darshan_log.empty()
          ? config::LoadWorkloadFile(opt.workload_file, b.known.feature_names, b.feature_prefix)
          : WorkloadFromDarshan(opt, b.known.feature_names);
  deploy::Recommender rec(b.space, b.known, b.matrix, *b.model, b.baseline, b.params);
  const auto r = rec.Recommend(w.features);
  if (opt.json) {
    nlohmann::ordered_json j;
    j["workload"] = w.id;
    j["exact_match"] = r.exact_match;
    j["neighbors"] = nlohmann::ordered_json::array();
    for (const auto& n : r.neighbors) {
      j["neighbors"].push_back({{"workload", n.workload_id}, {"distance", n.distance}});
    }
    j["recommendations"] = nlohmann::ordered_json::array();
    int rank = 1;
    for (const auto& c : r.configs) {
      j["recommendations"].push_back({{"rank", rank++},
                                      {"config", report::ConfigJson(b.space, c.config)},
                                      {"predicted_score", c.predicted_gain},
                                      {"predicted_std", c.predicted_std},
                                      {"measured", c.measured},
                                      {"neighbor_consensus", c.consensus},
                                      {"source", c.source}});
    }
    j["warnings"] = r.warnings;
    std::cout << j.dump(2) << "\n";
    return;
  }
  if (r.exact_match && !r.neighbors.empty()) {
    std::printf(
        "workload %s: same features as measured workload %s; its best measured configs "
        "come first\n",
        w.id.c_str(), r.neighbors.front().workload_id.c_str());
  } else {
    std::printf(
        "workload %s: not measured; configs from its nearest workloads, ranked by how well "
        "they ran there (consensus: share of each neighbour's best, nearest weighted most)\n",
        w.id.c_str());
  }
  std::printf("nearest workloads:");
  for (const auto& n : r.neighbors) std::printf(" %s (%.3f)", n.workload_id.c_str(), n.distance);
  std::printf("\n");
  int rank = 1;
  for (const auto& c : r.configs) {
    std::printf("#%d  %s\n    ", rank++, b.space.Describe(c.config).c_str());
    if (!r.exact_match) std::printf("consensus %.1f%%, ", 100.0 * c.consensus);
    std::printf("model score %.4f ± %.4f  [%s]\n", c.predicted_gain, c.predicted_std,
                c.source.c_str());
  }
  for (const auto& warn : r.warnings) std::printf("warning: %s\n", warn.c_str());
}

}  // namespace

void AddRecommendCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<RecommendOptions>();
  auto* cmd =
      root.add_subcommand("recommend", "Recommend settings for a workload from a trained model");
  cmd->add_option("-m,--model", opt->model_dir, "Model directory (<output-dir>/model)")->required();
  auto* workload =
      cmd->add_option("-w,--workload", opt->workload_file, "Workload feature file (JSON)");
  auto* darshan =
      cmd->add_option("--darshan", opt->darshan_log,
                      "A Darshan log (binary .darshan or darshan-parser text) of the application");
  workload->excludes(darshan);
  cmd->add_option("--module", opt->module, "Darshan counter basis: auto|posix|mpiio")
      ->check(CLI::IsMember({"auto", "posix", "mpiio"}));
  cmd->add_option("-k,--top-k", opt->top_k, "How many configs to return (default: the model's)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", opt->json, "Print JSON");
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] {
    if (opt->workload_file.empty() == opt->darshan_log.empty()) {
      throw core::InputError("recommend: give exactly one of --workload FILE or --darshan LOG");
    }
    RunRecommend(*opt, g);
  });
}

}  // namespace iorec::app
