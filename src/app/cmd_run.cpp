// `iorec run`: a whole study.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/report/study_outputs.hpp"
#include "progress.hpp"
#include "testbed.hpp"

namespace fs = std::filesystem;

namespace iorec::app {
namespace {

struct RunOptions {
  std::string config_path;
  std::string out_dir;
};

void RunStudyCommand(const RunOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  const auto t0 = std::chrono::steady_clock::now();
  // Validate everything before writing anything.
  const config::StudyConfig cfg = config::LoadStudyConfig(opt.config_path);
  const space::WorkloadSet ws = config::LoadWorkloads(cfg);
  spdlog::info("config {}: {} knobs, space of {} configs, {} workloads, runner {}",
               opt.config_path, cfg.space.num_knobs(), cfg.space.Size(), ws.size(),
               config::ToString(cfg.runner.mode));

  std::error_code ec;
  fs::create_directories(opt.out_dir, ec);
  if (ec || ::access(opt.out_dir.c_str(), W_OK) != 0) {
    throw core::InputError(opt.out_dir + ": output directory is not writable" +
                           (ec ? ": " + ec.message() : ""));
  }
  Testbed tb = MakeTestbed(cfg, ws, opt.out_dir);

  ProgressObserver progress(::isatty(STDERR_FILENO) != 0, g.quiet);
  std::vector<loop::LoopObserver*> observers = {&progress};
  const auto t_study = std::chrono::steady_clock::now();
  const loop::Oracle* oracle =
      cfg.active.oracle_mode == config::OracleMode::kHeldout ? tb.oracle.get() : nullptr;
  loop::StudyResult res = loop::RunStudy(cfg, ws, *tb.executor, oracle, observers);
  const auto t_write = std::chrono::steady_clock::now();
  for (const auto& w : report::WriteStudyOutputs(opt.out_dir, cfg, ws, res)) spdlog::warn("{}", w);
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
  core::WriteFileAtomic(fs::path(opt.out_dir) / "timing.json", timing.dump(2) + "\n");

  const auto& last = res.history.back();
  std::printf("study finished: %zu trials, %d iterations (%s)\n", res.observations.size(),
              res.iterations_run, res.stop_reason.c_str());
  std::printf("  regret@3 %.4f  hit@3 %.3f  ndcg@3 %.3f  mean best gain %+.1f%%  (oracle: %s)\n",
              last.regret_at_3, last.hit_at_3, last.ndcg_at_3, 100.0 * last.best_gain_so_far,
              config::ToString(cfg.active.oracle_mode));
  std::printf("  outputs in %s: summary.json recommendation_matrix.json observations.csv model/ "
              "plots/\n",
              opt.out_dir.c_str());
}

}  // namespace

void AddRunCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<RunOptions>();
  auto* cmd = root.add_subcommand("run", "Run a whole study: warm start, active learning, model, reports");
  cmd->add_option("-c,--config", opt->config_path, "Study config (YAML)")->required();
  cmd->add_option("-o,--output-dir", opt->out_dir, "Output directory")->required();
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] { RunStudyCommand(*opt, g); });
}

}  // namespace iorec::app
