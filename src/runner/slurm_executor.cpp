// The Slurm executor: a batch runs as job arrays (throttled, several trials per task), squeue
// is polled for the whole batch, a failed sbatch is retried with backoff, lost jobs are run
// again, a resumed study re-attaches to its jobs, and Ctrl-C cancels them.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "iorec/core/error.hpp"
#include "iorec/runner/executors.hpp"
#include "iorec/runner/process.hpp"
#include "iorec/runner/shell.hpp"

namespace iorec::runner {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kSubmitBackoffMaxS = 60.0;
constexpr int kTimeoutKillGraceS = 5;
/// Polls a job may be missing from squeue, or ended without the trial's exit code being
/// visible (a shared file system may show it late), before that counts.
constexpr int kGracePolls = 2;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

void WriteSmall(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw core::Error(p.string() + ": cannot write");
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Clock::time_point After(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

bool IsTerminal(const std::string& state) {
  static const char* const kDone[] = {"COMPLETED",     "FAILED",       "CANCELLED", "TIMEOUT",
                                      "NODE_FAIL",     "PREEMPTED",    "BOOT_FAIL", "DEADLINE",
                                      "OUT_OF_MEMORY", "SPECIAL_EXIT", "REVOKED"};
  for (const char* d : kDone) {
    if (state.rfind(d, 0) == 0) return true;
  }
  return false;
}

/// "123_4" (array task) -> "123" (its array job).
std::string ArrayId(const std::string& task_id) { return task_id.substr(0, task_id.find('_')); }

/// sbatch expands %A, %a, %j, ... in --output; a literal '%' is written "%%".
std::string EscapeFilenamePattern(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}

std::string JoinComma(const std::set<std::string>& ids) {
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : ",") + id;
  return s;
}

std::string FormatSeconds(double s) {
  std::ostringstream os;
  os.precision(10);
  os << s;
  return os.str();
}

struct JobStatus {
  std::string state;
  std::string name;
  std::string reason;  ///< why a pending job waits ("Priority", "JobHeldAdmin", ...)
};

/// The squeue output format ParseSqueue reads.
constexpr const char* kSqueueFormat = "%i %T %j %r";

/// `squeue -o '%i %T %j %r'` lines: task id -> state, job name and reason.
std::map<std::string, JobStatus> ParseSqueue(const std::string& text) {
  std::map<std::string, JobStatus> seen;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::string id;
    JobStatus st;
    if (f >> id >> st.state) {
      f >> st.name;
      std::getline(f, st.reason);
      st.reason = Trim(st.reason);
      seen[id] = st;
    }
  }
  return seen;
}

bool IsHeld(const std::string& reason) {
  return reason.find("held") != std::string::npos || reason.find("Held") != std::string::npos;
}

enum class SlotState {
  kWaiting,      ///< not submitted yet (throttled, or sbatch backing off)
  kQueued,       ///< in Slurm, not started
  kRunning,      ///< started
  kRetrying,     ///< failed, waiting for its next attempt
  kDone,         ///< finished with a result
  kFailed,       ///< finished without a result
  kUnsubmitted,  ///< sbatch kept failing: left pending for a resumed study
};

struct Slot {
  TrialJob job;
  SlotState state = SlotState::kWaiting;
  std::string job_id;  ///< "<array>_<task>"
  std::string job_name;
  std::string held;            ///< Slurm's reason while it holds the job
  bool first_in_task = false;  ///< runs as soon as its task starts
  bool task_open = false;      ///< its task was last seen not ended (counts for the throttle)
  int attempt = 1;
  int sbatch_failures = 0;
  int missing_polls = 0;
  int ended_polls = 0;
  Clock::time_point not_before{};
  Clock::time_point submitted{};
  Clock::time_point started{};
  double wall = 0.0;
  TrialOutcome out;

  bool InSlurm() const { return state == SlotState::kQueued || state == SlotState::kRunning; }
  /// Its job is polled: the trial waits for it, or the throttle does.
  bool Watched() const { return task_open || InSlurm(); }
  bool Open() const {
    return state != SlotState::kDone && state != SlotState::kFailed &&
           state != SlotState::kUnsubmitted;
  }
};

}  // namespace

