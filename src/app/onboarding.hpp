#pragma once
// Onboarding new workloads into a finished study (`iorec onboard`, and the onboarding trials
// `iorec ask` hands out): the zero-shot model of the study, the onboarded workloads with
// their stored trials, the next round of picks, and what their runs say (`recommend`,
// `status`, the report).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "iorec/config/study_config.hpp"
#include "iorec/deploy/model_bundle.hpp"
#include "iorec/deploy/onboard.hpp"
#include "iorec/deploy/zero_shot.hpp"
#include "iorec/report/study_outputs.hpp"
#include "iorec/store/store.hpp"

namespace iorec::app {

/// A finished study's zero-shot model, fitted on its model bundle's measured configs with
/// core::Rng(study seed, "onboard"): the same study gives the same model, so a resumed
/// onboarding makes the same picks and `recommend` the same choice.
class OnboardModel {
 public:
  /// Reads `<study_dir>/model`. Throws core::InputError when it is missing or carries no
  /// measured configs.
  OnboardModel(const std::filesystem::path& study_dir, uint64_t seed);
  /// Not copied or moved: the model refers to the state it was fitted on.
  OnboardModel(const OnboardModel&) = delete;
  OnboardModel& operator=(const OnboardModel&) = delete;
  const deploy::ModelBundle& bundle() const { return bundle_; }
  const deploy::ZeroShot& zero_shot() const { return *zero_shot_; }
  /// The zero-shot recommendation Onboarding runs after the baseline.
  deploy::ZeroShotRecommendation ZeroShotFor(const std::vector<double>& features) const;

 private:
  deploy::ModelBundle bundle_;
  state::StudyState state_;  ///< what zero_shot_ was fitted on (it keeps a reference)
  std::unique_ptr<deploy::ZeroShot> zero_shot_;
};

/// An onboarded workload with its stored trials (by trial id).
struct OnboardedWorkload {
  store::OnboardWorkloadRecord record;
  std::vector<store::OnboardTrialRecord> trials;
  /// Trials with a result (done or failed): what counts against the budget.
  size_t finished() const;
};

/// Every onboarded workload of `db` with its trials.
std::vector<OnboardedWorkload> LoadOnboarded(store::Store& db);

/// The successful runs of `w` (metrics that make a perf), as deploy::Onboarding takes them.
std::vector<deploy::OnboardRun> SuccessfulRuns(const OnboardedWorkload& w,
                                               state::Direction direction);

/// The next round: for each onboarded workload not done, its trial in flight (pending or
/// running, from an interrupted round) or, when it has none, the next pick of
/// deploy::Onboarding as a new pending trial with the next free trial id (after
/// `last_trial_id`). A workload is done when its budget is spent, when every candidate has
/// run, or when the next pick already failed twice on it.
std::vector<store::OnboardTrialRecord> PlanRound(const OnboardModel& model,
                                                 const std::vector<OnboardedWorkload>& workloads,
                                                 state::Direction direction,
                                                 uint64_t last_trial_id);

/// The highest trial id of the study and its onboarding trials.
uint64_t LastTrialId(store::Store& db);

/// One config measured on an onboarded workload.
struct MeasuredOnboard {
  space::Config config;
  state::Perf mean_perf;
  state::RelGain gain;  ///< of the mean over the baseline run's perf
  size_t runs = 0;
};

/// What an onboarded workload's runs say.
struct OnboardOutcome {
  std::string id;
  int budget = 0;
  size_t finished = 0, failed = 0, in_flight = 0;
  /// deploy::Onboarding::Choose, once the baseline ran.
  std::optional<deploy::OnboardChoice> choice;
  state::Perf baseline_perf;  ///< the baseline config's mean perf here (set with `choice`)
  /// Every measured config: the choice first, then by mean perf, best first.
  std::vector<MeasuredOnboard> measured;
  space::Config zero_shot_top1;
  bool zero_shot_weak = false;  ///< the zero-shot top-1 is the baseline for weak evidence
  /// Knobs where the choice differs from the zero-shot top-1 (0 without a choice).
  size_t knobs_moved = 0;
  /// The zero-shot top-1's measured gain, when it ran.
  std::optional<state::RelGain> zero_shot_gain;
};

OnboardOutcome SummarizeOnboarded(const OnboardModel& model, const OnboardedWorkload& w,
                                  state::Direction direction);

/// The outcome as the reports show it.
report::OnboardedRow OnboardedRowOf(const OnboardOutcome& o);

/// Every onboarded workload of the study in `dir` as the reports show it; fits the study's
/// zero-shot model only when there is one (none: empty).
std::vector<report::OnboardedRow> OnboardedRows(const std::filesystem::path& dir, store::Store& db,
                                                const config::StudyConfig& cfg);
/// The same with the model at hand.
std::vector<report::OnboardedRow> OnboardedRows(const OnboardModel& model, store::Store& db,
                                                const config::StudyConfig& cfg);

/// The same as text lines (no trailing newline), for `onboard` and `status`.
std::vector<std::string> OnboardedLines(const space::Space& space, const report::OnboardedRow& r);

/// The onboarded workload `w` stands for: same features (each within 1e-9 relative), the same
/// id preferred among several. nullptr when none.
const OnboardedWorkload* MatchOnboarded(const std::vector<OnboardedWorkload>& onboarded,
                                        const space::Workload& w);

/// The study's workloads followed by the onboarded ones (onboarded workload i is workload
/// `study.size() + i`), for runners and `iorec ask`.
space::WorkloadSet WithOnboarded(const space::WorkloadSet& study,
                                 const std::vector<OnboardedWorkload>& onboarded);

}  // namespace iorec::app
