// The Slurm executor: one sbatch job per trial, squeue polling for the whole batch,
// re-submission of lost jobs, re-attachment on resume, scancel on interrupt.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "iorec/core/error.hpp"
#include "iorec/runner/executors.hpp"
#include "iorec/runner/process.hpp"

namespace iorec::runner {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

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

std::string JoinArgs(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
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

std::string JobName(const TrialRequest& r) { return "iorec-" + std::to_string(r.trial_id); }

struct Slot {
  TrialJob job;
  std::string job_id;
  int attempt = 1;
  bool active = false;  ///< submitted, not finished
  bool finished = false;
  Clock::time_point submitted{};
  Clock::time_point resubmit_at{};
  bool waiting_retry = false;
  bool running_seen = false;
  Clock::time_point running_since{};
  double wall = 0.0;
  int missing_polls = 0;
  TrialOutcome out;
};

}  // namespace

SlurmExecutor::SlurmExecutor(ShellRunner& runner, SlurmOptions options)
    : runner_(runner), options_(std::move(options)) {}

std::string SlurmExecutor::JobScript(const TrialRequest& r, const TrialJob& job) const {
  const std::string dir = job.trial_dir.string();
  std::string s = "#!/bin/sh\n";
  s += "#SBATCH --job-name=" + JobName(r) + "\n";
  s += "#SBATCH --output=" + dir + "/" + kStdoutFile + "\n";
  s += "#SBATCH --error=" + dir + "/" + kStderrFile + "\n";
  s += "#SBATCH --chdir=" + dir + "\n";
  s += "# iorec trial " + std::to_string(r.trial_id) + ": written by the Slurm executor\n";
  s += "cd " + ShellQuote(dir) + " || exit 1\n";
  for (const auto& [k, v] : job.env) s += "export " + k + "=" + ShellQuote(v) + "\n";
  s += "rm -f " + std::string(kExitCodeFile) + "\n";
  s += "/bin/sh -c " + ShellQuote(job.command) + "\n";
  s += "rc=$?\n";
  s += "echo \"$rc\" > " + std::string(kExitCodeFile) + ".tmp && mv -f " + kExitCodeFile + ".tmp " +
       kExitCodeFile + "\n";
  s += "exit $rc\n";
  return s;
}

std::vector<TrialOutcome> SlurmExecutor::RunBatch(const std::vector<TrialRequest>& batch,
                                                  const TrialDoneFn& on_done) {
  const size_t n = batch.size();
  std::vector<Slot> slots(n);
  const int max_attempts = 1 + std::max(0, runner_.retry().max_retries);

  auto client = [&](const std::vector<std::string>& argv, bool interruptible) {
    ProcessSpec spec;
    spec.argv = argv;
    spec.timeout_s = options_.client_timeout_s;
    spec.interruptible = interruptible;
    return RunProcess(spec);
  };
  auto client_error = [](const std::vector<std::string>& argv, const ProcessResult& pr) {
    std::string msg = "slurm: `" + JoinArgs(argv) + "` failed (" + pr.Describe() + ")";
    const std::string err = Trim(pr.err);
    if (!err.empty()) msg += ": " + err;
    return msg;
  };
  auto cancel = [&](const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    std::vector<std::string> argv = {options_.scancel};
    argv.insert(argv.end(), ids.begin(), ids.end());
    client(argv, false);
  };
  auto cancel_active = [&] {
    std::vector<std::string> ids;
    for (auto& s : slots) {
      if (s.active) {
        ids.push_back(s.job_id);
        std::error_code ec;
        fs::remove(s.job.trial_dir / kJobIdFile, ec);  // a resumed study submits it again
      }
    }
    cancel(ids);
  };

  auto submit = [&](size_t i) {
    Slot& s = slots[i];
    runner_.BeginAttempt(s.job, s.attempt);
    std::error_code ec;
    fs::remove(s.job.trial_dir / kExitCodeFile, ec);
    std::ofstream(s.job.trial_dir / kJobScriptFile, std::ios::trunc) << JobScript(batch[i], s.job);
    std::vector<std::string> argv = {options_.sbatch, "--parsable"};
    if (!options_.partition.empty()) argv.push_back("--partition=" + options_.partition);
    if (!options_.account.empty()) argv.push_back("--account=" + options_.account);
    if (!options_.time.empty()) argv.push_back("--time=" + options_.time);
    argv.push_back("--nodes=" + std::to_string(options_.nodes));
    argv.push_back("--ntasks=" + std::to_string(options_.ntasks));
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    argv.push_back((s.job.trial_dir / kJobScriptFile).string());
    const ProcessResult pr = client(argv, false);
    std::string id = Trim(pr.out);
    id = id.substr(0, id.find(';'));
    if (!pr.Succeeded() || id.empty() || id.find_first_not_of("0123456789_") != std::string::npos) {
      cancel_active();
      std::string msg = client_error(argv, pr);
      if (pr.Succeeded()) msg += ": unexpected output '" + Trim(pr.out) + "'";
      throw core::Error(msg);
    }
    s.job_id = id;
    s.active = true;
    s.waiting_retry = false;
    s.running_seen = false;
    s.missing_polls = 0;
    s.submitted = Clock::now();
    std::ofstream(s.job.trial_dir / kJobIdFile, std::ios::trunc) << id << "\n";
    ++stats_.submitted;
  };

  auto finish = [&](size_t i, const ProcessResult& pr) {
    Slot& s = slots[i];
    s.active = false;
    s.wall += pr.wall_seconds;
    TrialOutcome o = runner_.Finish(batch[i], s.job, pr);
    o.attempts = s.attempt;
    o.wall_seconds = s.wall;
    if (!o.ok && s.attempt < max_attempts) {
      ++s.attempt;
      s.waiting_retry = true;
      s.resubmit_at =
          Clock::now() + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(runner_.retry().Delay(s.attempt - 1)));
      return;
    }
    s.finished = true;
    s.out = std::move(o);
    WriteOutcomeFile(s.out);
    if (on_done) on_done(i, s.out);
  };

