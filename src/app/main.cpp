// iorec command-line interface: parse -> wire -> run. No logic lives here beyond
// choosing implementations from the config.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cmd_features.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/deploy/recommender.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/report/json_util.hpp"
#include "iorec/report/model_bundle.hpp"
#include "iorec/report/study_outputs.hpp"
#include "iorec/runner/stub_testbed.hpp"
#include "iorec/sampling/warm_start.hpp"
#include "progress.hpp"

namespace fs = std::filesystem;

namespace iorec::app {
namespace {

struct GlobalOptions {
  bool quiet = false;
  std::string log_level = "info";
};

void AddCommonFlags(CLI::App* cmd, GlobalOptions& g) {
  cmd->add_flag("-q,--quiet", g.quiet, "Only print results and errors");
  cmd->add_option("--log-level", g.log_level, "trace|debug|info|warn|error|off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  cmd->set_version_flag("--version", std::string("iorec ") + IOREC_VERSION);
}

void SetupLogging(const GlobalOptions& g) {
  auto logger = spdlog::stderr_color_mt("iorec");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[iorec] %^%l%$: %v");
  spdlog::set_level(g.quiet ? spdlog::level::warn : spdlog::level::from_str(g.log_level));
}

/// The stub's truth, for `oracle_mode: heldout`.
class StubOracle final : public loop::Oracle {
 public:
  StubOracle(const runner::StubTestbed& tb, const config::StudyConfig& cfg) : tb_(tb) {
    for (uint32_t w = 0; w < tb.num_workloads(); ++w) {
      best_.push_back(
          tb.FindOptimum(w, cfg.active.oracle_enum_threshold, cfg.active.oracle_sampled).perf);
    }
  }
  double TruePerf(uint32_t w, const space::Config& c) const override { return tb_.TruePerf(w, c); }
  double BestPerf(uint32_t w) const override { return best_[w]; }

 private:
  const runner::StubTestbed& tb_;
  std::vector<double> best_;
};

int RunCommand(const std::string& config_path, const std::string& out_dir, const GlobalOptions& g) {
  const auto t0 = std::chrono::steady_clock::now();
  const config::StudyConfig cfg = config::LoadStudyConfig(config_path);
  const space::WorkloadSet ws = config::LoadWorkloads(cfg);
  spdlog::info("config {}: {} knobs, space of {} configs, {} workloads, runner {}", config_path,
               cfg.space.num_knobs(), cfg.space.Size(), ws.size(), config::ToString(cfg.runner.mode));

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || ::access(out_dir.c_str(), W_OK) != 0) {
    throw core::InputError(out_dir + ": output directory is not writable" +
                           (ec ? ": " + ec.message() : ""));
  }

  runner::StubTestbed stub(cfg.space, ws, cfg.seed, cfg.runner.noise_std);
  runner::SerialExecutor executor(stub);
  std::unique_ptr<StubOracle> oracle;
  if (cfg.active.oracle_mode == config::OracleMode::kHeldout) {
    oracle = std::make_unique<StubOracle>(stub, cfg);
  }

  ProgressObserver progress(::isatty(STDERR_FILENO) != 0, g.quiet);
  std::vector<loop::LoopObserver*> observers = {&progress};
  const auto t_study = std::chrono::steady_clock::now();
  loop::StudyResult res = loop::RunStudy(cfg, ws, executor, oracle.get(), observers);
  const auto t_write = std::chrono::steady_clock::now();
  for (const auto& w : report::WriteStudyOutputs(out_dir, cfg, ws, res)) spdlog::warn("{}", w);
  const auto t_end = std::chrono::steady_clock::now();

  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  nlohmann::ordered_json timing;
  timing["setup_s"] = secs(t0, t_study);
  timing["study_s"] = secs(t_study, t_write);
  timing["write_outputs_s"] = secs(t_write, t_end);
  timing["total_s"] = secs(t0, t_end);
  double trial_wall = 0.0;
  for (const auto& o : res.observations) trial_wall += o.wall_seconds;
  timing["sum_trial_wall_s"] = trial_wall;
  core::WriteFileAtomic(fs::path(out_dir) / "timing.json", timing.dump(2) + "\n");

  const auto& last = res.history.back();
  std::printf("study finished: %zu trials (%d iterations, %s)\n", res.observations.size(),
              res.iterations_run, res.stop_reason.c_str());
  std::printf("  regret@3 %.4f  hit@3 %.3f  ndcg@3 %.3f  mean best gain %+.1f%%\n",
              last.regret_at_3, last.hit_at_3, last.ndcg_at_3, 100.0 * last.best_gain_so_far);
  std::printf("  outputs in %s (summary.json, recommendation_matrix.json, observations.csv, "
              "model/, plots/)\n", out_dir.c_str());
  return core::kExitOk;
}

int WarmstartCommand(const std::string& config_path, const std::string& format) {
  const config::StudyConfig cfg = config::LoadStudyConfig(config_path);
  core::Rng rng(cfg.seed, "warm_start");
  const auto ws = sampling::BuildWarmStart(cfg.space, cfg.baseline,
                                           static_cast<size_t>(cfg.warm_start.target_size), rng);
  if (format == "json") {
    nlohmann::ordered_json j;
    j["size"] = ws.configs.size();
    j["anchors"] = ws.num_anchors;
    j["coverage"] = {{"covered", ws.coverage.covered},
                     {"total", ws.coverage.total},
                     {"percent", ws.coverage.percent()}};
    for (size_t i = 0; i < ws.configs.size(); ++i) {
      j["configs"].push_back({{"index", i},
                              {"kind", i < ws.num_anchors ? "anchor" : "pairwise"},
                              {"config", report::ConfigJson(cfg.space, ws.configs[i])}});
    }
    std::cout << j.dump(2) << "\n";
  } else {
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
    std::fprintf(stderr, "pairwise coverage: %llu/%llu pairs (%.2f%%) with %zu configs (%zu anchors)\n",
                 static_cast<unsigned long long>(ws.coverage.covered),
                 static_cast<unsigned long long>(ws.coverage.total), ws.coverage.percent(),
                 ws.configs.size(), ws.num_anchors);
  }
  return core::kExitOk;
}

int RecommendCommand(const std::string& model_dir, const std::string& workload_file, int top_k,
                     bool json) {
  report::ModelBundle b = report::LoadModelBundle(model_dir);
  if (top_k > 0) b.params.return_top_k = top_k;
  const space::Workload w =
      config::LoadWorkloadFile(workload_file, b.known.feature_names, b.feature_prefix);
  deploy::Recommender rec(b.space, b.known, b.matrix, *b.model, b.baseline, b.params);
  const auto r = rec.Recommend(w.features);
  if (json) {
    nlohmann::ordered_json j;
    j["workload"] = w.id;
    j["exact_match"] = r.exact_match;
    for (const auto& n : r.neighbors) j["neighbors"].push_back({{"workload", n.workload_id}, {"distance", n.distance}});
    int rank = 1;
    for (const auto& c : r.configs) {
      j["recommendations"].push_back({{"rank", rank++},
                                      {"config", report::ConfigJson(b.space, c.config)},
                                      {"predicted_score", c.predicted_gain},
                                      {"predicted_std", c.predicted_std},
                                      {"measured", c.measured},
                                      {"source", c.source}});
    }
    j["warnings"] = r.warnings;
    std::cout << j.dump(2) << "\n";
    return core::kExitOk;
  }
  std::printf("workload %s%s\n", w.id.c_str(), r.exact_match ? " (known workload)" : "");
  std::printf("nearest workloads:");
  for (const auto& n : r.neighbors) std::printf(" %s (%.3f)", n.workload_id.c_str(), n.distance);
  std::printf("\n");
  int rank = 1;
  for (const auto& c : r.configs) {
    std::printf("#%d  %s\n    score %.4f ± %.4f  [%s]\n", rank++, b.space.Describe(c.config).c_str(),
                c.predicted_gain, c.predicted_std, c.source.c_str());
  }
  for (const auto& warn : r.warnings) std::printf("warning: %s\n", warn.c_str());
  return core::kExitOk;
}

/// libgomp reads OMP_WAIT_POLICY when it loads, before main; re-exec once with it set so
/// XGBoost's idle threads sleep instead of spinning on a busy machine.
void EnsurePassiveOpenMp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "passive", 1);
  ::execv("/proc/self/exe", argv);
  // If re-exec fails we simply continue; only idle-thread behaviour differs.
}

}  // namespace
}  // namespace iorec::app

