#include "onboarding.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "iorec/core/error.hpp"
#include "iorec/core/rng.hpp"
#include "iorec/store/recorder.hpp"

namespace fs = std::filesystem;

namespace iorec::app {
namespace {

/// A config that failed this often on a workload is not run there again.
constexpr size_t kMaxFailuresPerConfig = 2;

/// Finished trials of `c` on `w` without a perf: failed, or told a metric that is none.
size_t FailuresOf(const OnboardedWorkload& w, const space::Config& c, state::Direction direction) {
  size_t n = 0;
  for (const auto& t : w.trials) {
    if (space::Config(t.run.levels) != c) continue;
    std::string why;
    if (t.run.status == store::TrialStatus::kFailed ||
        (t.run.status == store::TrialStatus::kDone &&
         !(t.run.ok && state::PerfFromMetric(t.run.value, direction, &why))))
      ++n;
  }
  return n;
}

const store::OnboardTrialRecord* InFlight(const OnboardedWorkload& w) {
  for (const auto& t : w.trials) {
    if (t.run.status == store::TrialStatus::kPending ||
        t.run.status == store::TrialStatus::kRunning)
      return &t;
  }
  return nullptr;
}

std::string PickOf(const OnboardModel& model, const std::vector<double>& features,
                   const space::Config& c) {
  if (c == model.zero_shot().baseline()) return "baseline";
  for (const auto& p : model.ZeroShotFor(features).configs) {
    if (p.config == c) return "zero_shot";
  }
  return "transfer";
}

bool SameFeatures(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const double scale = std::max({1.0, std::abs(a[i]), std::abs(b[i])});
    if (std::abs(a[i] - b[i]) > 1e-9 * scale) return false;
  }
  return true;
}

/// Every config measured in `runs` with its mean perf, in first-measured order.
std::vector<MeasuredOnboard> MeanPerConfig(const std::vector<deploy::OnboardRun>& runs) {
  std::vector<MeasuredOnboard> out;
  for (const auto& r : runs) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const MeasuredOnboard& m) { return m.config == r.config; });
    if (it == out.end()) {
      out.push_back({r.config, state::Perf{0.0}, state::RelGain{}, 0});
      it = out.end() - 1;
    }
    it->mean_perf.value += r.perf.value;
    ++it->runs;
  }
  for (auto& m : out) m.mean_perf.value /= static_cast<double>(m.runs);
  return out;
}

}  // namespace

OnboardModel::OnboardModel(const fs::path& study_dir, uint64_t seed)
    : bundle_(deploy::LoadModelBundle(study_dir / "model")) {
  if (bundle_.measured.empty()) {
    throw core::InputError((study_dir / "model").string() +
                           ": the model carries no measured configs (written by an older "
                           "iorec); run `iorec report " +
                           study_dir.string() + "` to rewrite it");
  }
  state_ = deploy::MeasuredState(bundle_);
  core::Rng rng(seed, "onboard");
  zero_shot_ = std::make_unique<deploy::ZeroShot>(state_, deploy::ZeroShotParams{}, rng);
}

deploy::ZeroShotRecommendation OnboardModel::ZeroShotFor(
    const std::vector<double>& features) const {
  return zero_shot_->Recommend(features, deploy::OnboardParams{}.zero_shot);
}

size_t OnboardedWorkload::finished() const {
  return static_cast<size_t>(std::count_if(trials.begin(), trials.end(), [](const auto& t) {
    return t.run.status == store::TrialStatus::kDone || t.run.status == store::TrialStatus::kFailed;
  }));
}

std::vector<OnboardedWorkload> LoadOnboarded(store::Store& db) {
  std::vector<OnboardedWorkload> out;
  std::map<uint32_t, size_t> at;
  for (auto& r : db.OnboardWorkloads()) {
    at[r.idx] = out.size();
    out.push_back({std::move(r), {}});
  }
  for (auto& t : db.OnboardTrials()) {
    const auto it = at.find(t.run.workload);
    if (it != at.end()) out[it->second].trials.push_back(std::move(t));
  }
  return out;
}