  // Plan every trial; re-attach the ones a previous run already submitted.
  for (size_t i = 0; i < n; ++i) {
    Slot& s = slots[i];
    s.job = runner_.Plan(batch[i]);
    const fs::path dir = s.job.trial_dir;
    const std::string old_id = Trim(Slurp(dir / kJobIdFile));
    if (!old_id.empty() && Slurp(dir / kRequestFile) == s.job.request_json) {
      s.job_id = old_id;
      s.active = true;
      s.submitted = Clock::now();
      ++stats_.reattached;
      continue;
    }
    runner_.Prepare(batch[i], s.job);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!slots[i].active) submit(i);
  }

  double wait = std::min(0.1, options_.poll_s);
  int failures = 0;
  for (;;) {
    bool any_open = false;
    for (const auto& s : slots) any_open |= !s.finished;
    if (!any_open) break;

    if (!InterruptibleSleep(wait)) {
      cancel_active();
      size_t finished = 0;
      for (const auto& s : slots) finished += s.finished ? 1 : 0;
      throw Interrupted("interrupted: " + std::to_string(finished) + " of " + std::to_string(n) +
                        " trials of the batch finished; the other " + std::to_string(n - finished) +
                        " were cancelled (scancel) and are pending");
    }
    wait = std::min(options_.poll_s, wait * 2.0);

    // Re-submit the trials whose backoff is over.
    for (size_t i = 0; i < n; ++i) {
      if (slots[i].waiting_retry && Clock::now() >= slots[i].resubmit_at) submit(i);
    }
    std::vector<std::string> ids;
    for (const auto& s : slots) {
      if (s.active) ids.push_back(s.job_id);
    }
    if (ids.empty()) continue;

    std::string joined;
    for (const auto& id : ids) joined += (joined.empty() ? "" : ",") + id;
    const std::vector<std::string> argv = {options_.squeue, "-h", "--states=all", "-j",
                                           joined,          "-o", "%i %T %j"};
    const ProcessResult pr = client(argv, false);
    ++stats_.polls;
    std::map<std::string, std::pair<std::string, std::string>> seen;  // id -> (state, name)
    if (pr.Succeeded()) {
      failures = 0;
      std::istringstream lines(pr.out);
      std::string line;
      while (std::getline(lines, line)) {
        std::istringstream f(line);
        std::string id, state, name;
        if (f >> id >> state) {
          f >> name;
          seen[id] = {state, name};
        }
      }
    } else if (pr.err.find("Invalid job id") != std::string::npos) {
      failures = 0;  // every queried id is unknown (squeue fails when none is known)
    } else {
      if (++failures >= options_.client_failures_allowed) {
        cancel_active();
        throw core::Error(client_error(argv, pr));
      }
      continue;
    }

    const auto now = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      Slot& s = slots[i];
      if (!s.active) continue;
      auto it = seen.find(s.job_id);
      const bool known = it != seen.end() && it->second.second == JobName(batch[i]);
      const bool has_exit = fs::exists(s.job.trial_dir / kExitCodeFile);
      if (!known) {
        // Finished long ago (beyond MinJobAge) but its exit code is there: use it.
        if (has_exit || ++s.missing_polls >= 2) {
          ProcessResult r;
          r.started = true;
          r.wall_seconds = std::chrono::duration<double>(now - s.submitted).count();
          if (has_exit) {
            r.exit_code = std::atoi(Trim(Slurp(s.job.trial_dir / kExitCodeFile)).c_str());
            finish(i, r);
          } else {
            ++stats_.lost;
            r.start_error = "slurm job " + s.job_id + " was lost (Slurm no longer knows it)";
            r.started = false;
            finish(i, r);
          }
        }
        continue;
      }
      s.missing_polls = 0;
      const std::string& state = it->second.first;
      if (state == "RUNNING" && !s.running_seen) {
        s.running_seen = true;
        s.running_since = now;
      }
      if (IsTerminal(state)) {
        ProcessResult r;
        r.started = true;
        r.wall_seconds = std::chrono::duration<double>(now - s.submitted).count();
        if (has_exit) {
          r.exit_code = std::atoi(Trim(Slurp(s.job.trial_dir / kExitCodeFile)).c_str());
        } else if (state.rfind("TIMEOUT", 0) == 0) {
          r.timed_out = true;
        } else {
          r.started = false;
          r.start_error =
              "slurm job " + s.job_id + " ended in state " + state + " without an exit code";
        }
        finish(i, r);
        continue;
      }
      if (s.job.timeout_s > 0 && s.running_seen &&
          std::chrono::duration<double>(now - s.running_since).count() > s.job.timeout_s) {
        cancel({s.job_id});
        ProcessResult r;
        r.started = true;
        r.timed_out = true;
        r.wall_seconds = std::chrono::duration<double>(now - s.running_since).count();
        finish(i, r);
      }
    }
  }
  std::vector<TrialOutcome> out;
  out.reserve(n);
  for (auto& s : slots) out.push_back(std::move(s.out));
  return out;
}

}  // namespace iorec::runner