std::string TrialJobScript(const TrialRequest& r, const TrialJob& job) {
  std::string s = "#!/bin/sh\n";
  s += "# iorec trial " + std::to_string(r.trial_id) +
       ", written by the Slurm executor and run by its array job. `sh job.sh` runs it again.\n";
  s += "cd " + ShellQuote(job.trial_dir.string()) + " || exit 1\n";
  s += "exec >" + ShellQuote(kStdoutFile) + " 2>" + ShellQuote(kStderrFile) + "\n";
  for (const auto& [k, v] : job.env) s += "export " + k + "=" + ShellQuote(v) + "\n";
  s += "rm -f " + ShellQuote(kExitCodeFile) + " " + ShellQuote(kTimedOutFile) + "\n";
  s += ": >" + ShellQuote(kStartedFile) + "\n";
  const std::string run = "/bin/sh -c " + ShellQuote(job.command);
  if (job.timeout_s > 0) {
    const std::string limit = FormatSeconds(job.timeout_s);
    s += "t0=$(date +%s)\n";
    s += "timeout -k " + std::to_string(kTimeoutKillGraceS) + " " + limit + " " + run + "\n";
    s += "rc=$?\n";
    s += "if { [ \"$rc\" -eq 124 ] || [ \"$rc\" -eq 137 ]; } && [ $(($(date +%s) - t0)) -ge " +
         std::to_string(static_cast<long>(std::floor(job.timeout_s))) + " ]; then : >" +
         ShellQuote(kTimedOutFile) + "; fi\n";
  } else {
    s += run + "\nrc=$?\n";
  }
  s += "echo \"$rc\" >" + ShellQuote(std::string(kExitCodeFile) + ".tmp") + " && mv -f " +
       ShellQuote(std::string(kExitCodeFile) + ".tmp") + " " + ShellQuote(kExitCodeFile) + "\n";
  s += "exit \"$rc\"\n";
  return s;
}

std::string ArrayJobScript(const std::string& job_name,
                           const std::vector<std::vector<fs::path>>& tasks) {
  std::string s = "#!/bin/sh\n";
  s += "# iorec array job " + job_name + ", written by the Slurm executor: array task k runs\n";
  s += "# the job.sh of the trial directories of case k, one after another.\n";
  s += "case \"$SLURM_ARRAY_TASK_ID\" in\n";
  for (size_t k = 0; k < tasks.size(); ++k) {
    s += "  " + std::to_string(k) + ") set --";
    for (const auto& dir : tasks[k]) s += " " + ShellQuote(dir.string());
    s += " ;;\n";
  }
  s += "  *) echo \"iorec: array task $SLURM_ARRAY_TASK_ID has no trials\" >&2; exit 1 ;;\n";
  s += "esac\n";
  s += "rc=0\n";
  s += "for d in \"$@\"; do\n";
  s += "  /bin/sh \"$d/" + std::string(kJobScriptFile) + "\" || rc=$?\n";
  s += "done\n";
  s += "exit \"$rc\"\n";
  return s;
}

/// One RunBatch call: the slots of its trials and the steps that move them along.
class SlurmExecutor::Batch {
 public:
  Batch(SlurmExecutor& ex, const std::vector<TrialRequest>& requests, const TrialDoneFn& on_done)
      : ex_(ex),
        opt_(ex.options_),
        requests_(requests),
        on_done_(on_done),
        slots_(requests.size()),
        max_attempts_(1 + std::max(0, ex.runner_.retry().max_retries)) {}

  std::vector<TrialOutcome> Run();

 private:
  void PlanAll();
  bool Reattach(Slot& s);
  void FailToPrepare(size_t i, const std::exception& e);

  void SubmitDue();
  void SubmitArray(const std::vector<size_t>& indices);
  std::vector<std::vector<size_t>> PackTasks(const std::vector<size_t>& indices) const;
  void WriteTrialScript(size_t i);
  std::vector<std::string> SbatchArgv(const std::string& name, size_t tasks, const fs::path& script,
                                      bool whole_nodes) const;
  void SubmitFailed(const std::vector<size_t>& indices, const std::string& error);

