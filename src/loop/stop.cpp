#include "iorec/loop/stop.hpp"

namespace iorec::loop {
namespace {

class NoRuns final : public StopCriterion {
 public:
  std::string Check(const IterationRecord&, const state::StudyState& st) override {
    std::string names;
    for (uint32_t w = 0; w < st.num_workloads(); ++w) {
      if (st.record(w).has_runs()) continue;
      std::string reason = "no trial";
      for (const auto& t : st.trials()) {
        if (t.workload == w) {
          reason = t.failure_reason;
          break;
        }
      }
      names += (names.empty() ? "" : "; ") + st.workload_set().workloads[w].id +
               " (first failure: " + reason + ")";
    }
    if (names.empty()) return "";
    return "stopped: no successful run on workload(s) " + names;
  }
};

class NoImprovement final : public StopCriterion {
 public:
  explicit NoImprovement(int rounds) : rounds_(rounds) {}
  std::string Check(const IterationRecord& rec, const state::StudyState&) override {
    if (rec.iteration == 0 || rec.best_gain_so_far > best_ + 1e-12) {
      best_ = rec.best_gain_so_far;
      stale_ = 0;
      return "";
    }
    if (++stale_ < rounds_) return "";
    return "early stop: no improvement in " + std::to_string(rounds_) + " iterations";
  }

 private:
  int rounds_;
  double best_ = 0.0;
  int stale_ = 0;
};

class LowSpread final : public StopCriterion {
 public:
  explicit LowSpread(double threshold) : threshold_(threshold) {}
  std::string Check(const IterationRecord& rec, const state::StudyState&) override {
    if (rec.iteration == 0 || !(rec.mean_batch_sigma < threshold_)) return "";
    return "early stop: batch spread below low_sigma_threshold";
  }

 private:
  double threshold_;
};

class Iterations final : public StopCriterion {
 public:
  explicit Iterations(int n) : n_(n) {}
  std::string Check(const IterationRecord& rec, const state::StudyState&) override {
    return rec.iteration >= n_ ? "completed all iterations" : "";
  }

 private:
  int n_;
};

}  // namespace

std::unique_ptr<StopCriterion> NoRunsCriterion() { return std::make_unique<NoRuns>(); }
std::unique_ptr<StopCriterion> NoImprovementCriterion(int rounds) {
  return std::make_unique<NoImprovement>(rounds);
}
std::unique_ptr<StopCriterion> LowSpreadCriterion(double threshold) {
  return std::make_unique<LowSpread>(threshold);
}
std::unique_ptr<StopCriterion> IterationsCriterion(int iterations) {
  return std::make_unique<Iterations>(iterations);
}

std::vector<std::unique_ptr<StopCriterion>> StopCriteriaFrom(const config::StudyConfig& cfg) {
  std::vector<std::unique_ptr<StopCriterion>> out;
  out.push_back(NoRunsCriterion());
  if (cfg.active.early_stop_rounds > 0)
    out.push_back(NoImprovementCriterion(cfg.active.early_stop_rounds));
  if (cfg.active.low_sigma_threshold > 0.0)
    out.push_back(LowSpreadCriterion(cfg.active.low_sigma_threshold));
  out.push_back(IterationsCriterion(cfg.active.iterations));
  return out;
}

}  // namespace iorec::loop
