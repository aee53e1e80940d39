// `iorec onboard DIR (--workload W.json... | --darshan LOG...) --budget N`: adds new workloads
// to a finished study and runs N trials on each (its baseline, the zero-shot picks, then
// transfer-seeded active learning: deploy::Onboarding) on the study's own testbed, one trial
// per workload per round, each round a batch on the study's executor. Every trial is stored
// in study.db as it ends; running the same command again resumes (the trials in flight run
// again), a larger --budget extends. With runner.executor: external it registers the
// workloads and `iorec ask` / `iorec tell` drive the trials.
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>

#include "commands.hpp"
#include "drive.hpp"
#include "input.hpp"
#include "iorec/core/error.hpp"
#include "iorec/store/recorder.hpp"
#include "iorec/store/sqlite_store.hpp"
#include "onboarding.hpp"
#include "testbed.hpp"

namespace fs = std::filesystem;

namespace iorec::app {
namespace {

struct OnboardOptions {
  std::string dir;
  std::vector<std::string> workload_files;
  std::vector<std::string> darshan_logs;
  std::string module = "auto";
  int budget = 0;
  bool json = false;
};

/// The workloads named on the command line, in the study's feature order. A workload file's
/// path is kept absolute (the command runner hands it to trials); standard input and Darshan
/// logs have none (the runner writes the features out).
std::vector<space::Workload> LoadNewWorkloads(const OnboardOptions& opt,
                                              const std::vector<std::string>& feature_names,
                                              const std::string& feature_prefix) {
  std::vector<space::Workload> out;
  for (const auto& f : opt.workload_files) {
    space::Workload w = LoadWorkloadArg(f, feature_names, feature_prefix);
    w.source_file = IsStdinArg(f) ? "" : fs::absolute(f).lexically_normal().string();
    out.push_back(std::move(w));
  }
  for (const auto& log : opt.darshan_logs) {
    space::Workload w = DarshanWorkloadArg(log, opt.module, feature_names, nullptr);
    w.attributes["darshan_log"] = InputName(log);
    w.source_file.clear();
    out.push_back(std::move(w));
  }
  return out;
}

/// The onboarding records after this command: the already onboarded workloads named again
/// get budget max(old, N); the others are appended. Throws InputError (nothing written) for
/// a name used twice, a study workload's name, or an onboarded name with other features.
std::vector<store::OnboardWorkloadRecord> Register(const std::vector<space::Workload>& fresh,
                                                   const space::WorkloadSet& study,
                                                   const std::vector<OnboardedWorkload>& onboarded,
                                                   int budget, const std::string& dir) {
  std::vector<store::OnboardWorkloadRecord> out;
  std::set<std::string> seen;
  for (const auto& w : fresh) {
    const std::string from = w.source_file.empty() ? w.id : w.source_file;
    if (!seen.insert(w.id).second)
      throw core::InputError(from + ": workload '" + w.id + "' is named twice");
    for (const auto& s : study.workloads) {
      if (s.id == w.id)
        throw core::InputError(from + ": workload '" + w.id + "' is one of the study's own " +
                               "workloads in " + dir +
                               "; rename it (its file's name) to onboard it");
    }
    const store::OnboardWorkloadRecord* old = nullptr;
    for (const auto& o : onboarded) {
      if (o.record.workload.id == w.id) old = &o.record;
    }
    if (old != nullptr && MatchOnboarded({OnboardedWorkload{*old, {}}}, w) == nullptr) {
      throw core::InputError(from + ": workload '" + w.id + "' was onboarded in " + dir +
                             " with other features; rename it to onboard it as a new workload");
    }
    store::OnboardWorkloadRecord r;
    r.idx = old ? old->idx : static_cast<uint32_t>(onboarded.size() + out.size());
    r.workload = old ? old->workload : w;
    r.budget = old ? std::max(old->budget, budget) : budget;
    r.added_at = old ? old->added_at : store::NowSeconds();
    out.push_back(std::move(r));
  }
  return out;
}

/// Runs the trials of onboarding rounds on an executor and stores each as it ends.
class RoundRunner {
 public:
  /// `unit` follows each metric in the progress lines ("" for none).
  RoundRunner(store::Store& db, runner::Executor& executor, const space::WorkloadSet& all,
              size_t study_workloads, state::Direction direction, std::string unit, bool quiet)
      : db_(db),
        executor_(executor),
        all_(all),
        study_workloads_(study_workloads),
        direction_(direction),
        unit_(unit.empty() ? "" : " " + unit),
        quiet_(quiet),
        faults_(store::FaultPlan::FromEnv()) {}

  void Run(const std::vector<store::OnboardTrialRecord>& round, int number);

 private:
  runner::TrialRequest RequestOf(const store::OnboardTrialRecord& t) const;
  void Commit(const store::OnboardTrialRecord& t, const runner::TrialOutcome& o);