  void Poll();
  void Update(Slot& s, const std::map<std::string, JobStatus>& seen, size_t i);
  void FinishFromFiles(size_t i);
  void FinishEnded(size_t i, const std::string& state);
  void FinishLost(size_t i);
  void Finish(size_t i, ProcessResult result);

  void CancelOpen();
  [[noreturn]] void ThrowInterrupted();
  void ThrowIfUnsubmitted() const;
  void Report();
  std::string HeldNote() const;

  ProcessResult Client(const std::vector<std::string>& argv) const;
  static std::string ClientError(const std::vector<std::string>& argv, const ProcessResult& pr);
  bool AnyOpen() const;
  bool AnyTaskOpen() const;

  SlurmExecutor& ex_;
  const SlurmOptions& opt_;
  const std::vector<TrialRequest>& requests_;
  const TrialDoneFn& on_done_;
  std::vector<Slot> slots_;
  const int max_attempts_;
  int squeue_failures_ = 0;
  std::string last_sbatch_error_;
  std::string note_;
  BatchProgress reported_{};
  bool reported_once_ = false;
};

std::vector<TrialOutcome> SlurmExecutor::Batch::Run() {
  PlanAll();
  const double first_wait = std::min(0.1, opt_.poll_s);
  double wait = first_wait;
  while (AnyOpen()) {
    const int calls = ex_.stats_.sbatch_calls;
    SubmitDue();
    if (ex_.stats_.sbatch_calls != calls) wait = first_wait;  // new jobs: look soon
    Report();
    if (!AnyOpen()) break;
    if (!InterruptibleSleep(wait)) ThrowInterrupted();
    wait = std::min(opt_.poll_s, wait * 2.0);
    Poll();
  }
  Report();
  ThrowIfUnsubmitted();
  std::vector<TrialOutcome> out;
  out.reserve(slots_.size());
  for (auto& s : slots_) out.push_back(std::move(s.out));
  return out;
}

// ---- setting up -------------------------------------------------------------------------

void SlurmExecutor::Batch::PlanAll() {
  ShellRunner& runner = ex_.runner_;
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    try {
      s.job = runner.Plan(requests_[i]);
      if (Reattach(s)) {
        ++ex_.stats_.reattached;
        continue;
      }
      runner.Prepare(requests_[i], s.job);
    } catch (const core::InputError&) {
      throw;
    } catch (const std::exception& e) {
      FailToPrepare(i, e);
    }
  }
}

/// A trial submitted by an earlier run with the same request is followed, not submitted again.
bool SlurmExecutor::Batch::Reattach(Slot& s) {
  const fs::path& dir = s.job.trial_dir;
  const std::string id = Trim(Slurp(dir / kJobIdFile));
  const std::string name = Trim(Slurp(dir / kJobNameFile));
  if (id.empty() || name.empty() || Slurp(dir / kRequestFile) != s.job.request_json) return false;
  s.job_id = id;
  s.job_name = name;
  s.state = SlotState::kQueued;
  s.task_open = true;
  s.submitted = Clock::now();
  return true;
}

void SlurmExecutor::Batch::FailToPrepare(size_t i, const std::exception& e) {
  Slot& s = slots_[i];
  s.state = SlotState::kFailed;
  s.out.failure_reason = std::string("cannot prepare the trial: ") + e.what();
  s.out.trial_dir = ex_.runner_.TrialDir(requests_[i]).string();
  if (on_done_) on_done_(i, s.out);
}

// ---- submitting -------------------------------------------------------------------------

