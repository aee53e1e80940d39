// `iorec warmstart`: the warm-start set and its pairwise coverage.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/sampling/warm_start.hpp"
#include "iorec/space/json.hpp"

namespace iorec::app {
namespace {

struct WarmstartOptions {
  std::string config_path;
  std::string format = "csv";
};

void RunWarmstart(const WarmstartOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  const config::StudyConfig cfg = config::LoadStudyConfig(opt.config_path);
  core::Rng rng(cfg.seed, "warm_start");
  const auto ws = sampling::BuildWarmStart(cfg.space, cfg.baseline,
                                           static_cast<size_t>(cfg.warm_start.target_size), rng);
  if (opt.format == "json") {
    nlohmann::ordered_json j;
    j["size"] = ws.configs.size();
    j["anchors"] = ws.num_anchors;
    j["coverage"] = {{"covered", ws.coverage.covered},
                     {"total", ws.coverage.total},
                     {"percent", ws.coverage.percent()}};
    j["configs"] = nlohmann::ordered_json::array();
    for (size_t i = 0; i < ws.configs.size(); ++i) {
      j["configs"].push_back({{"index", i},
                              {"kind", i < ws.num_anchors ? "anchor" : "pairwise"},
                              {"config", space::ConfigJson(cfg.space, ws.configs[i])}});
    }
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "index,kind";
  for (const auto& k : cfg.space.knobs()) std::cout << ',' << k.name;
  std::cout << '\n';
  for (size_t i = 0; i < ws.configs.size(); ++i) {
    std::cout << i << ',' << (i < ws.num_anchors ? "anchor" : "pairwise");
    for (size_t k = 0; k < cfg.space.num_knobs(); ++k) {
      std::cout << ',' << cfg.space.Value(ws.configs[i], k).text();
    }
    std::cout << '\n';
  }
  std::fprintf(stderr,
               "pairwise coverage: %llu/%llu pairs (%.2f%%) with %zu configs (%zu anchors)\n",
               static_cast<unsigned long long>(ws.coverage.covered),
               static_cast<unsigned long long>(ws.coverage.total), ws.coverage.percent(),
               ws.configs.size(), ws.num_anchors);
}

}  // namespace

void AddWarmstartCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<WarmstartOptions>();
  auto* cmd =
      root.add_subcommand("warmstart", "Print the warm-start set and its pairwise coverage");
  cmd->add_option("-c,--config", opt->config_path, "Study config (YAML)")->required();
  cmd->add_option("--format", opt->format, "csv|json")->check(CLI::IsMember({"csv", "json"}));
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] { RunWarmstart(*opt, g); });
}

}  // namespace iorec::app