  store::Store& db_;
  runner::Executor& executor_;
  const space::WorkloadSet& all_;
  size_t study_workloads_;
  state::Direction direction_;
  std::string unit_;
  bool quiet_;
  store::FaultPlan faults_;
  size_t committed_ = 0;
};

runner::TrialRequest RoundRunner::RequestOf(const store::OnboardTrialRecord& t) const {
  runner::TrialRequest r;
  r.workload_index = static_cast<uint32_t>(study_workloads_ + t.run.workload);
  r.workload = &all_.workloads.at(r.workload_index);
  r.config = space::Config(t.run.levels);
  r.source = t.run.source;
  r.iteration = t.run.iteration;
  r.trial_id = t.run.trial_id;
  return r;
}

void RoundRunner::Commit(const store::OnboardTrialRecord& t, const runner::TrialOutcome& o) {
  store::TrialRecord r = t.run;
  r.ok = o.ok;
  r.value = o.ok ? o.value : std::nan("");
  r.failure_reason = o.ok ? "" : o.failure_reason;
  std::string why;
  if (o.ok && !state::PerfFromMetric(o.value, direction_, &why)) {
    r.ok = false;
    r.failure_reason = why;
  }
  r.status = r.ok ? store::TrialStatus::kDone : store::TrialStatus::kFailed;
  r.wall_seconds = o.wall_seconds;
  r.stdout_tail = o.stdout_tail;
  r.stderr_tail = o.stderr_tail;
  r.trial_dir = o.trial_dir;
  r.attempts = o.attempts;
  r.ended_at = store::NowSeconds();
  db_.CommitOnboardTrial(r);
  if (!quiet_) {
    const std::string& id = all_.workloads.at(study_workloads_ + r.workload).id;
    if (r.ok) {
      std::fprintf(stderr, "iorec: onboard %s: trial %llu (%s) %.6g%s\n", id.c_str(),
                   static_cast<unsigned long long>(r.trial_id), t.pick.c_str(), r.value,
                   unit_.c_str());
    } else {
      std::fprintf(stderr, "iorec: onboard %s: trial %llu (%s) failed: %s\n", id.c_str(),
                   static_cast<unsigned long long>(r.trial_id), t.pick.c_str(),
                   r.failure_reason.c_str());
    }
  }
}

void RoundRunner::Run(const std::vector<store::OnboardTrialRecord>& round, int number) {
  if (!quiet_)
    std::fprintf(stderr, "iorec: onboard round %d: %zu trial(s)\n", number, round.size());
  std::vector<runner::TrialRequest> requests;
  std::vector<uint64_t> ids;
  for (const auto& t : round) {
    requests.push_back(RequestOf(t));
    ids.push_back(t.run.trial_id);
  }
  db_.MarkOnboardRunning(ids, store::NowSeconds());
  faults_.MaybeExitAfterTrials(committed_);
  std::mutex mu;  // executors may report finished trials from several threads
  std::vector<bool> done(round.size(), false);
  auto on_done = [&](size_t i, const runner::TrialOutcome& o) {
    const std::lock_guard<std::mutex> guard(mu);
    if (o.interrupted) return;  // not a result: re-run on resume
    Commit(round[i], o);
    done[i] = true;
    faults_.MaybeExitAfterTrials(++committed_);
  };
  try {
    executor_.RunBatch(requests, on_done);
  } catch (const runner::Interrupted&) {
    const std::lock_guard<std::mutex> guard(mu);
    for (size_t i = 0; i < round.size(); ++i) {
      if (done[i]) continue;
      store::TrialRecord r = round[i].run;
      r.status = store::TrialStatus::kPending;
      r.failure_reason = "interrupted";
      db_.CommitOnboardTrial(r);
    }
    throw;
  }
}

void PrintOutcomes(const config::StudyConfig& cfg, const std::vector<report::OnboardedRow>& rows,
                   const std::set<std::string>& named, bool json) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& row : rows) {
    if (!named.count(row.workload)) continue;
    if (json) {
      out.push_back(report::OnboardedJson(cfg.space, row));
    } else {
      for (const auto& line : OnboardedLines(cfg.space, row)) std::printf("%s\n", line.c_str());
    }
  }
  if (json) std::cout << out.dump(2) << "\n";
}

/// What the command checked before writing anything.
struct OnboardInputs {
  config::StudyConfig cfg;
  space::WorkloadSet study;
  std::vector<store::OnboardWorkloadRecord> records;
  std::set<std::string> named;
};

OnboardInputs CheckInputs(const OnboardOptions& opt, store::SqliteStore& ro) {
  OnboardInputs in;
  const auto info = ro.Study();
  if (!info) throw core::InputError(ro.path().string() + ": the study was never started");
  in.cfg = config::ParseStudyConfig(info->config_yaml, info->config_path);
  if (info->phase != "complete") {
    throw core::InputError(opt.dir + ": the study has not finished (phase " + info->phase +
                           "); finish it first (`iorec run`, or `iorec ask`/`iorec tell`), then "
                           "onboard new workloads");
  }
  in.study = ro.Workloads();
  const deploy::ModelBundle bundle = deploy::LoadModelBundle(fs::path(opt.dir) / "model");
  const auto fresh = LoadNewWorkloads(opt, in.study.feature_names, bundle.feature_prefix);
  in.records = Register(fresh, in.study, LoadOnboarded(ro), opt.budget, opt.dir);
  for (const auto& r : in.records) in.named.insert(r.workload.id);
  return in;
}