/// Submits the trials that are due as arrays. With a throttle, one array at a time: the next
/// one waits until every task of this batch has ended, so at most max_concurrent run.
void SlurmExecutor::Batch::SubmitDue() {
  if (opt_.max_concurrent > 0 && AnyTaskOpen()) return;
  const auto now = Clock::now();
  std::vector<size_t> due;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    const bool waiting = s.state == SlotState::kWaiting || s.state == SlotState::kRetrying;
    if (waiting && now >= s.not_before) due.push_back(i);
  }
  const size_t per_array = static_cast<size_t>(std::max(1, opt_.max_array_size)) *
                           static_cast<size_t>(std::max(1, opt_.trials_per_job));
  for (size_t start = 0; start < due.size(); start += per_array) {
    const size_t end = std::min(due.size(), start + per_array);
    SubmitArray({due.begin() + static_cast<std::ptrdiff_t>(start),
                 due.begin() + static_cast<std::ptrdiff_t>(end)});
    if (opt_.max_concurrent > 0) break;
  }
}

std::vector<std::vector<size_t>> SlurmExecutor::Batch::PackTasks(
    const std::vector<size_t>& indices) const {
  const size_t per_task = static_cast<size_t>(std::max(1, opt_.trials_per_job));
  std::vector<std::vector<size_t>> tasks;
  for (size_t k = 0; k < indices.size(); ++k) {
    if (k % per_task == 0) tasks.emplace_back();
    tasks.back().push_back(indices[k]);
  }
  return tasks;
}

void SlurmExecutor::Batch::WriteTrialScript(size_t i) {
  Slot& s = slots_[i];
  ex_.runner_.BeginAttempt(s.job, s.attempt);
  for (const char* f : {kExitCodeFile, kStartedFile, kTimedOutFile, kJobIdFile, kJobNameFile}) {
    std::error_code ec;
    fs::remove(s.job.trial_dir / f, ec);
  }
  WriteSmall(s.job.trial_dir / kJobScriptFile, TrialJobScript(requests_[i], s.job));
}

std::vector<std::string> SlurmExecutor::Batch::SbatchArgv(const std::string& name, size_t tasks,
                                                          const fs::path& script,
                                                          bool whole_nodes) const {
  std::string array = "--array=0-" + std::to_string(tasks - 1);
  if (opt_.max_concurrent > 0) array += "%" + std::to_string(opt_.max_concurrent);
  std::vector<std::string> argv = {
      opt_.sbatch,
      "--parsable",
      "--job-name=" + name,
      array,
      "--output=" + EscapeFilenamePattern((opt_.work_dir / name).string()) + "_%a.log",
      "--chdir=" + opt_.work_dir.string()};
  if (!opt_.partition.empty()) argv.push_back("--partition=" + opt_.partition);
  if (!opt_.account.empty()) argv.push_back("--account=" + opt_.account);
  if (!opt_.time.empty()) argv.push_back("--time=" + opt_.time);
  argv.push_back("--nodes=" + std::to_string(opt_.nodes));
  argv.push_back("--ntasks=" + std::to_string(opt_.ntasks));
  // Trials that change node-wide settings get their nodes to themselves.
  if (whole_nodes) argv.push_back("--exclusive");
  argv.insert(argv.end(), opt_.extra_args.begin(), opt_.extra_args.end());
  argv.push_back(script.string());
  return argv;
}

