// `iorec run`: a whole study, recorded trial by trial in <output-dir>/study.db so that
// re-running the same command after a crash resumes it.
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "input.hpp"
#include "iorec/config/study_config.hpp"
#include "iorec/core/error.hpp"
#include "iorec/core/file_io.hpp"
#include "iorec/loop/study.hpp"
#include "iorec/report/study_outputs.hpp"
#include "iorec/store/recorder.hpp"
#include "iorec/store/sqlite_store.hpp"
#include "progress.hpp"
#include "testbed.hpp"

namespace fs = std::filesystem;

namespace iorec::app {
namespace {

struct RunOptions {
  std::string config_path;
  std::string out_dir;
  bool restart = false;
};

/// Moves everything in `dir` (but the lock file and earlier previous-* directories) into
/// `dir/previous-<UTC time>/`. Never deletes anything. Returns the new directory.
fs::path MoveStudyAside(const fs::path& dir) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  fs::path dest = dir / (std::string("previous-") + stamp);
  for (int i = 2; fs::exists(dest); ++i) {
    dest = dir / (std::string("previous-") + stamp + "-" + std::to_string(i));
  }
  std::error_code ec;
  fs::create_directory(dest, ec);
  if (ec) throw core::InputError(dest.string() + ": cannot create: " + ec.message());
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == ".lock" || name.rfind("previous-", 0) == 0) continue;
    fs::rename(entry.path(), dest / name, ec);
    if (ec) {
      throw core::Error(entry.path().string() + ": cannot move to " + dest.string() + ": " +
                        ec.message());
    }
  }
  return dest;
}

/// Names the workloads that differ between the study database and the config's.
std::vector<std::string> WorkloadDifferences(const space::WorkloadSet& stored,
                                             const space::WorkloadSet& now) {
  std::vector<std::string> out;
  if (stored.feature_names != now.feature_names) out.push_back("the feature names differ");
  if (stored.size() != now.size()) {
    out.push_back("the study has " + std::to_string(stored.size()) + " workloads, the config " +
                  std::to_string(now.size()));
  }
  for (size_t w = 0; w < std::min(stored.size(), now.size()); ++w) {
    const auto& a = stored.workloads[w];
    const auto& b = now.workloads[w];
    if (a.id != b.id) {
      out.push_back("workload " + std::to_string(w) + " was " + a.id + ", now " + b.id);
    } else if (a.features != b.features) {
      out.push_back("workload " + a.id + ": its features changed");
    }
    if (out.size() >= 10) break;
  }
  return out;
}