std::vector<deploy::OnboardRun> SuccessfulRuns(const OnboardedWorkload& w,
                                               state::Direction direction) {
  std::vector<deploy::OnboardRun> runs;
  for (const auto& t : w.trials) {
    if (t.run.status != store::TrialStatus::kDone || !t.run.ok) continue;
    std::string why;
    const auto perf = state::PerfFromMetric(t.run.value, direction, &why);
    if (perf) runs.push_back({space::Config(t.run.levels), *perf});
  }
  return runs;
}

std::vector<store::OnboardTrialRecord> PlanRound(const OnboardModel& model,
                                                 const std::vector<OnboardedWorkload>& workloads,
                                                 state::Direction direction,
                                                 uint64_t last_trial_id) {
  std::vector<store::OnboardTrialRecord> out;
  for (const auto& w : workloads) {
    if (w.finished() >= static_cast<size_t>(w.record.budget)) continue;
    if (const auto* t = InFlight(w)) {
      out.push_back(*t);
      continue;
    }
    const std::vector<double>& features = w.record.workload.features;
    const deploy::Onboarding onboarding(model.zero_shot(), features);
    const auto next = onboarding.Next(SuccessfulRuns(w, direction));
    if (!next || FailuresOf(w, *next, direction) >= kMaxFailuresPerConfig) continue;
    store::OnboardTrialRecord t;
    t.run.trial_id = ++last_trial_id;
    t.run.workload = w.record.idx;
    t.run.iteration = static_cast<int>(w.trials.size());
    t.run.levels = next->levels();
    t.run.values_json = store::ConfigValuesJson(model.bundle().space, *next);
    t.pick = PickOf(model, features, *next);
    t.run.source =
        t.pick == "baseline" ? runner::TrialSource::kBaseline : runner::TrialSource::kActive;
    out.push_back(std::move(t));
  }
  return out;
}

uint64_t LastTrialId(store::Store& db) {
  uint64_t last = 0;
  for (const auto& t : db.Trials()) last = std::max(last, t.trial_id);
  for (const auto& t : db.OnboardTrials()) last = std::max(last, t.run.trial_id);
  return last;
}

OnboardOutcome SummarizeOnboarded(const OnboardModel& model, const OnboardedWorkload& w,
                                  state::Direction direction) {
  OnboardOutcome o;
  o.id = w.record.workload.id;
  o.budget = w.record.budget;
  o.finished = w.finished();
  o.in_flight = w.trials.size() - o.finished;
  const std::vector<double>& features = w.record.workload.features;
  const auto zs = model.ZeroShotFor(features);
  o.zero_shot_top1 = zs.configs.empty() ? model.zero_shot().baseline() : zs.configs[0].config;
  o.zero_shot_weak = zs.weak_evidence;
  const auto runs = SuccessfulRuns(w, direction);
  // A told metric that cannot be a perf (`iorec tell` stores it as done) failed too.
  o.failed = o.finished - runs.size();
  const space::Config& baseline = model.zero_shot().baseline();
  std::vector<MeasuredOnboard> measured = MeanPerConfig(runs);
  const auto base = std::find_if(measured.begin(), measured.end(),
                                 [&](const MeasuredOnboard& m) { return m.config == baseline; });
  if (base == measured.end()) return o;  // no baseline run yet: no gain to tell
  const state::Perf base_perf = base->mean_perf;
  o.baseline_perf = base_perf;
  for (auto& m : measured) m.gain = state::Relative(m.mean_perf, base_perf);
  o.choice = deploy::Onboarding(model.zero_shot(), features).Choose(runs);
  std::stable_sort(measured.begin(), measured.end(), [&](const auto& a, const auto& b) {
    const bool a_chosen = a.config == o.choice->config, b_chosen = b.config == o.choice->config;
    if (a_chosen != b_chosen) return a_chosen;
    return a.mean_perf.value > b.mean_perf.value;
  });
  o.measured = std::move(measured);
  for (size_t k = 0; k < o.choice->config.size(); ++k) {
    if (o.choice->config[k] != o.zero_shot_top1[k]) ++o.knobs_moved;
  }
  for (const auto& m : o.measured) {
    if (m.config == o.zero_shot_top1) o.zero_shot_gain = m.gain;
  }
  return o;
}

