// `iorec warmstart`: the warm-start set and its pairwise coverage.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "input.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/sampling/warm_start.hpp"
#include "iorec/space/json.hpp"

namespace iorec::app {
namespace {

struct WarmstartOptions {
  std::string config_path;
  bool json = false;
};

void RunWarmstart(const WarmstartOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  const config::StudyConfig cfg = LoadConfigArg(opt.config_path).config;
  core::Rng rng(cfg.seed, "warm_start");
  const auto ws = sampling::BuildWarmStart(cfg.space, cfg.baseline,
                                           static_cast<size_t>(cfg.warm_start.target_size), rng);
  if (opt.json) {
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
  auto* cmd = root.add_subcommand(
      "warmstart",
      "Print a config's warm-start set as CSV (its pairwise coverage on stderr); runs nothing");
  cmd->add_option("-c,--config", opt->config_path, "Study config (YAML); - reads standard input")
      ->type_name("FILE")
      ->required();
  CLI::Option* json = AddJsonFlag(cmd, opt->json, "the set and its coverage");
  AddDeprecatedFormatOption(cmd, json, opt->json, g);
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] { RunWarmstart(*opt, g); });
}

}  // namespace iorec::app
