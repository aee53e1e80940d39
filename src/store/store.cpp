#include "iorec/store/store.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "iorec/core/error.hpp"

namespace iorec::store {

const char* ToString(TrialStatus s) {
  switch (s) {
    case TrialStatus::kPending:
      return "pending";
    case TrialStatus::kRunning:
      return "running";
    case TrialStatus::kDone:
      return "done";
    case TrialStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

TrialStatus TrialStatusFromString(const std::string& s) {
  if (s == "pending") return TrialStatus::kPending;
  if (s == "running") return TrialStatus::kRunning;
  if (s == "done") return TrialStatus::kDone;
  if (s == "failed") return TrialStatus::kFailed;
  throw core::Error("unknown trial status '" + s + "'");
}

runner::TrialSource TrialSourceFromString(const std::string& s) {
  if (s == "baseline") return runner::TrialSource::kBaseline;
  if (s == "warm") return runner::TrialSource::kWarm;
  if (s == "active") return runner::TrialSource::kActive;
  if (s == "replicate") return runner::TrialSource::kReplicate;
  throw core::Error("unknown trial source '" + s + "'");
}

bool TrialRecord::SameKey(const TrialRecord& o) const {
  return trial_id == o.trial_id && workload == o.workload && levels == o.levels &&
         source == o.source && iteration == o.iteration && replicate == o.replicate;
}

runner::TrialOutcome TrialRecord::Outcome() const {
  runner::TrialOutcome out;
  out.attempts = std::max(1, attempts);
  out.ok = ok;
  out.value = value;
  out.failure_reason = failure_reason;
  out.wall_seconds = wall_seconds;
  out.stdout_tail = stdout_tail;
  out.stderr_tail = stderr_tail;
  out.trial_dir = trial_dir;
  return out;
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

StatusSummary SummarizeTrials(const std::vector<TrialRecord>& trials, const space::WorkloadSet& ws,
                              const std::vector<HistoryRow>& history) {
  StatusSummary s;
  s.workloads.resize(ws.size());
  for (uint32_t w = 0; w < ws.size(); ++w) {
    s.workloads[w].workload = w;
    s.workloads[w].id = ws.workloads[w].id;
  }
  for (const auto& t : trials) {
    while (t.workload >= s.workloads.size()) {
      s.workloads.emplace_back();
      s.workloads.back().workload = static_cast<uint32_t>(s.workloads.size() - 1);
      s.workloads.back().id = std::to_string(s.workloads.size() - 1);
    }
    auto& w = s.workloads[t.workload];
    ++s.total;
    switch (t.status) {
      case TrialStatus::kPending:
        ++w.pending, ++s.pending;
        break;
      case TrialStatus::kRunning:
        ++w.running, ++s.running;
        break;
      case TrialStatus::kDone:
        ++w.done, ++s.done;
        break;
      case TrialStatus::kFailed:
        ++w.failed, ++s.failed;
        break;
    }
    s.max_iteration = std::max(s.max_iteration, t.iteration);
    s.last_trial_end = std::max(s.last_trial_end, t.ended_at);
    if (t.status == TrialStatus::kDone && std::isfinite(t.value) &&
        t.source == runner::TrialSource::kBaseline) {
      w.baseline_perf = t.value;
    }
    if (t.gain && (!w.best_gain || *t.gain > *w.best_gain)) {
      w.best_gain = *t.gain;
      w.best_perf = t.value;
    }
  }
  for (const auto& h : history)
    s.last_history_iteration = std::max(s.last_history_iteration, h.iteration);
  return s;
}

// ---- MemoryStore ----

std::optional<StudyInfo> MemoryStore::Study() { return study_; }

void MemoryStore::CreateStudy(const StudyInfo& info, const space::WorkloadSet& ws) {
  if (study_) throw core::Error("memory store: study already exists");
  study_ = info;
  ws_ = ws;
}

void MemoryStore::SetPhase(const std::string& phase, double now) {
  if (!study_) return;  // like an UPDATE of no row
  study_->phase = phase;
  study_->updated_at = now;
}

space::WorkloadSet MemoryStore::Workloads() { return ws_; }

void MemoryStore::PutWarmStart(const std::vector<std::vector<uint8_t>>& configs) {
  warm_ = configs;
}

std::vector<std::vector<uint8_t>> MemoryStore::WarmStart() { return warm_; }

void MemoryStore::AddPending(const std::vector<TrialRecord>& trials) {
  for (const auto& t : trials) {
    if (trials_.count(t.trial_id)) continue;
    TrialRecord r = t;
    r.status = TrialStatus::kPending;
    trials_.emplace(t.trial_id, std::move(r));
  }
}

void MemoryStore::MarkRunning(const std::vector<uint64_t>& ids, double now) {
  for (uint64_t id : ids) {
    auto it = trials_.find(id);
    if (it == trials_.end()) throw core::Error("memory store: no trial " + std::to_string(id));
    it->second.status = TrialStatus::kRunning;
    it->second.started_at = now;
    it->second.attempts += 1;
  }
}

void MemoryStore::CommitTrial(const TrialRecord& trial) {
  auto it = trials_.find(trial.trial_id);
  if (it == trials_.end())
    throw core::Error("memory store: no trial " + std::to_string(trial.trial_id));
  const int attempts = it->second.attempts;
  const double started = it->second.started_at;
  it->second = trial;
  it->second.attempts = std::max(attempts, trial.attempts);
  if (it->second.started_at == 0.0) it->second.started_at = started;
  ++commits_;
}

void MemoryStore::PutDerived(const std::vector<std::pair<uint64_t, double>>& gains,
                             const std::vector<HistoryRow>& history) {
  for (const auto& [id, g] : gains) {
    auto it = trials_.find(id);
    if (it != trials_.end()) it->second.gain = g;
  }
  for (const auto& h : history) history_[h.iteration] = h;
}

std::vector<TrialRecord> MemoryStore::Trials() {
  std::vector<TrialRecord> out;
  for (const auto& [id, t] : trials_) out.push_back(t);
  return out;
}

std::vector<HistoryRow> MemoryStore::History() {
  std::vector<HistoryRow> out;
  for (const auto& [i, h] : history_) out.push_back(h);
  return out;
}

StatusSummary MemoryStore::Summary() {
  StatusSummary s = SummarizeTrials(Trials(), ws_, History());
  s.imported = imported_.size();
  return s;
}

int MemoryStore::AddImported(std::vector<ImportedRecord> records) {
  int enters = 0;
  for (const auto& [id, t] : trials_) enters = std::max(enters, t.batch + 1);
  for (auto& r : records) {
    r.seq = imported_.size() + 1;
    r.enters_before_batch = enters;
    imported_.push_back(std::move(r));
  }
  return enters;
}

std::vector<ImportedRecord> MemoryStore::Imported() { return imported_; }

void MemoryStore::PutOnboardWorkloads(const std::vector<OnboardWorkloadRecord>& records) {
  for (const auto& r : records) {
    const auto it = onboard_workloads_.find(r.idx);
    if (it == onboard_workloads_.end()) {
      onboard_workloads_.emplace(r.idx, r);
    } else {
      it->second.budget = r.budget;
    }
  }
}

std::vector<OnboardWorkloadRecord> MemoryStore::OnboardWorkloads() {
  std::vector<OnboardWorkloadRecord> out;
  for (const auto& [idx, r] : onboard_workloads_) out.push_back(r);
  return out;
}

void MemoryStore::AddOnboardPending(const std::vector<OnboardTrialRecord>& trials) {
  for (const auto& t : trials) {
    if (!onboard_workloads_.count(t.run.workload))
      throw core::Error("memory store: no onboarded workload " + std::to_string(t.run.workload));
    if (onboard_trials_.count(t.run.trial_id)) continue;
    OnboardTrialRecord r = t;
    r.run.status = TrialStatus::kPending;
    onboard_trials_.emplace(t.run.trial_id, std::move(r));
  }
}

void MemoryStore::MarkOnboardRunning(const std::vector<uint64_t>& ids, double now) {
  for (uint64_t id : ids) {
    auto it = onboard_trials_.find(id);
    if (it == onboard_trials_.end())
      throw core::Error("memory store: no onboarding trial " + std::to_string(id));
    it->second.run.status = TrialStatus::kRunning;
    it->second.run.started_at = now;
    it->second.run.attempts += 1;
  }
}

void MemoryStore::CommitOnboardTrial(const TrialRecord& run) {
  auto it = onboard_trials_.find(run.trial_id);
  if (it == onboard_trials_.end())
    throw core::Error("memory store: no onboarding trial " + std::to_string(run.trial_id));
  TrialRecord& stored = it->second.run;
  const int attempts = stored.attempts;
  const double started = stored.started_at;
  stored = run;
  stored.attempts = std::max(attempts, run.attempts);
  if (stored.started_at == 0.0) stored.started_at = started;
}

std::vector<OnboardTrialRecord> MemoryStore::OnboardTrials() {
  std::vector<OnboardTrialRecord> out;
  for (const auto& [id, t] : onboard_trials_) out.push_back(t);
  return out;
}

}  // namespace iorec::store