const OnboardedWorkload* MatchOnboarded(const std::vector<OnboardedWorkload>& onboarded,
                                        const space::Workload& w) {
  const OnboardedWorkload* found = nullptr;
  for (const auto& o : onboarded) {
    if (!SameFeatures(o.record.workload.features, w.features)) continue;
    if (o.record.workload.id == w.id) return &o;
    if (!found) found = &o;
  }
  return found;
}

space::WorkloadSet WithOnboarded(const space::WorkloadSet& study,
                                 const std::vector<OnboardedWorkload>& onboarded) {
  space::WorkloadSet out = study;
  for (const auto& o : onboarded) out.workloads.push_back(o.record.workload);
  return out;
}

report::OnboardedRow OnboardedRowOf(const OnboardOutcome& o) {
  report::OnboardedRow row;
  row.workload = o.id;
  row.budget = o.budget;
  row.runs = o.finished;
  row.failed = o.failed;
  row.in_flight = o.in_flight;
  if (o.choice) {
    row.best = o.choice->config;
    row.best_is_baseline = o.choice->is_baseline;
    row.best_gain = o.choice->measured_gain.value;
    row.why = o.choice->why;
    for (const auto& m : o.measured) {
      if (m.config == o.choice->config) row.best_runs = m.runs;
    }
  }
  row.zero_shot_top1 = o.zero_shot_top1;
  row.zero_shot_weak = o.zero_shot_weak;
  if (o.zero_shot_gain) row.zero_shot_gain = o.zero_shot_gain->value;
  row.knobs_moved = o.knobs_moved;
  return row;
}

std::vector<report::OnboardedRow> OnboardedRows(const fs::path& dir, store::Store& db,
                                                const config::StudyConfig& cfg) {
  if (db.OnboardWorkloads().empty()) return {};
  return OnboardedRows(OnboardModel(dir, cfg.seed), db, cfg);
}

std::vector<report::OnboardedRow> OnboardedRows(const OnboardModel& model, store::Store& db,
                                                const config::StudyConfig& cfg) {
  std::vector<report::OnboardedRow> rows;
  for (const auto& w : LoadOnboarded(db)) {
    rows.push_back(OnboardedRowOf(SummarizeOnboarded(model, w, cfg.runner.objective)));
  }
  return rows;
}

std::vector<std::string> OnboardedLines(const space::Space& space, const report::OnboardedRow& r) {
  std::vector<std::string> lines;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s: %zu/%d runs (%zu failed%s)", r.workload.c_str(), r.runs,
                r.budget, r.failed, r.in_flight ? ", some in flight" : "");
  lines.push_back(buf);
  if (!r.best) {
    lines.push_back("  best: none yet (the baseline has not run successfully)");
  } else if (r.best_is_baseline) {
    lines.push_back("  best: the baseline, " + space.Describe(*r.best) +
                    " (nothing measured beat it beyond noise)");
  } else {
    std::snprintf(buf, sizeof buf, " (%+.1f%% over the baseline run, measured, %zu run(s))",
                  100.0 * r.best_gain, r.best_runs);
    lines.push_back("  best: " + space.Describe(*r.best) + buf);
  }
  std::string zs = "  zero-shot top-1: " + space.Describe(r.zero_shot_top1);
  if (r.zero_shot_weak) zs += " (weak evidence: the baseline)";
  if (r.zero_shot_gain) {
    std::snprintf(buf, sizeof buf, "; measured %+.1f%%", 100.0 * *r.zero_shot_gain);
    zs += buf;
  } else {
    zs += "; not run";
  }
  if (r.best) zs += "; the best differs in " + std::to_string(r.knobs_moved) + " knob(s)";
  lines.push_back(zs);
  return lines;
}

}  // namespace iorec::app