void RunAllRounds(const OnboardOptions& opt, const OnboardInputs& in, const OnboardModel& model,
                  store::SqliteStore& db, bool quiet) {
  const auto onboarded = LoadOnboarded(db);
  const space::WorkloadSet all = WithOnboarded(in.study, onboarded);
  Testbed tb = MakeTestbed(in.cfg, all, opt.dir, in.study.size());
  RoundRunner rounds(db, *tb.executor, all, in.study.size(), in.cfg.runner.objective,
                     in.cfg.runner.MetricUnit(), quiet);
  for (int number = 1;; ++number) {
    const auto round =
        PlanRound(model, LoadOnboarded(db), in.cfg.runner.objective, LastTrialId(db));
    if (round.empty()) break;
    db.AddOnboardPending(round);
    rounds.Run(round, number);
  }
}

void OnboardCommand(const OnboardOptions& opt, const GlobalOptions& g) {
  SetupLogging(g);
  const config::StudyConfig stored = StoredStudyConfig(opt.dir, /*require_external=*/false);
  const bool external = stored.runner.executor == config::ExecutorKind::kExternal;
  const store::DirLock lock =
      external ? store::DirLock::Wait(opt.dir) : store::DirLock::Acquire(opt.dir);
  OnboardInputs in;
  {
    auto ro = OpenStudyDir(opt.dir, /*read_only=*/true, /*quick_check=*/false);
    in = CheckInputs(opt, *ro);
  }
  const OnboardModel model(opt.dir, in.cfg.seed);
  auto db = OpenStudyDir(opt.dir, /*read_only=*/false, /*quick_check=*/false);
  db->PutOnboardWorkloads(in.records);
  if (external) {
    const auto round =
        PlanRound(model, LoadOnboarded(*db), in.cfg.runner.objective, LastTrialId(*db));
    db->AddOnboardPending(round);
    std::printf(
        "onboarding: %zu workload(s) registered in %s, %zu trial(s) pending for an external "
        "driver (runner.executor: external). List them with `iorec ask %s --json`, report each "
        "result with `iorec tell %s TRIAL_ID VALUE` (or --failed REASON).\n",
        in.records.size(), opt.dir.c_str(), round.size(), opt.dir.c_str(), opt.dir.c_str());
    return;
  }
  RunAllRounds(opt, in, model, *db, g.quiet);
  // The study's reports gain (or update) their onboarding section.
  const auto rows = OnboardedRows(model, *db, in.cfg);
  if (!g.quiet) std::fprintf(stderr, "iorec: onboard: rewriting the study's reports\n");
  RewriteStudyOutputs(opt.dir, *db, &rows);
  PrintOutcomes(in.cfg, rows, in.named, opt.json);
}

}  // namespace

void AddOnboardCommand(CLI::App& root, GlobalOptions& g) {
  auto opt = std::make_shared<OnboardOptions>();
  auto* cmd = root.add_subcommand(
      "onboard",
      "Add new workloads to a finished study and tune each in --budget runs (run it again to "
      "resume, or with a larger --budget to extend)");
  AddStudyDirArgument(cmd, opt->dir);
  auto* workload = cmd->add_option("-w,--workload", opt->workload_files,
                                   "A new workload's features as JSON (as for `iorec recommend`); "
                                   "repeatable; - reads standard input")
                       ->type_name("FILE");
  auto* darshan = cmd->add_option("--darshan", opt->darshan_logs,
                                  "A new workload's Darshan log (binary, or darshan-parser "
                                  "text); repeatable; - reads standard input")
                      ->type_name("LOG");
  cmd->add_option("--module", opt->module,
                  "Which counters a --darshan log's features come from: auto, posix or mpiio "
                  "(default: auto)")
      ->type_name("MODULE")
      ->check(CLI::IsMember({"auto", "posix", "mpiio"}))
      ->needs(darshan);
  cmd->add_option("-n,--budget", opt->budget,
                  "Trials per new workload, its baseline run included (1 to 10000)")
      ->type_name("N")
      ->required()
      ->check(CLI::Range(1, 10000));
  AddJsonFlag(cmd, opt->json, "each onboarded workload's result");
  AddCommonFlags(cmd, g);
  cmd->callback([opt, workload, darshan, &g] {
    if (workload->count() == 0 && darshan->count() == 0) {
      throw core::InputError(
          "onboard: name the new workloads with --workload FILE (their features) or --darshan "
          "LOG (their Darshan logs)");
    }
    OnboardCommand(*opt, g);
  });
}

}  // namespace iorec::app
