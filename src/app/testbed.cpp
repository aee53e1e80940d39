#include "testbed.hpp"

#include "iorec/core/error.hpp"
#include "iorec/runner/stub_testbed.hpp"

namespace iorec::app {
namespace {

/// The stub's truth, for `oracle_mode: heldout` and quality benchmarks.
class StubOracle final : public loop::Oracle {
 public:
  StubOracle(const runner::StubTestbed& tb, const config::StudyConfig& cfg) : tb_(tb) {
    for (uint32_t w = 0; w < tb.num_workloads(); ++w) {
      best_.push_back(
          tb.FindOptimum(w, cfg.active.oracle_enum_threshold, cfg.active.oracle_sampled).perf);
    }
  }
  double TruePerf(uint32_t w, const space::Config& c) const override { return tb_.TruePerf(w, c); }
  double BestPerf(uint32_t w) const override { return best_[w]; }

 private:
  const runner::StubTestbed& tb_;
  std::vector<double> best_;
};

}  // namespace

Testbed MakeTestbed(const config::StudyConfig& cfg, const space::WorkloadSet& ws,
                    const std::filesystem::path& /*out_dir*/) {
  Testbed tb;
  switch (cfg.runner.mode) {
    case config::RunnerMode::kStub: {
      auto stub = std::make_unique<runner::StubTestbed>(cfg.space, ws, cfg.seed, cfg.runner.noise_std);
      tb.oracle = std::make_unique<StubOracle>(*stub, cfg);
      tb.runner = std::move(stub);
      break;
    }
    case config::RunnerMode::kCommand:
    case config::RunnerMode::kReal:
      throw core::InputError(std::string("runner.mode ") + config::ToString(cfg.runner.mode) +
                             " is not supported yet");
  }
  tb.executor = std::make_unique<runner::SerialExecutor>(*tb.runner);
  return tb;
}

}  // namespace iorec::app