void RunStudyCommand(const RunOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  const auto t0 = std::chrono::steady_clock::now();
  // Validate everything before writing anything.
  const ConfigInput config_in = LoadConfigArg(opt.config_path);
  const config::StudyConfig& cfg = config_in.config;
  const space::WorkloadSet ws = config::LoadWorkloads(cfg);
  const std::string canonical = config::CanonicalYaml(config_in.text, cfg.source_path);
  const std::string hash = config::ConfigHash(canonical);
  spdlog::info("config {}: {} knobs, space of {} configs, {} workloads, runner {}",
               InputName(opt.config_path), cfg.space.num_knobs(), cfg.space.Size(), ws.size(),
               config::ToString(cfg.runner.mode));
  // The testbed checks what it can before anything is written (the real runner: whether
  // its Lustre knobs can take effect).
  Testbed tb = MakeTestbed(cfg, ws, opt.out_dir);

  std::error_code ec;
  fs::create_directories(opt.out_dir, ec);
  if (ec || ::access(opt.out_dir.c_str(), W_OK) != 0) {
    throw core::InputError(opt.out_dir +
                           (ec ? ": cannot create the output directory: " + ec.message()
                               : ": the output directory is not writable"));
  }
  const fs::path out_dir(opt.out_dir);
  const store::DirLock lock = store::DirLock::Acquire(out_dir);
  const fs::path db_path = out_dir / store::kStudyDbName;

  if (opt.restart && fs::exists(db_path)) {
    const fs::path moved = MoveStudyAside(out_dir);
    spdlog::info("--restart: moved the previous study to {}", moved.string());
  }

  std::unique_ptr<store::SqliteStore> db;
  bool resuming = false;
  if (fs::exists(db_path)) {
    // Check through a read-only handle first: a refused study is left exactly as it was
    // (a read-write handle would checkpoint the WAL into study.db when it closes).
    db = store::SqliteStore::Open(db_path, store::SqliteStore::Mode::kReadOnly);
    if (const auto info = db->Study()) {
      if (info->config_hash != hash || info->config_yaml != canonical) {
        std::vector<std::string> problems = {
            db_path.string() + ": this study was started with a different config (" +
            info->config_path + ", hash " + info->config_hash + "; now " +
            InputName(opt.config_path) + ", hash " + hash +
            "). Use --restart to move the old study aside and start "
            "over, or another --output-dir. Changed keys:"};
        for (auto& d : config::DiffCanonicalYaml(info->config_yaml, canonical)) {
          problems.push_back(std::move(d));
        }
        throw core::InputError(problems);
      }
      const auto diffs = WorkloadDifferences(db->Workloads(), ws);
      if (!diffs.empty()) {
        std::vector<std::string> problems = {
            db_path.string() +
            ": the workloads changed since this study started; use "
            "--restart to start over:"};
        problems.insert(problems.end(), diffs.begin(), diffs.end());
        throw core::InputError(problems);
      }
      resuming = true;
    }
    db.reset();
    db = store::SqliteStore::Open(db_path, store::SqliteStore::Mode::kReadWrite,
                                  /*quick_check=*/false);
  } else {
    db = store::SqliteStore::Create(db_path);
  }
  if (!resuming) {
    store::StudyInfo info;
    info.config_yaml = canonical;
    info.config_hash = hash;
    info.config_path = config_in.recorded_path.string();
    info.seed = cfg.seed;
    info.iorec_version = IOREC_VERSION;
    info.runner = config::ToString(cfg.runner.mode);
    for (const auto& k : cfg.space.knobs()) {
      info.knob_names.push_back(k.name);
      std::vector<std::string> values;
      for (const auto& v : k.values) values.push_back(v.text());
      info.knob_values.push_back(std::move(values));
    }
    info.created_at = info.updated_at = store::NowSeconds();
    info.phase = "created";
    db->CreateStudy(info, ws);
  } else {
    spdlog::info("resuming the study in {}", db_path.string());
  }

  const store::FaultPlan faults = store::FaultPlan::FromEnv();
  store::StoreExecutor executor(*db, cfg.space, tb.executor.get(), faults);
  store::StoreObserver recorder(*db, faults);

  ProgressObserver progress(LiveProgressOnStderr(), g.quiet);
  tb.executor->SetProgress(
      [&progress](const runner::BatchProgress& p) { progress.OnBatchProgress(p); });
  std::vector<loop::LoopObserver*> observers = {&recorder, &progress};
  const auto t_study = std::chrono::steady_clock::now();
  const loop::Oracle* oracle =
      cfg.active.oracle_mode == config::OracleMode::kHeldout ? tb.oracle.get() : nullptr;
  loop::StudyResult res = loop::RunStudy(cfg, ws, executor, oracle, observers);
  const auto t_write = std::chrono::steady_clock::now();
  db->SetPhase("write", store::NowSeconds());
  for (const auto& w : report::WriteStudyOutputs(opt.out_dir, cfg, res)) spdlog::warn("{}", w);
  faults.MaybeExitAtPhase("write");
  db->SetPhase("complete", store::NowSeconds());
  const auto t_end = std::chrono::steady_clock::now();

  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  nlohmann::ordered_json timing;
  timing["setup_s"] = secs(t0, t_study);
  timing["study_s"] = secs(t_study, t_write);
  timing["write_outputs_s"] = secs(t_write, t_end);
  timing["total_s"] = secs(t0, t_end);
  double trial_wall = 0.0;
  for (const auto& t : res.state.trials()) trial_wall += t.wall_seconds;
  timing["sum_trial_wall_s"] = trial_wall;
  timing["store_s"] = executor.store_seconds() + recorder.store_seconds();
  timing["trials_run"] = executor.ran();
  timing["trials_from_store"] = executor.replayed();
  core::WriteFileAtomic(out_dir / "timing.json", timing.dump(2) + "\n");

  const auto& last = res.history.back();
  std::printf("study finished: %zu trials, %d iterations (%s)\n", res.state.trials().size(),
              res.iterations_run(), res.stop_reason.c_str());
  if (resuming) {
    std::printf("  resumed: %zu trials from %s, %zu run now\n", executor.replayed(),
                db_path.c_str(), executor.ran());
  }
  std::printf("  regret@3 %.4f  hit@3 %.3f  ndcg@3 %.3f  mean best gain %+.1f%%  (oracle: %s)\n",
              last.regret_at_3, last.hit_at_3, last.ndcg_at_3, 100.0 * last.best_gain_so_far,
              config::ToString(cfg.active.oracle_mode));
  std::printf(
      "  outputs in %s: study.db summary.json recommendation_matrix.json "
      "observations.csv model/ plots/\n",
      opt.out_dir.c_str());
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
                "Move the study already in --output-dir to previous-<time>/ (nothing is "
                "deleted) and start over");
  AddCommonFlags(cmd, g);
  cmd->callback([opt, &g] { RunStudyCommand(*opt, g); });
}

}  // namespace iorec::app