void SlurmExecutor::Batch::SubmitArray(const std::vector<size_t>& indices) {
  std::vector<size_t> ready;
  for (size_t i : indices) {
    try {
      WriteTrialScript(i);
      ready.push_back(i);
    } catch (const std::exception& e) {
      FailToPrepare(i, e);
    }
  }
  if (ready.empty()) return;
  const Slot& first = slots_[ready.front()];
  std::string name = "iorec-" + std::to_string(requests_[ready.front()].trial_id);
  if (first.attempt > 1) name += "-" + std::to_string(first.attempt);
  const auto tasks = PackTasks(ready);
  std::vector<std::vector<fs::path>> task_dirs;
  for (const auto& t : tasks) {
    task_dirs.emplace_back();
    for (size_t i : t) task_dirs.back().push_back(slots_[i].job.trial_dir);
  }
  const fs::path script = opt_.work_dir / (name + ".sh");
  std::error_code ec;
  fs::create_directories(opt_.work_dir, ec);
  WriteSmall(script, ArrayJobScript(name, task_dirs));

  const bool whole_nodes =
      std::any_of(ready.begin(), ready.end(), [&](size_t i) { return slots_[i].job.whole_nodes; });
  const std::vector<std::string> argv = SbatchArgv(name, tasks.size(), script, whole_nodes);
  const ProcessResult pr = Client(argv);
  std::string id = Trim(pr.out);
  id = id.substr(0, id.find(';'));
  if (!pr.Succeeded() || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    std::string error = ClientError(argv, pr);
    if (pr.Succeeded()) error += ": unexpected output '" + Trim(pr.out) + "'";
    SubmitFailed(ready, error);
    return;
  }
  ++ex_.stats_.sbatch_calls;
  note_.clear();
  const auto now = Clock::now();
  for (size_t k = 0; k < tasks.size(); ++k) {
    for (size_t j = 0; j < tasks[k].size(); ++j) {
      Slot& s = slots_[tasks[k][j]];
      s.job_id = id + "_" + std::to_string(k);
      s.job_name = name;
      s.state = SlotState::kQueued;
      s.first_in_task = j == 0;
      s.task_open = true;
      s.missing_polls = s.ended_polls = 0;
      s.submitted = now;
      WriteSmall(s.job.trial_dir / kJobIdFile, s.job_id + "\n");
      WriteSmall(s.job.trial_dir / kJobNameFile, name + "\n");
      ++ex_.stats_.submitted;
    }
  }
}

/// The trials wait for the next try; after submit_retries failed tries they are left
/// pending (the batch's other trials go on; the study stops once they are done).
void SlurmExecutor::Batch::SubmitFailed(const std::vector<size_t>& indices,
                                        const std::string& error) {
  ++ex_.stats_.sbatch_failures;
  last_sbatch_error_ = error;
  int tries = 0;
  for (size_t i : indices) {
    Slot& s = slots_[i];
    tries = ++s.sbatch_failures;
    if (s.sbatch_failures > opt_.submit_retries) {
      s.state = SlotState::kUnsubmitted;
      continue;
    }
    s.state = SlotState::kWaiting;
    s.not_before = After(
        std::min(kSubmitBackoffMaxS, opt_.submit_backoff_s * std::pow(2.0, s.sbatch_failures - 1)));
  }
  note_ = "sbatch failed (try " + std::to_string(tries) + " of " +
          std::to_string(opt_.submit_retries + 1) + "): " + error;
}

// ---- watching ---------------------------------------------------------------------------

void SlurmExecutor::Batch::Poll() {
  std::set<std::string> arrays;
  for (const auto& s : slots_) {
    if (s.Watched()) arrays.insert(ArrayId(s.job_id));
  }
  if (arrays.empty()) return;
  const std::vector<std::string> argv = {
      opt_.squeue, "-h", "-r", "--states=all", "-j", JoinComma(arrays), "-o", kSqueueFormat};
  const ProcessResult pr = Client(argv);
  ++ex_.stats_.polls;
  std::map<std::string, JobStatus> seen;
  if (pr.Succeeded()) {
    seen = ParseSqueue(pr.out);
  } else if (pr.err.find("Invalid job id") == std::string::npos) {
    // Not "every queried id is unknown" (squeue fails so when none is known): Slurm is down.
    if (++squeue_failures_ >= opt_.client_failures_allowed) {
      CancelOpen();
      throw core::Error(ClientError(argv, pr));
    }
    note_ = "squeue failed (" + std::to_string(squeue_failures_) +
            " in a row): " + ClientError(argv, pr);
    return;
  }
  if (squeue_failures_ > 0) note_.clear();
  squeue_failures_ = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].Watched()) Update(slots_[i], seen, i);
  }
}