int main(int argc, char** argv) {
  using namespace iorec;
  app::EnsurePassiveOpenMp(argv);

  CLI::App cli{"iorec: recommends Lustre and MPI-IO settings for HPC applications"};
  cli.require_subcommand(1);
  app::GlobalOptions g;
  cli.set_version_flag("--version", std::string("iorec ") + IOREC_VERSION);

  std::string config_path, out_dir, format = "csv", model_dir, workload_file;
  int top_k = 0;
  bool json = false;

  auto* run = cli.add_subcommand("run", "Run a whole study: warm start, active learning, model, reports");
  run->add_option("-c,--config", config_path, "Study config (YAML)")->required();
  run->add_option("-o,--output-dir", out_dir, "Output directory")->required();
  app::AddCommonFlags(run, g);

  auto* warm = cli.add_subcommand("warmstart", "Print the warm-start set and its pairwise coverage");
  warm->add_option("-c,--config", config_path, "Study config (YAML)")->required();
  warm->add_option("--format", format, "csv|json")->check(CLI::IsMember({"csv", "json"}));
  app::AddCommonFlags(warm, g);

  auto* recommend = cli.add_subcommand("recommend", "Recommend settings for a workload from a trained model");
  recommend->add_option("-m,--model", model_dir, "Model directory (<output-dir>/model)")->required();
  recommend->add_option("-w,--workload", workload_file, "Workload feature file (JSON)")->required();
  recommend->add_option("-k,--top-k", top_k, "How many configs to return (default: the model's)")
      ->check(CLI::PositiveNumber);
  recommend->add_flag("--json", json, "Print JSON");
  app::AddCommonFlags(recommend, g);

  app::AddFeaturesCommand(cli);

  // Subcommands registered with callbacks (features) run inside parse(), so parse and
  // dispatch share one error boundary.
  try {
    cli.parse(argc, argv);
    app::SetupLogging(g);
    if (*run) return app::RunCommand(config_path, out_dir, g);
    if (*warm) return app::WarmstartCommand(config_path, format);
    if (*recommend) return app::RecommendCommand(model_dir, workload_file, top_k, json);
    return core::kExitOk;
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);
    return rc == 0 ? 0 : core::kExitBadInput;
  } catch (const core::InputError& e) {
    std::fprintf(stderr, "iorec: error: %s\n", e.what());
    return core::kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "iorec: error: %s\n", e.what());
    return core::kExitFailure;
  }
}
