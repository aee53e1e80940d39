// `iorec run`: a whole study, recorded trial by trial in <output-dir>/study.db so that
// re-running the same command after a crash resumes it. With runner.executor: external it
// runs no trial itself: it creates or advances the study and stops where trials wait for
// an external driver's results (`iorec ask`, `iorec tell`).
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "drive.hpp"
#include "input.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/store/import.hpp"
#include "iorec/store/recorder.hpp"
#include "iorec/store/session.hpp"
#include "progress.hpp"
#include "testbed.hpp"

namespace fs = std::filesystem;

namespace iorec::app {
namespace {

struct RunOptions {
  std::string config_path;
  std::string out_dir;
  bool restart = false;
  bool allow_other_files = false;
};

/// What `iorec run` loads and checks before it writes anything.
struct RunInputs {
  config::StudyConfig cfg;
  space::WorkloadSet ws;
  std::string canonical;           ///< the config's canonical text, which identifies the study
  std::filesystem::path recorded;  ///< the config's path as the study records it
};

RunInputs LoadRunInputs(const RunOptions& opt) {
  ConfigInput config_in = LoadConfigArg(opt.config_path);
  RunInputs in;
  in.cfg = std::move(config_in.config);
  in.ws = config::LoadWorkloads(in.cfg);
  in.canonical = config::CanonicalYaml(config_in.text, in.cfg.source_path);
  in.recorded = config_in.recorded_path;
  spdlog::info("config {}: {} knobs, space of {} configs, {} workloads, runner {}",
               InputName(opt.config_path), in.cfg.space.num_knobs(), in.cfg.space.Size(),
               in.ws.size(), config::ToString(in.cfg.runner.mode));
  return in;
}

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// timing.json: wall times, kept apart from the outputs that are byte-identical per seed.
void WriteTiming(const fs::path& dir, const std::vector<std::chrono::steady_clock::time_point>& t,
                 const loop::StudyResult& res, const store::StoreExecutor& executor,
                 const store::StoreObserver& recorder) {
  nlohmann::ordered_json timing;
  timing["setup_s"] = Seconds(t[0], t[1]);
  timing["study_s"] = Seconds(t[1], t[2]);
  timing["write_outputs_s"] = Seconds(t[2], t[3]);
  timing["total_s"] = Seconds(t[0], t[3]);
  double trial_wall = 0.0;
  for (const auto& trial : res.state.trials()) trial_wall += trial.wall_seconds;
  timing["sum_trial_wall_s"] = trial_wall;
  timing["store_s"] = executor.store_seconds() + recorder.store_seconds();
  timing["trials_run"] = executor.ran();
  timing["trials_from_store"] = executor.replayed();
  core::WriteFileAtomic(dir / "timing.json", timing.dump(2) + "\n");
}

void PrintFinished(const RunOptions& opt, const config::StudyConfig& cfg,
                   const loop::StudyResult& res, const store::RunSession& session,
                   const store::StoreExecutor& executor) {
  const auto& last = res.history.back();
  std::printf("study finished: %zu trials, %d iterations (%s)\n", res.state.trials().size(),
              res.iterations_run(), res.stop_reason.c_str());
  if (session.resuming) {
    std::printf("  resumed: %zu trials from %s, %zu run now\n", executor.replayed(),
                session.db->path().c_str(), executor.ran());
  }
  std::printf("  regret@3 %.4f  hit@3 %.3f  ndcg@3 %.3f  mean best gain %+.1f%%  (%s)\n",
              last.regret_at_3, last.hit_at_3, last.ndcg_at_3, 100.0 * last.best_gain_so_far,
              last.against_truth ? "against the true optimum"
                                 : "regret and hit against the best warm-start result: 0 and 1 "
                                   "by construction");
  std::string files = "study.db summary.json report.html";
  if (cfg.reporting.write_markdown_summary) files += " summary.md";
  files += " recommendation_matrix.json observations.csv model/";
  if (cfg.reporting.plots) files += " plots/";
  std::printf("  outputs in %s: %s\n", opt.out_dir.c_str(), files.c_str());
}

void RunStudyCommand(const RunOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  std::vector<std::chrono::steady_clock::time_point> t = {std::chrono::steady_clock::now()};
  // Validate everything before writing anything. The testbed checks what it can too (the
  // real runner: whether its Lustre knobs can take effect).
  const RunInputs in = LoadRunInputs(opt);
  const config::StudyConfig& cfg = in.cfg;
  Testbed tb = MakeTestbed(cfg, in.ws, opt.out_dir);
  store::RunSession session =
      store::OpenForRun(opt.out_dir, store::DescribeStudy(cfg, in.canonical, in.recorded), in.ws,
                        opt.restart, opt.allow_other_files);
  if (!session.moved_to.empty()) {
    spdlog::info("--restart: moved the previous study to {}", session.moved_to.string());
  }
  if (session.resuming) spdlog::info("resuming the study in {}", session.db->path().string());

  const store::FaultPlan faults = store::FaultPlan::FromEnv();
  auto executor = tb.executor ? std::make_unique<store::StoreExecutor>(*session.db, cfg.space,
                                                                       tb.executor.get(), faults)
                              : std::make_unique<store::StoreExecutor>(
                                    *session.db, cfg.space, store::Unfinished::kLeavePending);
  store::StoreObserver recorder(*session.db, faults);
  ProgressObserver progress(LiveProgressOnStderr(), g.quiet);
  if (tb.executor) {
    tb.executor->SetProgress(
        [&progress](const runner::BatchProgress& p) { progress.OnBatchProgress(p); });
  }
  t.push_back(std::chrono::steady_clock::now());
  // Runs brought in with `iorec import` enter where they were imported (store/import.hpp).
  const DriveResult d = DriveStudy(cfg, in.ws, *executor, tb.oracle.get(), {&recorder, &progress},
                                   store::ToImportedTrials(session.db->Imported()));
  if (!d.result) {
    std::printf(
        "study waiting: %zu trial(s) pending for an external driver (runner.executor: "
        "external). List them with `iorec ask %s --json`, report each result with `iorec tell "
        "%s TRIAL_ID VALUE` (or --failed REASON).\n",
        d.pending.size(), opt.out_dir.c_str(), opt.out_dir.c_str());
    return;
  }
  const loop::StudyResult& res = *d.result;
  t.push_back(std::chrono::steady_clock::now());
  WriteFinishedStudy(opt.out_dir, cfg, res, *session.db, faults);
  t.push_back(std::chrono::steady_clock::now());
  WriteTiming(opt.out_dir, t, res, *executor, recorder);
  PrintFinished(opt, cfg, res, session, *executor);
  if (!res.workloads_without_runs.empty()) {
    throw core::Error(res.stop_reason + "; the outputs for the other workloads are in " +
                      opt.out_dir);
  }
}

}  // namespace

void AddRunCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<RunOptions>();
  auto* cmd = root.add_subcommand(
      "run", "Run a study: warm start, active learning, model, reports (run it again to resume)");
  cmd->add_option("-c,--config", opt->config_path,
                  "Study config (YAML, as examples/config.yaml); - reads standard input, and "
                  "relative paths in it then resolve against the working directory")
      ->type_name("FILE")
      ->required();
  cmd->add_option("-o,--output-dir", opt->out_dir,
                  "Where the study goes: study.db, reports, model/, plots/ (created if missing; "
                  "a study already there is resumed)")
      ->type_name("DIR")
      ->required();
  cmd->add_flag("--restart", opt->restart,
                "Move the study already in --output-dir (only the files iorec wrote) to "
                "previous-<time>/ (nothing is deleted) and start over");
  cmd->add_flag("--allow-other-files", opt->allow_other_files,
                "Start or restart a study in an --output-dir that also holds files iorec did "
                "not write (refused otherwise); they are left where they are");
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] { RunStudyCommand(*opt, g); });
}

}  // namespace iorec::app