void SlurmExecutor::Batch::Update(Slot& s, const std::map<std::string, JobStatus>& seen, size_t i) {
  const auto it = seen.find(s.job_id);
  const bool known = it != seen.end() && it->second.name == s.job_name;
  const std::string state = known ? it->second.state : "";
  if (known) {
    s.missing_polls = 0;
    s.task_open = !IsTerminal(state);
  } else if (++s.missing_polls >= kGracePolls) {
    s.task_open = false;
  }
  if (!s.InSlurm()) return;
  const fs::path& dir = s.job.trial_dir;
  // A pending task has run nothing (stat on a shared file system is not free).
  if (state != "PENDING" && fs::exists(dir / kExitCodeFile)) return FinishFromFiles(i);
  if (!known) {
    if (!s.task_open) FinishLost(i);
    return;
  }
  if (IsTerminal(state)) {
    if (++s.ended_polls >= kGracePolls) FinishEnded(i, state);
    return;
  }
  s.held = state == "PENDING" && IsHeld(it->second.reason) ? it->second.reason : "";
  if (s.state == SlotState::kQueued && state == "RUNNING" &&
      (s.first_in_task || fs::exists(dir / kStartedFile))) {
    s.state = SlotState::kRunning;
    s.started = Clock::now();
  }
}

void SlurmExecutor::Batch::FinishFromFiles(size_t i) {
  Slot& s = slots_[i];
  const fs::path& dir = s.job.trial_dir;
  const bool ran = s.state == SlotState::kRunning;
  ProcessResult r;
  r.started = true;
  r.wall_seconds = Seconds(Clock::now() - (ran ? s.started : s.submitted));
  if (fs::exists(dir / kTimedOutFile)) {
    r.timed_out = true;
    r.wall_seconds = s.job.timeout_s;
  } else {
    const std::string text = Trim(Slurp(dir / kExitCodeFile));
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), r.exit_code);
    if (ec != std::errc() || end != text.data() + text.size()) {
      r.started = false;
      r.start_error = (dir / kExitCodeFile).string() + ": not an exit code: '" + text + "'";
    }
  }
  Finish(i, r);
}

void SlurmExecutor::Batch::FinishEnded(size_t i, const std::string& state) {
  Slot& s = slots_[i];
  const bool started = fs::exists(s.job.trial_dir / kStartedFile);
  ProcessResult r;
  r.wall_seconds = Seconds(Clock::now() - s.submitted);
  if (state.rfind("TIMEOUT", 0) == 0 && started) {
    r.started = true;
    r.timed_out = true;
  } else {
    r.start_error =
        "slurm job " + s.job_id + " ended in state " + state +
        (started ? " before the trial wrote its exit code" : " before the trial started");
    if (state.rfind("TIMEOUT", 0) == 0) {
      r.start_error += " (runner.slurm.time must cover trials_per_job trials)";
    }
  }
  Finish(i, r);
}

void SlurmExecutor::Batch::FinishLost(size_t i) {
  Slot& s = slots_[i];
  ++ex_.stats_.lost;
  ProcessResult r;
  r.wall_seconds = Seconds(Clock::now() - s.submitted);
  r.start_error = "slurm job " + s.job_id + " was lost (Slurm no longer knows it)";
  Finish(i, r);
}

void SlurmExecutor::Batch::Finish(size_t i, ProcessResult result) {
  Slot& s = slots_[i];
  s.wall += result.wall_seconds;
  TrialOutcome o = ex_.runner_.Finish(requests_[i], s.job, result);
  o.attempts = s.attempt;
  o.wall_seconds = s.wall;
  if (!o.ok && s.attempt < max_attempts_) {
    ++s.attempt;
    s.state = SlotState::kRetrying;
    s.not_before = After(ex_.runner_.retry().Delay(s.attempt - 1));
    return;
  }
  s.state = o.ok ? SlotState::kDone : SlotState::kFailed;
  s.out = std::move(o);
  WriteOutcomeFile(s.out);
  if (on_done_) on_done_(i, s.out);
}

// ---- stopping and reporting -------------------------------------------------------------

/// scancel the arrays of unfinished trials; their job ids are forgotten, so a resumed study
/// submits them again.
void SlurmExecutor::Batch::CancelOpen() {
  std::set<std::string> arrays;
  for (auto& s : slots_) {
    if (!s.InSlurm()) continue;
    arrays.insert(ArrayId(s.job_id));
    std::error_code ec;
    fs::remove(s.job.trial_dir / kJobIdFile, ec);
    fs::remove(s.job.trial_dir / kJobNameFile, ec);
  }
  if (arrays.empty()) return;
  std::vector<std::string> argv = {opt_.scancel};
  argv.insert(argv.end(), arrays.begin(), arrays.end());
  Client(argv);
}

void SlurmExecutor::Batch::ThrowInterrupted() {
  CancelOpen();
  const size_t n = slots_.size();
  const size_t finished = static_cast<size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.Open(); }));
  throw Interrupted("interrupted: " + std::to_string(finished) + " of " + std::to_string(n) +
                    " trials of the batch finished; the other " + std::to_string(n - finished) +
                    " were cancelled (scancel) and are pending");
}

void SlurmExecutor::Batch::ThrowIfUnsubmitted() const {
  const auto left = std::count_if(slots_.begin(), slots_.end(),
                                  [](const Slot& s) { return s.state == SlotState::kUnsubmitted; });
  if (left == 0) return;
  throw core::Error(last_sbatch_error_ + "; " + std::to_string(left) +
                    " trial(s) of the batch could not be submitted after " +
                    std::to_string(opt_.submit_retries + 1) +
                    " tries; they are pending: run the same command again to resume");
}

void SlurmExecutor::Batch::Report() {
  BatchProgress p;
  for (const auto& s : slots_) {
    switch (s.state) {
      case SlotState::kWaiting:
      case SlotState::kUnsubmitted:
        ++p.waiting;
        break;
      case SlotState::kQueued:
        ++p.queued;
        break;
      case SlotState::kRunning:
        ++p.running;
        break;
      case SlotState::kRetrying:
        ++p.retrying;
        break;
      case SlotState::kDone:
        ++p.done;
        break;
      case SlotState::kFailed:
        ++p.failed;
        break;
    }
  }
  p.note = note_.empty() ? HeldNote() : note_;
  if (reported_once_ && p == reported_) return;
  reported_ = p;
  reported_once_ = true;
  ex_.ReportProgress(p);
}

/// Held jobs wait for a person: say which and how to release them.
std::string SlurmExecutor::Batch::HeldNote() const {
  size_t held = 0;
  std::string reason;
  std::set<std::string> arrays;
  for (const auto& s : slots_) {
    if (!s.InSlurm() || s.held.empty()) continue;
    ++held;
    reason = s.held;
    arrays.insert(ArrayId(s.job_id));
  }
  if (held == 0) return "";
  std::string ids;
  for (const auto& a : arrays) ids += " " + a;
  return std::to_string(held) + " trial(s) held by Slurm (" + reason + "): `scontrol release" +
         ids + "` lets them run; Ctrl-C cancels them";
}

ProcessResult SlurmExecutor::Batch::Client(const std::vector<std::string>& argv) const {
  ProcessSpec spec;
  spec.argv = argv;
  spec.timeout_s = opt_.client_timeout_s;
  spec.interruptible = false;  // a half-done sbatch or scancel is worse than a short wait
  return RunProcess(spec);
}

std::string SlurmExecutor::Batch::ClientError(const std::vector<std::string>& argv,
                                              const ProcessResult& pr) {
  std::string msg = "slurm: `" + ShellJoin(argv) + "` failed (" + pr.Describe() + ")";
  const std::string err = Trim(pr.err);
  if (!err.empty()) msg += ": " + err;
  return msg;
}

bool SlurmExecutor::Batch::AnyOpen() const {
  return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.Open(); });
}

bool SlurmExecutor::Batch::AnyTaskOpen() const {
  return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.task_open; });
}

SlurmExecutor::SlurmExecutor(ShellRunner& runner, SlurmOptions options)
    : runner_(runner), options_(std::move(options)) {
  if (options_.work_dir.empty()) options_.work_dir = "slurm";
  options_.work_dir = fs::absolute(options_.work_dir).lexically_normal();
}

std::vector<TrialOutcome> SlurmExecutor::RunBatch(const std::vector<TrialRequest>& batch,
                                                  const TrialDoneFn& on_done) {
  Batch b(*this, batch, on_done);
  return b.Run();
}

}  // namespace iorec::runner
